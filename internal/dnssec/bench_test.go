package dnssec

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// bigZone is a zone of n A records, one name each, plus SOA and NS.
func bigZone(b testing.TB, n int) rrset.Zone {
	z := testUnsigned(b, 1)
	base := netip.MustParseAddr("10.0.0.0").As4()
	for i := range n {
		ip := base
		ip[1], ip[2], ip[3] = byte(i>>16), byte(i>>8), byte(i)
		name := fmt.Sprintf("host-%d.example.com.", i)
		z.Put(&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: ip[:]})
	}
	return z
}

// BenchmarkSignFull is a cold signing of 100,000 records.
func BenchmarkSignFull(b *testing.B) {
	p := DefaultPolicy()
	keys := testKeys(b, p)
	z := bigZone(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(testZone, z, keys, p, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResignOneChange is one record added to (or, every other time,
// removed from) a signed zone of 10,000 and of 100,000 records, kept as a
// Signed as the zonefile backend keeps it: the work a change costs, and
// whether it grows with the zone (issue 14 wants it not to).
func BenchmarkResignOneChange(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { resignOneChange(b, n) })
	}
}

func resignOneChange(b *testing.B, n int) {
	p := DefaultPolicy()
	keys := testKeys(b, p)
	before := bigZone(b, n)
	signed, err := Sign(testZone, before, keys, p, t0)
	if err != nil {
		b.Fatal(err)
	}
	z := NewSigned(testZone, signed)
	soaKey := key(testZone, dns.TypeSOA)
	soa := *before[soaKey].RRs[0].(*dns.SOA)
	added := rrset.New(mustRR(b, "host-5000a.example.com. 300 IN A 192.0.2.1"))
	now := t0.Add(time.Hour)
	i := 0
	change := func() {
		i++
		soa.Serial++
		c := Change{Key: added.Key, New: added}
		if i%2 == 0 {
			c.New = nil
		}
		_, stats, err := z.Resign([]Change{c, {Key: soaKey, New: rrset.New(&soa)}}, keys, p, now)
		if err != nil {
			b.Fatal(err)
		}
		if stats.Full {
			b.Fatal(stats.Reason)
		}
	}
	// The first change after NewSigned walks the zone once (a backend's
	// first write after a start): not what each change costs.
	change()
	change()
	b.ReportAllocs()
	for b.Loop() {
		change()
	}
}

// BenchmarkResignOneChangeNSEC3 is the same change in an NSEC3 zone, which
// Resign signs whole, reusing the signatures of unchanged sets.
func BenchmarkResignOneChangeNSEC3(b *testing.B) {
	p := DefaultPolicy()
	p.NSEC3 = true
	keys := testKeys(b, p)
	before := bigZone(b, 100_000)
	prev, err := Sign(testZone, before, keys, p, t0)
	if err != nil {
		b.Fatal(err)
	}
	after := edit(b, before, nil, "host-50000a.example.com. 300 IN A 192.0.2.1")
	changed := changedKeys(before, after)
	now := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Resign(testZone, prev, after, changed, keys, p, now); err != nil {
			b.Fatal(err)
		}
	}
}
