package apply

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Text kept between writes and changed plan by plan must be exactly what a
// full render of the same zone gives.
func TestZoneTextIncrementalEqualsFull(t *testing.T) {
	zone := "example.com."
	mk := func(s string) dns.RR {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return rr
	}
	served := rrset.Zone{}
	served.Put(mk("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"))
	served.Put(mk("example.com. 3600 IN NS ns1.example.com."))
	for i := 0; i < 200; i++ {
		served.Put(mk(fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i%250)))
	}
	text := newZoneText(zone, served, false)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 30; round++ {
		want := rrset.Zone{}
		for k, s := range served {
			want[k] = s
		}
		for j := 0; j < 10; j++ {
			name := fmt.Sprintf("h%d.example.com.", rng.IntN(300))
			k := rrset.Key{Name: name, Type: dns.TypeA}
			if rng.IntN(3) == 0 {
				delete(want, k)
			} else {
				want[k] = rrset.New(mk(fmt.Sprintf("%s %d IN A 198.51.100.%d", name, 60+rng.IntN(3), rng.IntN(250))))
			}
		}
		p := diff.Compute(diff.Input{Zone: zone, Desired: want, Observed: served})
		if err := text.apply(p); err != nil {
			t.Fatal(err)
		}
		served = p.Apply(served)
		var got, full bytes.Buffer
		if err := text.write(&got, 7); err != nil {
			t.Fatal(err)
		}
		if err := Render(&full, zone, 7, served); err != nil {
			t.Fatal(err)
		}
		if got.String() != full.String() {
			t.Fatalf("round %d: incremental text differs from a full render:\n%s\n---\n%s", round, got.String(), full.String())
		}
	}
}

// The zone file's text is the same whether it is written into a
// bytes.Buffer or through any
// other writer, and a writer's failure is still an error.
func TestZoneTextWriteAnyWriter(t *testing.T) {
	sets := rrset.Zone{}
	for _, s := range []string{
		"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300",
		"example.com. 3600 IN NS ns1.example.com.",
		"a.example.com. 300 IN A 192.0.2.1",
		"b.example.com. 300 IN TXT \"x\"",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		sets.Put(rr)
	}
	text := newZoneText("example.com.", sets, false)
	var direct, through bytes.Buffer
	if err := text.write(&direct, 9); err != nil {
		t.Fatal(err)
	}
	if err := text.write(struct{ io.Writer }{&through}, 9); err != nil {
		t.Fatal(err)
	}
	if direct.String() != through.String() {
		t.Fatalf("a bytes.Buffer gets other text than another writer:\n%s\n---\n%s", direct.String(), through.String())
	}
	if !strings.Contains(direct.String(), "a.example.com.\t300\tIN\tA\t192.0.2.1\n") || !strings.Contains(direct.String(), " 9 3600 600 604800 300\n") {
		t.Fatalf("text lacks a record or the serial:\n%s", direct.String())
	}
	if err := text.write(failingWriter{}, 9); err == nil {
		t.Fatal("a writer that fails: no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func zone100k(b *testing.B) rrset.Zone {
	z := rrset.Zone{}
	soa, _ := dns.NewRR("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300")
	z.Put(soa)
	for i := 0; i < 100000; i++ {
		rr, err := dns.NewRR(fmt.Sprintf("host-%06d.example.com. 300 IN A 10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255))
		if err != nil {
			b.Fatal(err)
		}
		z.Put(rr)
	}
	return z
}

// BenchmarkRender100k: a whole zone of 100,000 records rendered from scratch
// (a cold start, or a zone edited by hand).
func BenchmarkRender100k(b *testing.B) {
	z := zone100k(b)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Render(&buf, "example.com.", 1, z); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderChange100k: one record changed in a zone of 100,000 whose
// text is kept from the last write: what a change costs.
func BenchmarkRenderChange100k(b *testing.B) {
	z := zone100k(b)
	text := newZoneText("example.com.", z, false)
	k := rrset.Key{Name: "host-000007.example.com.", Type: dns.TypeA}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		rr, _ := dns.NewRR(fmt.Sprintf("host-000007.example.com. 300 IN A 192.0.2.%d", i%250))
		p := diff.Plan{Zone: "example.com.", Changes: []diff.Change{{Action: diff.Update, Key: k, Old: z[k], New: rrset.New(rr)}}}
		if err := text.apply(p); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		buf.Grow(text.size + 512)
		if err := text.write(&buf, uint32(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// A large plan is merged in one walk over the zone's sets (merge); it
// leaves the text a change applied set by set does, whatever the mix of
// creations, updates and deletions and their order.
func TestZoneTextMergeIsSetBySet(t *testing.T) {
	zone := "example.com."
	served := rrset.Zone{}
	served.Put(mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300"))
	for i := range 2000 {
		served.Put(mustRR(t, fmt.Sprintf("h%d.%s.example.com. 300 IN A 192.0.2.%d", i, []string{"a", "b", "ab"}[i%3], i%250)))
	}
	for round := range 20 {
		want := rrset.Zone{}
		for k, s := range served {
			if k.Type == dns.TypeSOA || rand.IntN(4) != 0 { // a quarter deleted
				want[k] = s
			}
		}
		for i := range 1 + rand.IntN(1500) {
			want.Put(mustRR(t, fmt.Sprintf("h%d.%s.example.com. 300 IN A 198.51.100.%d", rand.IntN(3000), []string{"a", "b", "ab", "c"}[rand.IntN(4)], i%250)))
		}
		p := diff.Compute(diff.Input{Zone: zone, Desired: want, Observed: served})
		if len(p.Changes) <= 64 {
			t.Fatalf("round %d: %d changes, too few for merge", round, len(p.Changes))
		}
		merged, bySet := newZoneText(zone, served, false), newZoneText(zone, served, false)
		if err := merged.apply(p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Changes {
			bySet.set(c.Key, c.New)
		}
		var a, b bytes.Buffer
		if err := merged.write(&a, 7); err != nil {
			t.Fatal(err)
		}
		if err := bySet.write(&b, 7); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() || merged.size != bySet.size {
			t.Fatalf("round %d: merged text (%d bytes, size %d) differs from set by set (%d bytes, size %d)", round, a.Len(), merged.size, b.Len(), bySet.size)
		}
	}
}
