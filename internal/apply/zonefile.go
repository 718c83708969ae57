package apply

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// ZoneFile writes whole zones to Dir/db.<zone> for CoreDNS's auto or file
// plugin. dnssync owns these files: everything in them is managed.
type ZoneFile struct {
	Dir   string
	Zones map[string]config.Zone // by canonical name
	Now   func() time.Time
	Log   *slog.Logger

	mu    sync.Mutex
	texts map[string]*zoneText // each zone as last written
}

var _ Backend = (*ZoneFile)(nil)

// Path is the zone file for zone.
func (b *ZoneFile) Path(zone string) string {
	return filepath.Join(b.Dir, "db."+strings.TrimSuffix(dns.CanonicalName(zone), "."))
}

// Base returns SOA (serial 0; the serial is chosen at write time), apex NS
// and the A/AAAA records of nameservers inside the zone.
func (b *ZoneFile) Base(zone string) []dns.RR {
	z, ok := b.Zones[zone]
	if !ok {
		return nil
	}
	hdr := func(name string, t uint16, ttl uint32) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	out := []dns.RR{&dns.SOA{
		Hdr: hdr(z.Name, dns.TypeSOA, z.SOATTL), Ns: z.Nameservers[0], Mbox: z.Hostmaster,
		Refresh: z.Refresh, Retry: z.Retry, Expire: z.Expire, Minttl: z.NegativeTTL,
	}}
	for _, ns := range z.Nameservers {
		out = append(out, &dns.NS{Hdr: hdr(z.Name, dns.TypeNS, z.SOATTL), Ns: ns})
		if !dns.IsSubDomain(z.Name, ns) {
			continue
		}
		for _, a := range z.NameserverAddresses {
			ip := netip.MustParseAddr(a) // checked by config
			if ip.Is4() {
				out = append(out, &dns.A{Hdr: hdr(ns, dns.TypeA, z.SOATTL), A: ip.AsSlice()})
			} else {
				out = append(out, &dns.AAAA{Hdr: hdr(ns, dns.TypeAAAA, z.SOATTL), AAAA: ip.AsSlice()})
			}
		}
	}
	return out
}

// Managed: a zone file is dnssync's whole.
func (b *ZoneFile) Managed(string) func(rrset.Key) bool { return nil }

// Apply renders served+plan with a new serial and writes it atomically. The
// temporary file lives in Dir's parent: inside Dir, auto's unanchored regex
// could load it as a zone.
func (b *ZoneFile) Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	path := b.Path(p.Zone)
	serial := NextSerial(served.Serial, diskSerial(path), b.Now())
	// What was last written is reused while it is what is served: a change
	// then renders only the sets it touches, not the whole zone.
	t := b.texts[p.Zone]
	if t == nil || t.serial != served.Serial {
		t = newZoneText(p.Zone, served.Sets)
	}
	delete(b.texts, p.Zone) // until the write succeeds: t changes below
	if err := t.apply(p); err != nil {
		return Result{}, fmt.Errorf("render %s: %w", p.Zone, err)
	}
	var buf bytes.Buffer
	buf.Grow(t.size + 512)
	if err := t.write(&buf, serial); err != nil {
		return Result{}, fmt.Errorf("render %s: %w", p.Zone, err)
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("zone dir: %w", err)
	}
	if err := atomicfile.Write(path, filepath.Dir(filepath.Clean(b.Dir)), buf.Bytes(), 0o644); err != nil {
		return Result{}, err
	}
	t.serial = serial
	if b.texts == nil {
		b.texts = map[string]*zoneText{}
	}
	b.texts[p.Zone] = t
	b.Log.Debug("zone file written", "zone", p.Zone, "path", path, "serial", serial, "bytes", buf.Len())
	return Result{Serial: serial}, nil
}

// NextSerial is max(served+1, onDisk+1, YYYYMMDD00 of now), never 0:
// CoreDNS reloads a zone only when its serial changes, and must never see it
// go back.
func NextSerial(served, onDisk uint32, now time.Time) uint32 {
	y, m, d := now.UTC().Date()
	s := uint32(y*1000000 + int(m)*10000 + d*100)
	s = max(s, served+1, onDisk+1)
	if s == 0 {
		s = 1
	}
	return s
}

// diskSerial returns the serial of the zone file at path, 0 when there is
// none or it cannot be read: it only ever raises the next serial.
func diskSerial(path string) uint32 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	zp := dns.NewZoneParser(bufio.NewReader(f), "", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			return soa.Serial
		}
	}
	return 0
}

// Render writes the zone as zone-file text: SOA first, then every set in
// canonical order, one record a line, names fully qualified.
func Render(w io.Writer, zone string, serial uint32, sets rrset.Zone) error {
	return newZoneText(zone, sets).write(w, serial)
}
