package apply

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

func TestNextSerial(t *testing.T) {
	day := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                 string
		served, onDisk, last uint32
		now                  time.Time
		want                 uint32
		wantErr              bool
	}{
		{name: "fresh zone takes the clock", now: day, want: 2026041500},
		{name: "served ahead of the clock", served: 2026041507, now: day, want: 2026041508},
		{name: "disk ahead of served", served: 2026041501, onDisk: 2026041509, now: day, want: 2026041510},
		{name: "served ahead of disk", served: 2026041509, onDisk: 2026041501, now: day, want: 2026041510},
		{name: "yesterday's serials give way to today's", served: 2026041499, onDisk: 2026041499, now: day, want: 2026041500},
		{name: "served far in the future", served: 4000000000, now: day, want: 4000000001},
		{name: "small served serial", served: 1, onDisk: 7, now: day, want: 2026041500},
		{name: "clock is read in UTC", now: time.Date(2026, 4, 15, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)), want: 2026041600},
		{name: "first of January", now: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), want: 2027010100},
		// Issue 9, failure 9: the zone file was lost and CoreDNS dropped
		// the zone; only the state knows 2026113070 was served.
		{name: "zone file lost: the last written serial holds", last: 2026113070, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), want: 2026113071},
		{name: "last written ahead of served and disk", served: 2026041502, onDisk: 2026041502, last: 2026041520, now: day, want: 2026041521},
		{name: "last written behind served", served: 2026041530, last: 2026041520, now: day, want: 2026041531},
		{name: "last written from yesterday gives way to the clock", last: 2026041499, now: day, want: 2026041500},
		// RFC 1982: past the top, the count goes on from the bottom.
		{name: "served at the top wraps to the clock, not 0", served: math.MaxUint32, now: day, want: 2026041500},
		{name: "everything at the top is never 0", served: math.MaxUint32, onDisk: math.MaxUint32, now: time.Time{}, want: 1010100},
		{name: "wrap skips 0", served: math.MaxUint32, last: 1<<31 + 100, now: day, want: 1},
		{name: "newest in serial arithmetic, not in integers", served: 5, last: 2500000000, now: day, want: 6},
		{name: "clock more than half the space ahead is older", served: 1<<31 + 50, now: day, want: 1<<31 + 51},
		{name: "exactly half the space apart: the later one is not newer", served: 10, last: 10 + 1<<31, now: day, wantErr: true, want: 11},
		{name: "spread over the whole space", served: 1, onDisk: 1431655766, last: 2863311531, now: day, wantErr: true, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NextSerial(tt.now, tt.served, tt.onDisk, tt.last)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("NextSerial(%v, %d, %d, %d) = %d, %v; want %d (error: %v)", tt.now, tt.served, tt.onDisk, tt.last, got, err, tt.want, tt.wantErr)
			}
			if got == 0 {
				t.Error("serial 0: CoreDNS never loads it")
			}
			if err != nil {
				return
			}
			// The rule itself: newer than every known serial by less than
			// half the serial space.
			for _, k := range []uint32{tt.served, tt.onDisk, tt.last} {
				if k != 0 && (got-k == 0 || got-k >= 1<<31) {
					t.Errorf("%d is not newer than %d (RFC 1982)", got, k)
				}
			}
		})
	}
}

// TestNextSerialNeverGoesBack: whatever the clock does, a serial chosen
// from the last one is always newer than it, by a small step or the clock.
func TestNextSerialNeverGoesBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	now := time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)
	serial := uint32(0)
	for i := 0; i < 100000; i++ {
		// The clock jumps back and forth by up to a year.
		now = now.Add(time.Duration(rng.IntN(2*365*24)-365*24) * time.Hour)
		if rng.IntN(1000) == 0 {
			serial = math.MaxUint32 - uint32(rng.IntN(3)) // near the top
		}
		next, err := NextSerial(now, serial)
		if err != nil {
			t.Fatalf("NextSerial(%v, %d): %v", now, serial, err)
		}
		if serial != 0 && !serialNewer(next, serial) || next == 0 {
			t.Fatalf("NextSerial(%v, %d) = %d: not newer", now, serial, next)
		}
		serial = next
	}
}

// testZone is a zone as config fills it from a [[zones]] entry that
// names it only.
func testZone(name string) Zone {
	return Zone{
		Name:                name,
		Nameservers:         []string{"ns1." + name},
		NameserverAddresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
		Hostmaster:          "hostmaster." + name,
		Refresh:             3600, Retry: 600, Expire: 604800, NegativeTTL: 300, SOATTL: 3600,
	}
}

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return r
}

func TestBase(t *testing.T) {
	tests := []struct {
		name  string
		zones []Zone
		zone  string
		want  []string
	}{
		{
			name:  "one nameserver inside",
			zones: []Zone{testZone("example.com.")},
			zone:  "example.com.",
			want: []string{
				"example.com.\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 0 3600 600 604800 300", // min(soa_ttl, negative_ttl)
				"example.com.\t3600\tIN\tNS\tns1.example.com.",
				"ns1.example.com.\t3600\tIN\tA\t127.0.0.1",
			},
		},
		{
			name: "two nameservers, one outside, both address families",
			zones: []Zone{{
				Name:                "example.org.",
				Nameservers:         []string{"ns.example.org.", "ns.provider.net."},
				NameserverAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.53"), netip.MustParseAddr("2001:db8::53")},
				Hostmaster:          "admin.example.net.",
				Refresh:             3600, Retry: 600, Expire: 604800, NegativeTTL: 60, SOATTL: 86400,
			}},
			zone: "example.org.",
			want: []string{
				"example.org.\t60\tIN\tSOA\tns.example.org. admin.example.net. 0 3600 600 604800 60",
				"example.org.\t86400\tIN\tNS\tns.example.org.",
				"ns.example.org.\t86400\tIN\tA\t192.0.2.53",
				"ns.example.org.\t86400\tIN\tAAAA\t2001:db8::53",
				"example.org.\t86400\tIN\tNS\tns.provider.net.",
			},
		},
		{
			name: "soa_ttl below negative_ttl",
			zones: []Zone{{
				Name: "example.net.", Nameservers: []string{"ns.example.org."}, Hostmaster: "hostmaster.example.net.",
				Refresh: 3600, Retry: 600, Expire: 604800, NegativeTTL: 600, SOATTL: 120,
			}},
			zone: "example.net.",
			want: []string{
				"example.net.\t120\tIN\tSOA\tns.example.org. hostmaster.example.net. 0 3600 600 604800 600",
				"example.net.\t120\tIN\tNS\tns.example.org.",
			},
		},
		{
			name:  "unknown zone",
			zones: []Zone{testZone("example.com.")},
			zone:  "example.net.",
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewZoneFile(ZoneFileOptions{Dir: t.TempDir(), Zones: tt.zones})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rr := range b.Base(tt.zone) {
				got = append(got, rr.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Base(%s) =\n  %s\nwant\n  %s", tt.zone, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestPathAndManaged(t *testing.T) {
	b, err := NewZoneFile(ZoneFileOptions{Dir: "/srv/zones"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ zone, want string }{
		{"example.com.", "/srv/zones/db.example.com"},
		{"Example.COM", "/srv/zones/db.example.com"},
		{"2.0.192.in-addr.arpa.", "/srv/zones/db.2.0.192.in-addr.arpa"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			if got := b.Path(tt.zone); got != tt.want {
				t.Errorf("Path(%q) = %q, want %q", tt.zone, got, tt.want)
			}
		})
	}
	if b.Managed("example.com.") != nil {
		t.Error("Managed() != nil: everything in a zone file is dnssync's")
	}
}

// longTXT is several full 255-byte strings with characters that need
// escaping in zone-file text. Txt holds miekg/dns's escaped form, which is
// what an AXFR delivers (checked by TestLongTXTIsWireForm).
func longTXT() *dns.TXT {
	raw := []string{
		strings.Repeat("a", 255),
		strings.Repeat(`"q\`, 85), // 255 bytes of quotes and backslashes
		strings.Repeat(`x;y "z" \ é`, 40)[:255],
		"v=DKIM1; k=rsa; p=MIIB",
		"",
		"tab\there",
	}
	txt := &dns.TXT{Hdr: dns.RR_Header{Name: "long.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}}
	for _, r := range raw {
		txt.Txt = append(txt.Txt, escapeTXT(r))
	}
	return txt
}

// escapeTXT escapes a character-string as miekg/dns does when unpacking.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestLongTXTIsWireForm(t *testing.T) {
	txt := longTXT()
	buf := make([]byte, 4096)
	n, err := dns.PackRR(txt, buf, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := dns.UnpackRR(buf[:n], 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.(*dns.TXT).Txt; !slices.Equal(got, txt.Txt) {
		t.Fatalf("TXT after a wire round trip =\n%q\nwant\n%q", got, txt.Txt)
	}
	// rdata: one length octet and the bytes for each string.
	if want := 1 + 255 + 1 + 255 + 1 + 255 + 1 + 22 + 1 + 1 + 8; int(back.Header().Rdlength) != want {
		t.Errorf("rdlength = %d, want %d", back.Header().Rdlength, want)
	}
}

// richZone is a zone with every kind of record dnssync serves.
func richZone(t testing.TB) rrset.Zone {
	z := rrset.Zone{}
	for _, s := range []string{
		"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300",
		"example.com. 3600 IN NS ns1.example.com.",
		"example.com. 3600 IN NS ns2.example.net.",
		"ns1.example.com. 3600 IN A 127.0.0.1",
		"example.com. 300 IN MX 10 mail.example.com.",
		"example.com. 300 IN MX 20 mx2.example.net.",
		`example.com. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"`,
		`example.com. 300 IN CAA 0 issue "letsencrypt.org"`,
		`example.com. 300 IN CAA 128 iodef "mailto:security@example.com"`,
		"mail.example.com. 300 IN A 192.0.2.20",
		"app.example.com. 60 IN A 192.0.2.10",
		"app.example.com. 60 IN A 192.0.2.11",
		"app.example.com. 60 IN AAAA 2001:db8::10",
		"www.example.com. 300 IN CNAME app.example.com.",
		"_sip._tcp.example.com. 300 IN SRV 10 5 5060 app.example.com.",
		"_sip._tcp.example.com. 300 IN SRV 20 0 5060 sip.example.net.",
		"*.apps.example.com. 300 IN A 192.0.2.30",
		"sub.example.com. 86400 IN NS ns1.sub.example.com.",
		"sub.example.com. 86400 IN NS ns.example.net.",
		"ns1.sub.example.com. 86400 IN A 192.0.2.53",
		"ns1.sub.example.com. 86400 IN AAAA 2001:db8::53",
		"10.example.com. 300 IN PTR app.example.com.",
		`_acme-challenge.example.com. 120 IN TXT "abc_DEF-123"`,
	} {
		z.Put(mustRR(t, s))
	}
	z.Put(longTXT())
	return z
}

func reverseZone(t testing.TB) rrset.Zone {
	z := rrset.Zone{}
	for _, s := range []string{
		"2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300",
		"2.0.192.in-addr.arpa. 3600 IN NS ns1.example.com.",
		"10.2.0.192.in-addr.arpa. 300 IN PTR app.example.com.",
		"11.2.0.192.in-addr.arpa. 300 IN PTR app.example.com.",
		"20.2.0.192.in-addr.arpa. 300 IN PTR mail.example.com.",
	} {
		z.Put(mustRR(t, s))
	}
	return z
}

// parseZone reads zone-file text back into a zone, and returns its serial.
func parseZone(t testing.TB, origin string, text []byte) (rrset.Zone, uint32) {
	t.Helper()
	zp := dns.NewZoneParser(bytes.NewReader(text), origin, "rendered")
	z := rrset.Zone{}
	var serial uint32
	first := true
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			if !first {
				t.Errorf("SOA is not the first record")
			}
			serial = soa.Serial
			soa.Serial = 0
		}
		first = false
		z.Put(rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("rendered zone does not parse: %v\n%s", err, text)
	}
	return z, serial
}

func zoneOf(rrs ...dns.RR) rrset.Zone {
	z := rrset.Zone{}
	for _, rr := range rrs {
		z.Put(rr)
	}
	return z
}

func sameZone(t testing.TB, got, want rrset.Zone) {
	t.Helper()
	for _, k := range want.Keys() {
		if !want[k].Equal(got[k]) {
			t.Errorf("%v: got %v, want %v", k, got[k], want[k])
		}
	}
	for _, k := range got.Keys() {
		if _, ok := want[k]; !ok {
			t.Errorf("%v: unexpected %v", k, got[k])
		}
	}
}

func TestRenderRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		zone   string
		sets   rrset.Zone
		serial uint32
	}{
		{"forward zone", "example.com.", richZone(t), 2026041501},
		{"reverse zone", "2.0.192.in-addr.arpa.", reverseZone(t), 1},
		{"SOA only", "example.com.", zoneOf(mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300")), math.MaxUint32},
		{"names that must stay whole", "example.com.", trickyZone(t), 5},
	}
	for _, tt := range tests {
		for _, relative := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/relative=%v", tt.name, relative), func(t *testing.T) {
				var buf bytes.Buffer
				if err := renderAs(&buf, tt.zone, tt.serial, tt.sets, relative); err != nil {
					t.Fatal(err)
				}
				// The zone file is read as CoreDNS reads it: from its
				// $ORIGIN, whatever origin the reader starts from.
				origin := tt.zone
				if relative {
					origin = "unrelated.example."
				}
				got, serial := parseZone(t, origin, buf.Bytes())
				if serial != tt.serial {
					t.Errorf("serial = %d, want %d", serial, tt.serial)
				}
				sameZone(t, got, tt.sets)
				if t.Failed() {
					t.Logf("rendered:\n%s", buf.Bytes())
				}
				// The SOA in sets keeps serial 0: Render must not change its input.
				for _, rr := range tt.sets[rrset.Key{Name: tt.zone, Type: dns.TypeSOA}].RRs {
					if s := rr.(*dns.SOA).Serial; s != 0 {
						t.Errorf("Render changed the input SOA's serial to %d", s)
					}
				}
			})
		}
	}
}

// renderAs is Render (relative false) or the zone file backend's text
// (relative true).
func renderAs(w io.Writer, zone string, serial uint32, sets rrset.Zone, relative bool) error {
	return newZoneText(zone, sets, relative).write(w, serial)
}

// trickyZone has owner names whose relative form could be misread: a
// label holding a dot, a backslash or a space, one that reads as a
// directive, a class or a number, the zone's name below itself.
func trickyZone(t testing.TB) rrset.Zone {
	z := rrset.Zone{}
	for _, s := range []string{
		"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300",
		"example.com. 3600 IN NS ns1.example.com.",
		"ns1.example.com. 3600 IN A 127.0.0.1",
		`a\.b.example.com. 300 IN A 192.0.2.1`,
		`a\\.example.com. 300 IN A 192.0.2.2`,
		`\$ttl.example.com. 300 IN A 192.0.2.3`,
		`$origin.example.com. 300 IN A 192.0.2.4`,
		`\@.example.com. 300 IN A 192.0.2.5`,
		"in.example.com. 300 IN A 192.0.2.7",
		"300.example.com. 300 IN A 192.0.2.8",
		"a.example.com. 300 IN A 192.0.2.9",
		"example.com.example.com. 300 IN A 192.0.2.10",
		"ch.example.com. 300 IN TXT \"class CH is a label here\"",
		`a\..example.com. 300 IN A 192.0.2.11`,
		`other.example.com. 300 CH TXT "class CH"`,
	} {
		z.Put(mustRR(t, s))
	}
	return z
}

func TestRenderOrderAndLongTXT(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, "example.com.", 7, richZone(t)); err != nil {
		t.Fatal(err)
	}
	var owners []rrset.Key
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.HasPrefix(line, ";") {
			continue
		}
		rr := mustRR(t, line) // every line stands alone: no $ORIGIN, no relative names, no continuation
		owners = append(owners, rrset.KeyOf(rr))
		if txt, ok := rr.(*dns.TXT); ok && txt.Hdr.Name == "long.example.com." {
			if !slices.Equal(txt.Txt, longTXT().Txt) {
				t.Errorf("long TXT strings =\n%q\nwant\n%q", txt.Txt, longTXT().Txt)
			}
		}
	}
	if owners[0].Type != dns.TypeSOA {
		t.Errorf("first record is %v, want the SOA", owners[0])
	}
	if !slices.IsSortedFunc(owners[1:], rrset.Key.Compare) {
		t.Errorf("records are not in canonical order: %v", owners)
	}
}

func TestRenderWithoutSOA(t *testing.T) {
	z := rrset.Zone{}
	z.Put(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"))
	if err := Render(&bytes.Buffer{}, "example.com.", 1, z); err == nil {
		t.Error("Render of a zone without SOA succeeded")
	}
}

// namedCheckzone finds BIND's named-checkzone. Without it the test is skipped
// on a workstation but fails in CI, where .ci/run installs bind9-utils.
func namedCheckzone(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("named-checkzone"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/bin/named-checkzone", "/usr/sbin/named-checkzone"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("named-checkzone not found (install bind9-utils)")
	}
	t.Skip("named-checkzone not found (install bind9-utils); skipped outside CI")
	return ""
}

func TestRenderLoadsInBIND(t *testing.T) {
	bin := namedCheckzone(t)
	tests := []struct {
		name string
		zone string
		sets rrset.Zone
	}{
		{"forward zone", "example.com.", richZone(t)},
		{"reverse zone", "2.0.192.in-addr.arpa.", reverseZone(t)},
		// Host names only (check-names): BIND reads a label that starts
		// with "$" as a directive even fully qualified.
		{"owners that read as a class or a TTL", "example.com.", zoneOf(
			mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"),
			mustRR(t, "example.com. 3600 IN NS ns1.example.com."),
			mustRR(t, "ns1.example.com. 3600 IN A 127.0.0.1"),
			mustRR(t, "in.example.com. 300 IN A 192.0.2.7"),
			mustRR(t, "ch.example.com. 300 IN A 192.0.2.8"),
			mustRR(t, "300.example.com. 300 IN A 192.0.2.9"),
			mustRR(t, "example.com.example.com. 300 IN A 192.0.2.10"),
		)},
	}
	for _, tt := range tests {
		for _, relative := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/relative=%v", tt.name, relative), func(t *testing.T) {
				var buf bytes.Buffer
				if err := renderAs(&buf, tt.zone, 2026041501, tt.sets, relative); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "db.zone")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				// Every check that named-checkzone only warns about by default fails here.
				cmd := exec.Command(bin, "-k", "fail", "-n", "fail", "-m", "fail", "-M", "fail", "-S", "fail", "-i", "full", tt.zone, path)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("named-checkzone: %v\n%s\nzone:\n%s", err, out, buf.Bytes())
				}
				if !strings.Contains(string(out), "loaded serial 2026041501") {
					t.Errorf("named-checkzone did not load serial 2026041501:\n%s", out)
				}
				for _, line := range strings.Split(string(out), "\n") {
					if strings.Contains(strings.ToLower(line), "warning") || strings.Contains(line, "ignoring") {
						t.Errorf("named-checkzone: %s", line)
					}
				}
			})
		}
	}
	t.Run("in-zone NS without address is refused", func(t *testing.T) {
		// Guards the test itself: BIND must refuse what config refuses.
		z := rrset.Zone{}
		z.Put(mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"))
		z.Put(mustRR(t, "example.com. 3600 IN NS ns1.example.com."))
		var buf bytes.Buffer
		if err := Render(&buf, "example.com.", 1, z); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "db.zone")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "example.com.", path).CombinedOutput(); err == nil {
			t.Errorf("named-checkzone accepted an in-zone NS without address:\n%s", out)
		}
	})
}

// fixedNow is 2026-04-15, so the clock serial is 2026041500.
func fixedNow() time.Time { return time.Date(2026, 4, 15, 8, 0, 0, 0, time.UTC) }

func newZoneFile(t *testing.T) (*ZoneFile, string) {
	t.Helper()
	parent := t.TempDir()
	serials, err := LoadSerials(filepath.Join(t.TempDir(), "state", SerialsFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewZoneFile(ZoneFileOptions{
		Dir:     filepath.Join(parent, "zones"),
		Zones:   []Zone{testZone("example.com.")},
		Serials: serials,
		Now:     fixedNow,
		Log:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, parent
}

// desiredZone is Base plus a few records.
func desiredZone(t *testing.T, b *ZoneFile) rrset.Zone {
	z := rrset.Zone{}
	for _, rr := range b.Base("example.com.") {
		z.Put(rr)
	}
	z.Put(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"))
	z.Put(mustRR(t, `long.example.com. 300 IN TXT "`+strings.Repeat("x", 255)+`" "more"`))
	return z
}

func TestZoneFileApply(t *testing.T) {
	tests := []struct {
		name       string
		served     uint32
		onDisk     string // existing zone file content; "" for none
		wantSerial uint32
	}{
		{name: "new zone takes the clock serial", wantSerial: 2026041500},
		{name: "served serial ahead", served: 2026041505, wantSerial: 2026041506},
		{
			name:       "file on disk ahead of served",
			served:     2026041505,
			onDisk:     "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2099010100 3600 600 604800 300\n",
			wantSerial: 2099010101,
		},
		{
			name:       "file on disk behind served",
			served:     2026041509,
			onDisk:     "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026041502 3600 600 604800 300\n",
			wantSerial: 2026041510,
		},
		{
			name:       "unparseable file on disk is replaced",
			onDisk:     "this is not a zone file {\n",
			wantSerial: 2026041500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, parent := newZoneFile(t)
			if err := os.MkdirAll(b.dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(b.dir, "db.example.com")
			if tt.onDisk != "" {
				if err := os.WriteFile(path, []byte(tt.onDisk), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			events := watch(t, b.dir)

			want := desiredZone(t, b)
			served := &observed.Zone{Name: "example.com.", Serial: tt.served, Sets: rrset.Zone{}}
			p := diff.Compute(diff.Input{Zone: "example.com.", Desired: want, Observed: served.Sets})
			res, err := b.Apply(context.Background(), served, p)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if res.Serial != tt.wantSerial {
				t.Errorf("Result.Serial = %d, want %d", res.Serial, tt.wantSerial)
			}

			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, serial := parseZone(t, "example.com.", text)
			if serial != tt.wantSerial {
				t.Errorf("serial in %s = %d, want %d", path, serial, tt.wantSerial)
			}
			sameZone(t, got, want)

			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm != 0o644 {
				t.Errorf("zone file mode %v, want 0644", perm)
			}
			// Nothing but the zone file itself that auto's db\.(.*) could
			// load ever appeared in Dir, and the temporary file is gone.
			waitFor(t, events, "db.example.com")
			checkOnly(t, b.dir, "db.example.com")
			checkOnly(t, parent, "zones")
		})
	}
}

// Wrote says whether a zone was written: not before its first Apply,
// after it, and after a restart (from serials.json).
func TestZoneFileWrote(t *testing.T) {
	b, _ := newZoneFile(t)
	if b.Wrote("example.com.") {
		t.Fatal("Wrote before any write = true, want false")
	}
	// A zone file there without a serial recorded (serials.json moved
	// away, a file written by hand): written, and most likely served.
	other := filepath.Join(b.dir, "db.example.org")
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("example.org. 3600 IN SOA ns1.example.org. h.example.org. 5 3600 600 604800 300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !b.Wrote("example.org.") {
		t.Error("Wrote of a zone whose file is there = false, want true")
	}
	served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	if _, err := b.Apply(t.Context(), served, diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !b.Wrote("example.com.") {
		t.Error("Wrote after Apply = false, want true")
	}
	serials, err := LoadSerials(b.serials.Path())
	if err != nil {
		t.Fatal(err)
	}
	restarted, err := NewZoneFile(ZoneFileOptions{Dir: b.dir, Zones: []Zone{testZone("example.com.")}, Serials: serials, Now: fixedNow, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if !restarted.Wrote("example.com.") {
		t.Error("Wrote after a restart = false, want true (serials.json says it was written)")
	}
}

func TestZoneFileApplyCreatesDir(t *testing.T) {
	b, parent := newZoneFile(t)
	b.dir = filepath.Join(parent, "var", "zones")
	if err := os.MkdirAll(filepath.Dir(b.dir), 0o755); err != nil {
		t.Fatal(err)
	}
	served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})
	if _, err := b.Apply(context.Background(), served, p); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, b.dir, "db.example.com")
	checkOnly(t, filepath.Dir(b.dir), "zones")
}

// TestZoneFileApplyOnServed applies a plan on top of a served zone: what is
// served and not in the plan stays.
func TestZoneFileApplyOnServed(t *testing.T) {
	b, _ := newZoneFile(t)
	served := &observed.Zone{Name: "example.com.", Serial: 2026041503, Sets: desiredZone(t, b)}
	want := desiredZone(t, b)
	delete(want, rrset.Key{Name: "www.example.com.", Type: dns.TypeA})
	want.Put(mustRR(t, "new.example.com. 60 IN AAAA 2001:db8::1"))
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: want, Observed: served.Sets})
	if len(p.Changes) != 2 {
		t.Fatalf("plan = %+v, want a delete and a create", p.Changes)
	}
	res, err := b.Apply(context.Background(), served, p)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(b.Path("example.com."))
	if err != nil {
		t.Fatal(err)
	}
	got, serial := parseZone(t, "example.com.", text)
	if serial != 2026041504 || res.Serial != serial {
		t.Errorf("serial = %d, result %d, want 2026041504", serial, res.Serial)
	}
	sameZone(t, got, want)
}

func TestZoneFileApplyErrors(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func() context.Context
		plan   func(b *ZoneFile) diff.Plan
		served rrset.Zone
	}{
		{
			name: "cancelled context",
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			plan: func(b *ZoneFile) diff.Plan {
				return diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: rrset.Zone{}})
			},
		},
		{
			name: "plan leaves no SOA",
			ctx:  context.Background,
			plan: func(b *ZoneFile) diff.Plan {
				z := rrset.Zone{}
				z.Put(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"))
				return diff.Compute(diff.Input{Zone: "example.com.", Desired: z, Observed: rrset.Zone{}})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, parent := newZoneFile(t)
			served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
			if _, err := b.Apply(tt.ctx(), served, tt.plan(b)); err == nil {
				t.Fatal("Apply succeeded")
			}
			if _, err := os.Stat(b.Path("example.com.")); !os.IsNotExist(err) {
				t.Errorf("zone file written after a failed apply (stat: %v)", err)
			}
			entries, _ := os.ReadDir(parent)
			for _, e := range entries {
				if e.Name() != "zones" {
					t.Errorf("left behind in %s: %s", parent, e.Name())
				}
			}
		})
	}
}

// watch reports the names of files that appear in dir.
func watch(t *testing.T, dir string) <-chan string {
	t.Helper()
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.Add(dir); err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 100)
	go func() {
		defer close(out)
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write) || ev.Has(fsnotify.Rename) {
					out <- filepath.Base(ev.Name)
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	return out
}

// autoDefault is CoreDNS auto's default regexp (plugin/auto/setup.go,
// v1.15.0), matched unanchored against the base name of every file under
// its directory, recursively, dotfiles included (plugin/auto/walk.go).
var autoDefault = regexp.MustCompile(`db\.(.*)`)

// waitFor reads events until name appears, failing on any other name
// first, except temporary files that auto can never load.
func waitFor(t *testing.T, events <-chan string, name string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	seen := map[string]bool{}
	for {
		select {
		case got, ok := <-events:
			if !ok {
				t.Fatalf("watcher closed before %s appeared", name)
			}
			if got == name {
				return
			}
			if atomicfile.IsTemp(got) && !autoDefault.MatchString(got) {
				continue
			}
			if !seen[got] {
				seen[got] = true
				t.Errorf("%s appeared in the zone dir before %s", got, name)
			}
		case <-deadline:
			t.Fatalf("no event for %s within 5s", name)
		}
	}
}

// checkOnly fails unless dir holds exactly the named entries.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}
