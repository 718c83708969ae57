package diff

import (
	"errors"
	"fmt"
	"slices"
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

// readdress moves the first n of records to 198.51.100.x.
func readdress(records []string, n int) []string {
	out := slices.Clone(records)
	for i := range out[:n] {
		out[i] = strings.Replace(out[i], "192.0.2.", "198.51.100.", 1)
	}
	return out
}

func lines(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestCheck(t *testing.T) {
	def := Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}
	tests := []struct {
		name        string
		observed    []string
		desired     []string
		safety      Safety
		wantRemoved int
		wantDeleted int // 0: wantRemoved less wantUpdated
		wantUpdated int
		wantErr     string // "" means allowed
		notInErr    string // and the error must not say this
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
			wantUpdated: 4,
			wantErr:     "plan updates 4 of 10 records (40%), more than the 30% allowed (max_update_percent)",
			notInErr:    "deletes",
		},
		{
			name:        "updates are not counted as deletions",
			observed:    lines([]string{soa}, apexNS(1), hosts(10)),
			desired:     lines([]string{soa}, apexNS(1), readdress(hosts(10), 4)),
			safety:      Safety{MaxDeletePercent: 30, MaxUpdatePercent: 50, MinRecords: 10},
			wantRemoved: 4,
			wantUpdated: 4,
		},
		{
			name:        "readdressing most of a zone is refused as updates",
			observed:    lines([]string{soa}, apexNS(1), hosts(50)),
			desired:     lines([]string{soa}, apexNS(1), readdress(hosts(50), 40)),
			safety:      def,
			wantRemoved: 40,
			wantUpdated: 40,
			wantErr:     "zone example.com.: plan updates 40 of 50 records (80%), more than the 30% allowed (max_update_percent); check records.d",
			notInErr:    "deletes",
		},
		{
			name:        "deletes and updates each within their share",
			observed:    lines([]string{soa}, apexNS(1), hosts(20)),
			desired:     lines([]string{soa}, apexNS(1), readdress(hosts(20), 5)[:15]),
			safety:      def,
			wantRemoved: 10,
			wantDeleted: 5,
			wantUpdated: 5,
		},
		{
			name:        "deletes and updates both above their share",
			observed:    lines([]string{soa}, apexNS(1), hosts(10)),
			desired:     lines([]string{soa}, apexNS(1), readdress(hosts(10), 4)[:6]),
			safety:      def,
			wantRemoved: 8,
			wantDeleted: 4,
			wantUpdated: 4,
			wantErr:     "plan deletes 4 of 10 records (40%), more than the 30% allowed (max_delete_percent) and updates 4 of 10 records (40%)",
		},
		{
			name:        "zero update percent refuses any update",
			observed:    lines([]string{soa}, apexNS(1), hosts(3)),
			desired:     lines([]string{soa}, apexNS(1), readdress(hosts(3), 1)),
			safety:      Safety{MaxDeletePercent: 100, MaxUpdatePercent: 0},
			wantRemoved: 1,
			wantUpdated: 1,
			wantErr:     "updates 1 of 3 records",
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
			wantDeleted := tt.wantDeleted
			if wantDeleted == 0 {
				wantDeleted = tt.wantRemoved - tt.wantUpdated
			}
			if got := p.Deleted(); got != wantDeleted {
				t.Errorf("Deleted() = %d, want %d (plan %v)", got, wantDeleted, summary(p))
			}
			if got := p.Updated(); got != tt.wantUpdated {
				t.Errorf("Updated() = %d, want %d (plan %v)", got, tt.wantUpdated, summary(p))
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
			if tt.notInErr != "" && strings.Contains(err.Error(), tt.notInErr) {
				t.Errorf("Check() = %q, must not say %q", err, tt.notInErr)
			}
		})
	}
}
