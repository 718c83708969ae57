package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
)

// zone returns the zone file CoreDNS serves, with serial and www's TTL and
// address as given. big holds enough addresses that its answer does not fit
// a 512-byte UDP message.
func zone(serial uint32, wwwTTL uint32, wwwAddr string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `$ORIGIN example.com.
@        3600 IN SOA  ns1.example.com. hostmaster.example.com. %d 3600 600 604800 300
@        3600 IN NS   ns1
ns1      3600 IN A    127.0.0.1
www      %d   IN A    %s
www      300  IN AAAA 2001:db8::1
Mixed    300  IN A    192.0.2.7
app      300  IN CNAME www
@        300  IN MX   10 www
sub      86400 IN NS  ns1.sub
ns1.sub  86400 IN A   192.0.2.53
`, serial, wwwTTL, wwwAddr)
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, "big 300 IN A 10.0.0.%d\n", i)
	}
	return b.String()
}

func writeZone(t *testing.T, dir, text string) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "db.example.com")); err != nil {
		t.Fatal(err)
	}
}

// serve starts CoreDNS with the zone and waits until it answers with serial.
func serve(t *testing.T) (*Resolver, string) {
	t.Helper()
	dir := t.TempDir()
	writeZone(t, dir, zone(1, 300, "192.0.2.1"))
	srv := corednstest.Start(t, corednstest.AutoCorefile(dir))
	r := &Resolver{Addr: srv.Addr, Timeout: 2 * time.Second}
	waitSerial(t, r, 1)
	return r, dir
}

func waitSerial(t *testing.T, r *Resolver, want uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := r.Serial(ctx, "example.com.")
		if err == nil && s == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("serial %d not served within 15s: last %d, %v", want, s, err)
		case <-tick.C:
		}
	}
}

func set(t *testing.T, lines ...string) *rrset.Set {
	t.Helper()
	rrs := make([]dns.RR, len(lines))
	for i, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		rrs[i] = rr
	}
	return rrset.New(rrs...)
}

func bigSet(t *testing.T) *rrset.Set {
	lines := make([]string, 60)
	for i := range lines {
		lines[i] = fmt.Sprintf("big.example.com. 300 IN A 10.0.0.%d", i+1)
	}
	return set(t, lines...)
}

func TestQuery(t *testing.T) {
	r, _ := serve(t)
	tests := []struct {
		name  string
		qname string
		qtype uint16
		want  *rrset.Set // nil: no such set
	}{
		{"A", "www.example.com.", dns.TypeA, set(t, "www.example.com. 300 IN A 192.0.2.1")},
		{"AAAA", "www.example.com", dns.TypeAAAA, set(t, "www.example.com. 300 IN AAAA 2001:db8::1")},
		{"query case does not matter", "WWW.Example.COM.", dns.TypeA, set(t, "www.example.com. 300 IN A 192.0.2.1")},
		{"owner case in the zone does not matter", "mixed.example.com.", dns.TypeA, set(t, "mixed.example.com. 300 IN A 192.0.2.7")},
		{"CNAME", "app.example.com.", dns.TypeCNAME, set(t, "app.example.com. 300 IN CNAME www.example.com.")},
		{"MX", "example.com.", dns.TypeMX, set(t, "example.com. 300 IN MX 10 www.example.com.")},
		{"apex NS", "example.com.", dns.TypeNS, set(t, "example.com. 3600 IN NS ns1.example.com.")},
		{"delegation NS from the referral", "sub.example.com.", dns.TypeNS, set(t, "sub.example.com. 86400 IN NS ns1.sub.example.com.")},
		{"NXDOMAIN", "nope.example.com.", dns.TypeA, nil},
		{"no data", "www.example.com.", dns.TypeTXT, nil},
		{"truncated over UDP, read over TCP", "big.example.com.", dns.TypeA, bigSet(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Query(context.Background(), tt.qname, tt.qtype)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Query(%s %s) = %v, want %v", tt.qname, dns.TypeToString[tt.qtype], got, tt.want)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	r, _ := serve(t)
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := u.LocalAddr().String()
	u.Close()
	tests := []struct {
		name  string
		r     *Resolver
		qname string
		want  string
	}{
		{"zone not served", r, "www.example.org.", "server answered REFUSED"},
		{"nothing listening", &Resolver{Addr: closed, Timeout: 500 * time.Millisecond}, "www.example.com.", closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r.Query(context.Background(), tt.qname, dns.TypeA)
			if err == nil {
				t.Fatalf("Query = %v, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "query "+tt.qname+" A") {
				t.Errorf("error %q, want it to say what was asked and contain %q", err, tt.want)
			}
			if _, err := tt.r.Serial(context.Background(), strings.TrimPrefix(tt.qname, "www.")); err == nil {
				t.Error("Serial succeeded")
			}
		})
	}
}

func TestSerial(t *testing.T) {
	r, dir := serve(t)
	s, err := r.Serial(context.Background(), "example.com.")
	if err != nil || s != 1 {
		t.Fatalf("Serial = %d, %v; want 1", s, err)
	}
	writeZone(t, dir, zone(2026041500, 300, "192.0.2.1"))
	waitSerial(t, r, 2026041500)
	if _, err := r.Serial(context.Background(), "www.example.com."); err == nil {
		t.Error("Serial of a name that is not a zone apex succeeded")
	}
}

func TestCheck(t *testing.T) {
	r, _ := serve(t)
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	nope := rrset.Key{Name: "nope.example.com.", Type: dns.TypeA}
	aaaa := rrset.Key{Name: "www.example.com.", Type: dns.TypeAAAA}
	tests := []struct {
		name string
		want map[rrset.Key]*rrset.Set
		miss map[rrset.Key]*rrset.Set // mismatched keys and what is served
	}{
		{
			name: "all served",
			want: map[rrset.Key]*rrset.Set{
				www:  set(t, "www.example.com. 300 IN A 192.0.2.1"),
				aaaa: set(t, "www.example.com. 300 IN AAAA 2001:DB8:0::1"),
				nope: nil,
			},
		},
		{
			name: "TTL differs",
			want: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 60 IN A 192.0.2.1"), aaaa: set(t, "www.example.com. 300 IN AAAA 2001:db8::1")},
			miss: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 300 IN A 192.0.2.1")},
		},
		{
			name: "value differs",
			want: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 300 IN A 192.0.2.2")},
			miss: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 300 IN A 192.0.2.1")},
		},
		{
			name: "missing value",
			want: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN A 192.0.2.2")},
			miss: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 300 IN A 192.0.2.1")},
		},
		{
			name: "not served",
			want: map[rrset.Key]*rrset.Set{nope: set(t, "nope.example.com. 300 IN A 192.0.2.1")},
			miss: map[rrset.Key]*rrset.Set{nope: nil},
		},
		{
			name: "served but should be gone",
			want: map[rrset.Key]*rrset.Set{www: nil},
			miss: map[rrset.Key]*rrset.Set{www: set(t, "www.example.com. 300 IN A 192.0.2.1")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := r.Check(context.Background(), tt.want)
			if rep.Checked != len(tt.want) || len(rep.Results) != len(tt.want) {
				t.Fatalf("Check = %+v, want a result for each of %d sets", rep, len(tt.want))
			}
			got := rep.Failed()
			if len(got) != len(tt.miss) {
				t.Fatalf("Check failed %v, want mismatches for %v", Summary(got), tt.miss)
			}
			for _, m := range got {
				served, ok := tt.miss[m.Key]
				if !ok {
					t.Errorf("unexpected mismatch %v", m)
					continue
				}
				if m.Err != nil {
					t.Errorf("%v: %v", m.Key, m.Err)
				}
				if !m.Served.Equal(served) || !m.Want.Equal(tt.want[m.Key]) || m.Server != r.Addr {
					t.Errorf("mismatch %v, want served %v at %s", m, served, r.Addr)
				}
			}
		})
	}
}

func TestWait(t *testing.T) {
	r, dir := serve(t)
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	want := map[rrset.Key]*rrset.Set{
		www: set(t, "www.example.com. 60 IN A 192.0.2.99"),
		{Name: "www.example.com.", Type: dns.TypeAAAA}: set(t, "www.example.com. 300 IN AAAA 2001:db8::1"),
	}

	// Not served yet: Wait gives up when ctx ends and says what is wrong.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	start := time.Now()
	rep := r.Wait(ctx, want, 50*time.Millisecond)
	d := time.Since(start)
	cancel()
	if miss := rep.Failed(); len(miss) != 1 || miss[0].Key != www || len(rep.Results) != 2 {
		t.Fatalf("Wait before the change = %v, want www A only failed, of 2", Summary(rep.Results))
	}
	if d < 250*time.Millisecond {
		t.Errorf("Wait gave up after %v, before its context ended", d)
	}

	writeZone(t, dir, zone(2, 60, "192.0.2.99"))
	ctx, cancel = context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if rep := r.Wait(ctx, want, 50*time.Millisecond); !rep.OK() || len(rep.Results) != 2 {
		t.Fatalf("Wait after the change: %s", Summary(rep.Results))
	}
	if rep := r.Check(context.Background(), want); !rep.OK() {
		t.Errorf("Check after Wait: %s", Summary(rep.Failed()))
	}

	// Already served: no waiting.
	start = time.Now()
	if rep := r.Wait(context.Background(), want, time.Hour); !rep.OK() {
		t.Errorf("Wait when served: %s", Summary(rep.Failed()))
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Wait when served took %v", time.Since(start))
	}
}

func TestResultString(t *testing.T) {
	k := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"different", Result{Key: k, Want: set(t, "www.example.com. 60 IN A 192.0.2.1"), Served: set(t, "www.example.com. 300 IN A 192.0.2.1"), Status: StatusMismatch},
			"www.example.com. A: want 60 [192.0.2.1], served 300 [192.0.2.1]"},
		{"not served", Result{Key: k, Want: set(t, "www.example.com. 60 IN A 192.0.2.1"), Status: StatusMissing},
			"www.example.com. A: want 60 [192.0.2.1], served -"},
		{"error", Result{Key: k, Err: errors.New("timeout"), Status: StatusError}, "www.example.com. A: timeout"},
		{"at a server", Result{Server: "127.0.0.1:53", Key: k, Want: set(t, "www.example.com. 60 IN A 192.0.2.1"), Status: StatusMissing},
			"www.example.com. A at 127.0.0.1:53: want 60 [192.0.2.1], served -"},
		{"lagging", Result{Server: "r", Key: k, Want: set(t, "www.example.com. 60 IN A 192.0.2.1"), Served: set(t, "www.example.com. 30 IN A 192.0.2.2"), Status: StatusLagging,
			By: time.Date(2026, 4, 15, 12, 0, 6, 200, time.UTC)},
			"www.example.com. A at r: want 60 [192.0.2.1], served 30 [192.0.2.2] (a resolver's cache; will serve by 2026-04-15T12:00:07Z)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
	if got, want := Summary([]Result{tests[0].r, tests[2].r}), tests[0].want+"; "+tests[2].want; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

// Logs and health messages built from results stay bounded, however many
// there are and however large their sets.
func TestSummaryBounded(t *testing.T) {
	var rrs []string
	for i := range 1000 {
		rrs = append(rrs, fmt.Sprintf("big.example.com. 300 IN TXT \"%04d%s\"", i, strings.Repeat("v", 200)))
	}
	big := set(t, rrs...)
	var miss []Result
	for i := range 5000 {
		miss = append(miss, Result{Key: rrset.Key{Name: fmt.Sprintf("h%d.example.com.", i), Type: dns.TypeTXT}, Want: big})
	}
	got := Summary(miss)
	if !strings.HasSuffix(got, "; and 4990 more") || len(got) > 40000 {
		t.Errorf("Summary of 5,000 results of 1,000 values: %d bytes, ending %q", len(got), got[max(0, len(got)-40):])
	}
	f := Result{Server: "s", Key: rrset.Key{Name: "big.example.com.", Type: dns.TypeTXT}, Want: big}
	if s := f.String(); len(s) > 4096 || !strings.Contains(s, "more values") {
		t.Errorf("Result.String of 1,000 values: %d bytes", len(s))
	}
}
