package apply

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// fuzzTypes are the types dnssync serves from records.d.
var fuzzTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeTXT, dns.TypeMX, dns.TypeSRV, dns.TypeCAA, dns.TypePTR, dns.TypeNS}

const fuzzZone = "example.com."

// fuzzRecords turns fuzz input into records as an AXFR would deliver them:
// each record is built in wire form (owner labels below the zone, type,
// TTL, raw rdata) and unpacked by miekg/dns; what does not unpack is not a
// record and is dropped. Layout, per record: type selector, label count,
// labels (length, bytes), TTL (2 bytes), rdata length, rdata.
func fuzzRecords(data []byte) []dns.RR {
	next := func(n int) []byte {
		if n > len(data) {
			n = len(data)
		}
		b := data[:n]
		data = data[n:]
		return b
	}
	byteOf := func() int {
		if b := next(1); len(b) == 1 {
			return int(b[0])
		}
		return 0
	}
	origin := make([]byte, 256)
	on, _ := dns.PackDomainName(fuzzZone, origin, 0, nil, false)
	var out []dns.RR
	for len(data) > 0 && len(out) < 64 {
		typ := fuzzTypes[byteOf()%len(fuzzTypes)]
		var msg []byte
		for range byteOf() % 4 {
			label := next(byteOf() % 64)
			msg = append(msg, byte(len(label)))
			msg = append(msg, label...)
		}
		msg = append(msg, origin[:on]...)
		ttl := byteOf()<<8 | byteOf()
		rdata := next(byteOf())
		msg = binary.BigEndian.AppendUint16(msg, typ)
		msg = binary.BigEndian.AppendUint16(msg, dns.ClassINET)
		msg = binary.BigEndian.AppendUint32(msg, uint32(ttl))
		msg = binary.BigEndian.AppendUint16(msg, uint16(len(rdata)))
		msg = append(msg, rdata...)
		rr, _, err := dns.UnpackRR(msg, 0)
		if err != nil || rr == nil || rr.Header().Rrtype != typ {
			continue
		}
		out = append(out, rr)
	}
	return out
}

// presentable reports whether rr's text, read back alone, is rr.
func presentable(rr dns.RR) bool {
	back, err := dns.NewRR(rr.String())
	if err != nil || back == nil {
		return false
	}
	a, b := rrset.Canonical(rr), rrset.Canonical(back)
	return rrset.KeyOf(a) == rrset.KeyOf(b) && a.Header().Ttl == b.Header().Ttl && rrset.Rdata(a) == rrset.Rdata(b)
}

// FuzzRenderRoundTrip: a zone rendered from any records must parse back,
// with miekg/dns's ZoneParser, to exactly that zone (canonical forms equal),
// and rendering never panics. CoreDNS and BIND read the file with parsers
// of the same format: what does not round trip here would be served wrong.
func FuzzRenderRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		soa := mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300")
		want := rrset.Zone{}
		want.Put(soa)
		all := rrset.Zone{}
		all.Put(soa)
		for _, rr := range fuzzRecords(data) {
			all.Put(rr)
			// Some records unpack from the wire but have no faithful
			// presentation form in miekg/dns (an AAAA with empty rdata,
			// as in an UPDATE that deletes; a CAA tag with a space): no
			// zone file can hold them, so neither records.d (parsed from
			// text) nor a server that loads zone files can produce them.
			// They must not make Render panic; the round trip is about
			// the others: how Render puts records together into a file.
			if presentable(rr) {
				want.Put(rr)
			}
		}
		if err := Render(&bytes.Buffer{}, fuzzZone, 1, all); err != nil {
			t.Fatalf("Render: %v", err)
		}
		var buf bytes.Buffer
		if err := Render(&buf, fuzzZone, 2026041501, want); err != nil {
			t.Fatalf("Render: %v", err)
		}
		zp := dns.NewZoneParser(bytes.NewReader(buf.Bytes()), fuzzZone, "rendered")
		got := rrset.Zone{}
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			if s, isSOA := rr.(*dns.SOA); isSOA {
				if s.Serial != 2026041501 {
					t.Errorf("serial %d, want 2026041501", s.Serial)
				}
				s.Serial = 0
			}
			got.Put(rr)
		}
		if err := zp.Err(); err != nil {
			t.Fatalf("rendered zone does not parse: %v\n%s", err, buf.Bytes())
		}
		for k, s := range want {
			if !s.Equal(got[k]) {
				t.Errorf("%v: rendered %v, parsed back %v", k, s, got[k])
			}
		}
		for k, s := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%v: parsed back %v, never rendered", k, s)
			}
		}
		if t.Failed() {
			t.Logf("rendered:\n%s", buf.Bytes())
		}
	})
}

// TestFuzzSeedsDecode guards the seed corpus: each seed decodes to the
// records it was made from, so the fuzzer starts from real zones.
func TestFuzzSeedsDecode(t *testing.T) {
	want := map[string]int{
		"seed-empty": 0, "seed-addresses": 4, "seed-names": 8, "seed-caa": 3,
		"seed-txt": 4, "seed-odd-names": 8, "seed-ttl-conflict": 3,
	}
	for name, n := range want {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzRenderRoundTrip", name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a fuzz corpus file", name)
		}
		data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rrs := fuzzRecords([]byte(data))
		if len(rrs) != n {
			t.Errorf("%s decodes to %d records, want %d: %v", name, len(rrs), n, rrs)
		}
		for _, rr := range rrs {
			if !presentable(rr) {
				t.Errorf("%s: %v has no faithful presentation form", name, rr)
			}
		}
	}
}
