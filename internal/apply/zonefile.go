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
	path := b.Path(p.Zone)
	serial := NextSerial(served.Serial, diskSerial(path), b.Now())
	var buf bytes.Buffer
	if err := Render(&buf, p.Zone, serial, p.Apply(served.Sets)); err != nil {
		return Result{}, fmt.Errorf("render %s: %w", p.Zone, err)
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("zone dir: %w", err)
	}
	if err := atomicfile.Write(path, filepath.Dir(filepath.Clean(b.Dir)), buf.Bytes(), 0o644); err != nil {
		return Result{}, err
	}
	b.Log.Debug("zone file written", "zone", p.Zone, "path", path, "serial", serial)
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
	bw := bufio.NewWriter(w)
	soaKey := rrset.Key{Name: zone, Type: dns.TypeSOA}
	soa, ok := sets[soaKey]
	if !ok || len(soa.RRs) != 1 {
		return fmt.Errorf("zone %s has no SOA", zone)
	}
	fmt.Fprintf(bw, "; zone %s, written by dnssync: edits here are put back; change records.d instead\n", zone)
	s := dns.Copy(soa.RRs[0]).(*dns.SOA)
	s.Serial = serial
	bw.WriteString(s.String())
	bw.WriteByte('\n')
	for _, k := range sets.Keys() {
		if k == soaKey {
			continue
		}
		for _, rr := range sets[k].RRs {
			bw.WriteString(rr.String())
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}
