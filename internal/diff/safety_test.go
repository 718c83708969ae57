package diff

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// hosts returns n A records h0..h(n-1).example.com.
func hosts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i+1)
	}
	return out
}

// apexNS returns n NS records at the apex.
func apexNS(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("example.com. 3600 IN NS ns%d.example.net.", i+1)
	}
	return out
}

const soa = "example.com. 3600 IN SOA ns1.example.net. hostmaster.example.com. 0 3600 600 604800 300"

func lines(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestCheck(t *testing.T) {
	def := Safety{MaxDeletePercent: 30, MinRecords: 10}
	tests := []struct {
		name        string
		observed    []string
		desired     []string
		safety      Safety
		wantRemoved int
		wantErr     string // "" means allowed
	}{
		{
			name:        "nothing deleted",
			observed:    lines([]string{soa}, apexNS(1), hosts(10)),
			desired:     lines([]string{soa}, apexNS(1), hosts(10)),
			safety:      def,
			wantRemoved: 0,
		},
		{
			name:        "below min_records everything may go",
			observed:    lines([]string{soa}, apexNS(1), hosts(9)),
			desired:     lines([]string{soa}, apexNS(1)),
			safety:      def,
			wantRemoved: 9,
		},
		{
			name:        "SOA and apex NS do not reach min_records",
			observed:    lines([]string{soa}, apexNS(4), hosts(9)),
			desired:     lines([]string{soa}, apexNS(4)),
			safety:      def,
			wantRemoved: 9,
		},
		{
			name:        "exactly the threshold is allowed",
			observed:    lines([]string{soa}, apexNS(1), hosts(10)),
			desired:     lines([]string{soa}, apexNS(1), hosts(10)[3:]),
			safety:      def,
			wantRemoved: 3,
		},
		{
			name:        "above the threshold is refused",
			observed:    lines([]string{soa}, apexNS(1), hosts(10)),
			desired:     lines([]string{soa}, apexNS(1), hosts(10)[4:]),
			safety:      def,
			wantRemoved: 4,
			wantErr:     "zone example.com.: plan deletes 4 of 10 records (40%), more than the 30% allowed",
		},
		{
			name:        "apex NS do not dilute the share",
			observed:    lines([]string{soa}, apexNS(20), hosts(10)),
			desired:     lines([]string{soa}, apexNS(20), hosts(10)[4:]),
			safety:      def,
			wantRemoved: 4,
			wantErr:     "deletes 4 of 10 records",
		},
		{
			name:        "deleted apex NS are not counted",
			observed:    lines([]string{soa}, apexNS(5), hosts(10)),
			desired:     lines([]string{soa}, apexNS(1), hosts(10)[3:]),
			safety:      def,
			wantRemoved: 3,
		},
		{
			name:        "delegation NS below the apex are counted",
			observed:    lines([]string{soa}, apexNS(1), hosts(8), []string{"sub.example.com. 300 IN NS ns1.sub.example.com.", "sub.example.com. 300 IN NS ns2.sub.example.com."}),
			desired:     lines([]string{soa}, apexNS(1), hosts(8)[2:]),
			safety:      def,
			wantRemoved: 4,
			wantErr:     "deletes 4 of 10 records",
		},
		{
			name: "values dropped from an update are counted",
			observed: lines([]string{soa}, apexNS(1), []string{
				"rr.example.com. 300 IN A 192.0.2.1", "rr.example.com. 300 IN A 192.0.2.2", "rr.example.com. 300 IN A 192.0.2.3",
				"rr.example.com. 300 IN A 192.0.2.4", "rr.example.com. 300 IN A 192.0.2.5", "rr.example.com. 300 IN A 192.0.2.6",
				"rr.example.com. 300 IN A 192.0.2.7", "rr.example.com. 300 IN A 192.0.2.8", "rr.example.com. 300 IN A 192.0.2.9",
				"rr.example.com. 300 IN A 192.0.2.10",
			}),
			desired: lines([]string{soa}, apexNS(1), []string{
				"rr.example.com. 300 IN A 192.0.2.1", "rr.example.com. 300 IN A 192.0.2.2", "rr.example.com. 300 IN A 192.0.2.3",
				"rr.example.com. 300 IN A 192.0.2.4", "rr.example.com. 300 IN A 192.0.2.5", "rr.example.com. 300 IN A 192.0.2.6",
				"rr.example.com. 300 IN A 192.0.2.11",
			}),
			safety:      def,
			wantRemoved: 4,
			wantErr:     "deletes 4 of 10 records",
		},
		{
			name:        "TTL-only updates remove nothing",
			observed:    lines([]string{soa}, apexNS(1), hosts(10)),
			desired:     lines([]string{strings.Replace(soa, "3600 IN", "60 IN", 1)}, apexNS(1), strings.Split(strings.ReplaceAll(strings.Join(hosts(10), "\n"), " 300 IN", " 60 IN"), "\n")),
			safety:      def,
			wantRemoved: 0,
		},
		{
			name:        "empty zone",
			observed:    nil,
			desired:     lines([]string{soa}, apexNS(1), hosts(3)),
			safety:      Safety{MaxDeletePercent: 0, MinRecords: 0},
			wantRemoved: 0,
		},
		{
			name:        "zero percent refuses any delete",
			observed:    lines([]string{soa}, apexNS(1), hosts(3)),
			desired:     lines([]string{soa}, apexNS(1), hosts(3)[1:]),
			safety:      Safety{MaxDeletePercent: 0, MinRecords: 0},
			wantRemoved: 1,
			wantErr:     "deletes 1 of 3 records",
		},
		{
			name:        "100 percent allows everything",
			observed:    lines([]string{soa}, apexNS(1), hosts(30)),
			desired:     lines([]string{soa}, apexNS(1)),
			safety:      Safety{MaxDeletePercent: 100, MinRecords: 10},
			wantRemoved: 30,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			observed := zoneOf(t, tt.observed...)
			p := Compute(Input{Zone: zone, Desired: zoneOf(t, tt.desired...), Observed: observed})
			if got := p.Removed(); got != tt.wantRemoved {
				t.Errorf("Removed() = %d, want %d (plan %v)", got, tt.wantRemoved, summary(p))
			}
			err := p.Check(observed, tt.safety)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want allowed", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check() allowed the plan, want %q", tt.wantErr)
			}
			if !errors.Is(err, ErrUnsafe) {
				t.Errorf("Check() = %v, does not wrap ErrUnsafe", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Check() = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
