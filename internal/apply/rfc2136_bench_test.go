package apply

import (
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// BenchmarkBuildUpdates1000: the UPDATE messages for a 1,000-RRset change
// (half creates, half updates), packed as they go on the wire.
func BenchmarkBuildUpdates1000(b *testing.B) {
	p := diff.Plan{Zone: "example.org."}
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("host-%04d.example.org.", i)
		next := rrset.New(&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(10, 0, byte(i>>8), byte(i))})
		c := diff.Change{Action: diff.Create, Key: next.Key, New: next}
		if i%2 == 1 {
			c.Action = diff.Update
			c.Old = rrset.New(&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(10, 1, byte(i>>8), byte(i))})
		}
		p.Changes = append(p.Changes, c)
	}
	b.ReportAllocs()
	for b.Loop() {
		msgs := BuildUpdates(p, 1000)
		for _, m := range msgs {
			if _, err := m.Pack(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
