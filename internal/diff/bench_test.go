package diff

import (
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

func zone100k(changed int) (desired, observed rrset.Zone) {
	desired, observed = rrset.Zone{}, rrset.Zone{}
	for i := 0; i < 100000; i++ {
		name := fmt.Sprintf("host-%06d.example.com.", i)
		a := &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).To4()}
		observed.Put(a)
		if i < changed {
			a = &dns.A{Hdr: a.Hdr, A: net.IPv4(192, 0, 2, byte(i)).To4()}
		}
		desired.Put(a)
	}
	return desired, observed
}

func benchDiff(b *testing.B, changed int, only bool) {
	desired, observed := zone100k(changed)
	in := Input{Zone: "example.com.", Desired: desired, Observed: observed}
	if only {
		in.Only = map[string]bool{}
		for i := 0; i < changed; i++ {
			in.Only[fmt.Sprintf("host-%06d.example.com.", i)] = true
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if p := Compute(in); len(p.Changes) != changed {
			b.Fatalf("%d changes, want %d", len(p.Changes), changed)
		}
	}
}

// A full diff of 100,000 RRsets, as a scheduled pass makes it.
func BenchmarkDiff100k1Change(b *testing.B)      { benchDiff(b, 1, false) }
func BenchmarkDiff100k10000Changes(b *testing.B) { benchDiff(b, 10000, false) }

// The diff of a pass for changed files: only the changed names.
func BenchmarkDiff100k1ChangeOnly(b *testing.B)      { benchDiff(b, 1, true) }
func BenchmarkDiff100k10000ChangesOnly(b *testing.B) { benchDiff(b, 10000, true) }
