package verify

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/rrset"
)

func TestReportJSON(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	txt := rrset.Key{Name: "example.com.", Type: dns.TypeTXT}
	want := set(t, "www.example.com. 300 IN A 192.0.2.1")
	spf := set(t, `example.com. 300 IN TXT "v=spf1 \"a\" -all"`)
	rep := Report{Servers: []string{"127.0.0.1:53", "127.0.0.2:53"}, Checked: 4, Results: []Result{
		{Server: "127.0.0.1:53", Key: txt, Want: spf, Served: spf, Status: StatusVerified},
		{Server: "127.0.0.2:53", Key: txt, Want: spf, Status: StatusError, Err: errors.New("query example.com. TXT at 127.0.0.2:53: server answered REFUSED")},
		{Server: "127.0.0.1:53", Key: www, Want: want, Served: set(t, "www.example.com. 60 IN A 192.0.2.1"), Status: StatusMismatch},
		{Server: "127.0.0.2:53", Key: www, Want: want, Served: set(t, "www.example.com. 40 IN A 192.0.2.9"), Status: StatusLagging},
	}}
	got := rep.JSON("")
	wantJSON := client.Verification{
		Name: "", Verified: false, Server: "127.0.0.1:53", Servers: []string{"127.0.0.1:53", "127.0.0.2:53"}, Checked: 4,
		Records: []client.RRsetStatus{
			{Name: "example.com", RecordType: "TXT", Server: "127.0.0.1:53", Status: "verified",
				Want: []string{`v=spf1 "a" -all`}, WantTTL: 300, Served: []string{`v=spf1 "a" -all`}, ServedTTL: 300, Verified: true},
			{Name: "example.com", RecordType: "TXT", Server: "127.0.0.2:53", Status: "error",
				Want: []string{`v=spf1 "a" -all`}, WantTTL: 300, Served: []string{}, Error: "query example.com. TXT at 127.0.0.2:53: server answered REFUSED"},
			{Name: "www.example.com", RecordType: "A", Server: "127.0.0.1:53", Status: "mismatch",
				Want: []string{"192.0.2.1"}, WantTTL: 300, Served: []string{"192.0.2.1"}, ServedTTL: 60},
			{Name: "www.example.com", RecordType: "A", Server: "127.0.0.2:53", Status: "lagging",
				Want: []string{"192.0.2.1"}, WantTTL: 300, Served: []string{"192.0.2.9"}, ServedTTL: 40},
		},
	}
	if !reflect.DeepEqual(got, wantJSON) {
		t.Errorf("JSON(\"\") =\n%+v\nwant\n%+v", got, wantJSON)
	}

	// Lagging alone does not fail a check; a name checked is named.
	rep.Results = slices.Delete(rep.Results, 1, 3)
	if v := rep.JSON("WWW.Example.com."); !v.Verified || v.Name != "www.example.com" {
		t.Errorf("JSON of verified and lagging: verified %v, name %q; want true, www.example.com", v.Verified, v.Name)
	}
	// A name with nothing checked is not verified; every list is [] in JSON.
	empty := Report{}.JSON("nothing.example.com")
	b, err := json.Marshal(empty)
	if err != nil || empty.Verified || string(b) != `{"name":"nothing.example.com","verified":false,"server":"","servers":[],"checked":0,"records":[]}` {
		t.Errorf("JSON of nothing checked: %s, %v", b, err)
	}
}

func TestCompareZone(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	gone := rrset.Key{Name: "gone.example.com.", Type: dns.TypeA}
	nope := rrset.Key{Name: "nope.example.com.", Type: dns.TypeA}
	ttl := rrset.Key{Name: "ttl.example.com.", Type: dns.TypeA}
	served := rrset.Zone{}
	for _, l := range []string{"www.example.com. 300 IN A 192.0.2.1", "gone.example.com. 300 IN A 192.0.2.2", "ttl.example.com. 60 IN A 192.0.2.3"} {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		served.Put(rr)
	}
	want := map[rrset.Key]*rrset.Set{
		www:  set(t, "www.example.com. 300 IN A 192.0.2.1"),
		gone: nil,
		nope: set(t, "nope.example.com. 300 IN A 192.0.2.4"),
		ttl:  set(t, "ttl.example.com. 300 IN A 192.0.2.3"),
	}
	rep := CompareZone("127.0.0.1:53", served, want)
	got := map[rrset.Key]Status{}
	for _, r := range rep.Results {
		got[r.Key] = r.Status
	}
	wantStatus := map[rrset.Key]Status{www: StatusVerified, gone: StatusMismatch, nope: StatusMissing, ttl: StatusMismatch}
	if !reflect.DeepEqual(got, wantStatus) || rep.Checked != 4 || len(rep.Failed()) != 3 {
		t.Errorf("CompareZone = %v (checked %d), want %v", got, rep.Checked, wantStatus)
	}
	if !slices.IsSortedFunc(rep.Results, compare) {
		t.Errorf("results not in key order: %v", rep.Results)
	}
}
