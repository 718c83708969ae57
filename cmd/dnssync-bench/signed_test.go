//go:build linux

package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSignedFlags: the signed scenario runs at 100,000 records by default,
// -signedsizes "" skips it, -only signed keeps only it, and -only without
// it skips it.
func TestSignedFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want []int
	}{
		{"default", nil, []int{10000, 100000}},
		{"off", []string{"-signedsizes", ""}, nil},
		{"only signed", []string{"-only", "signed", "-signedsizes", "1000,5000"}, []int{1000, 5000}},
		{"only others", []string{"-only", "zonefile"}, nil},
	} {
		o, err := parseFlags(tc.args)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(o.signedSizes) != len(tc.want) || (len(tc.want) > 0 && o.signedSizes[len(tc.want)-1] != tc.want[len(tc.want)-1]) {
			t.Errorf("%s: signed sizes %v, want %v", tc.name, o.signedSizes, tc.want)
		}
		if tc.name == "only signed" && (len(o.sizes) != 0 || o.zones != 0 || o.replication != 0 || len(o.rfcSizes) != 0) {
			t.Errorf("-only signed: %+v, want only the signed scenario", o)
		}
	}
	if _, err := parseFlags([]string{"-signedsizes", "0"}); err == nil {
		t.Error("-signedsizes 0: no error")
	}
}

// TestSignedTarget: the issue 14 target compares the signed scenario's
// CPU per change at 100,000 records with 10,000, and is not measured
// without both.
func TestSignedTarget(t *testing.T) {
	t.Parallel()
	cpu := func(n string, d time.Duration) result { return durationResult(scenSigned, n, metricCPU, d, -1) }
	for _, tc := range []struct {
		name string
		rs   []result
		want string
	}{
		{"none", nil, statusNotMeasured},
		{"one size", []result{cpu("100000", 50*time.Millisecond)}, statusNotMeasured},
		{"flat", []result{cpu("10000", 40*time.Millisecond), cpu("100000", 60*time.Millisecond)}, statusMet},
		{"grows", []result{cpu("10000", 40*time.Millisecond), cpu("100000", 400*time.Millisecond)}, statusNotMet},
	} {
		var got target // issue 15's targets come after it
		for _, t := range evaluate(tc.rs) {
			if strings.HasPrefix(t.Name, "issue 14") {
				got = t
			}
		}
		if !strings.HasPrefix(got.Status, tc.want) {
			t.Errorf("%s: %+v, want status %s", tc.name, got, tc.want)
		}
	}
}

// TestSignedA: a signed answer counts only with an RRSIG over the A
// RRset, not with one over another type.
func TestSignedA(t *testing.T) {
	t.Parallel()
	a := &dns.A{Hdr: dns.RR_Header{Name: "host-000000.bench.test.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.ParseIP("192.0.2.1")}
	sig := func(covered uint16) *dns.RRSIG {
		return &dns.RRSIG{Hdr: dns.RR_Header{Name: a.Hdr.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 300}, TypeCovered: covered}
	}
	for _, tc := range []struct {
		name   string
		answer []dns.RR
		want   bool
	}{
		{"unsigned", []dns.RR{a}, false},
		{"signed", []dns.RR{a, sig(dns.TypeA)}, true},
		{"other type's signature", []dns.RR{a, sig(dns.TypeAAAA)}, false},
	} {
		if got := signedA(&dns.Msg{Answer: tc.answer}); got != tc.want {
			t.Errorf("%s: signedA = %v, want %v", tc.name, got, tc.want)
		}
	}
}
