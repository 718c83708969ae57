package desired

import (
	"maps"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

func TestNoPTRFollowsTheFiles(t *testing.T) {
	s, dir := newTestStore(t)
	aKey := rrset.Key{Name: "web.example.com.", Type: dns.TypeA}
	aaaaKey := rrset.Key{Name: "web.example.com.", Type: dns.TypeAAAA}
	writeFile(t, dir, "web.yaml", `records:
  - name: web.example.com
    type: A
    values: [10.0.0.1, 10.0.0.2]
    ttl: 300
  - name: web.example.com
    type: AAAA
    value: 2001:DB8::1
`)
	mustScan(t, s)
	if st := s.State(); st.NoPTR != nil {
		t.Fatalf("no record opts out, yet NoPTR = %v (the common path keeps no map)", st.NoPTR)
	}

	// Only ptr changes: the change must be seen, although every RR is the same.
	writeFile(t, dir, "web.yaml", `records:
  - name: web.example.com
    type: A
    values: [10.0.0.1, 10.0.0.2]
    ttl: 300
    ptr: false
  - name: web.example.com
    type: AAAA
    value: 2001:DB8::1
    ptr: true
`)
	gen := s.State().Generation
	if zones := mustScan(t, s); len(zones) != 1 || zones[0] != "example.com." {
		t.Errorf("Scan = %q, want example.com.", zones)
	}
	st := s.State()
	want := map[string]bool{"10.0.0.1": true, "10.0.0.2": true}
	if got := st.NoPTR["example.com."][aKey]; !maps.Equal(got, want) {
		t.Errorf("NoPTR[A] = %v, want %v", got, want)
	}
	if _, ok := st.NoPTR["example.com."][aaaaKey]; ok {
		t.Errorf("ptr: true opted the AAAA out: %v", st.NoPTR)
	}
	if names, ok := s.ChangedSince("example.com.", gen); !ok || !names["web.example.com."] {
		t.Errorf("ChangedSince = %v %v, want web.example.com.", names, ok)
	}

	// A second file declaring the same address without ptr: false does not
	// bring the PTR back: one opt-out is enough.
	writeFile(t, dir, "web2.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	if got := s.State().NoPTR["example.com."][aKey]; !got["10.0.0.1"] {
		t.Errorf("opt-out lost when another file declares the value: %v", got)
	}

	removeFile(t, dir, "web2.yaml")
	writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	if st := s.State(); st.NoPTR != nil {
		t.Errorf("opt-out removed from the file, yet NoPTR = %v", st.NoPTR)
	}
}

func TestNoPTRStateIsNotChangedLater(t *testing.T) {
	s, dir := newTestStore(t)
	key := rrset.Key{Name: "web.example.com.", Type: dns.TypeA}
	writeFile(t, dir, "web.yaml", "records:\n  - name: web.example.com\n    type: A\n    value: 10.0.0.1\n    ptr: false\n")
	mustScan(t, s)
	before := s.State()
	writeFile(t, dir, "web.yaml", "records:\n  - name: web.example.com\n    type: A\n    values: [10.0.0.1, 10.0.0.3]\n    ptr: false\n")
	mustScan(t, s)
	after := s.State()
	if got := before.NoPTR["example.com."][key]; len(got) != 1 {
		t.Errorf("a State handed out changed: %v", got)
	}
	if got := after.NoPTR["example.com."][key]; len(got) != 2 {
		t.Errorf("new State NoPTR = %v, want both values", got)
	}
}
