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
	// Serials keeps the last serial written per zone across restarts and
	// lost zone files; nil keeps none (tests only).
	Serials *Serials
	Now     func() time.Time
	Log     *slog.Logger

	mu        sync.Mutex
	texts     map[string]*zoneText // each zone as last written
	unwritten map[string]uint32    // serial recorded, then its write failed

	tempsSwept time.Time // the last look for stale temporary files
	tempsClean bool      // that look found none left: no need to look again
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

// Apply renders served+plan with a new serial and writes it atomically.
// The temporary file lives in Dir itself, the one place certain to be on
// the zone file's filesystem (Dir may be a mount point of its own), under
// a name CoreDNS's auto can never load (see atomicfile.TempPattern).
func (b *ZoneFile) Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	path := b.Path(p.Zone)
	serial, err := b.nextSerial(p.Zone, served.Serial, diskSerial(path))
	if err != nil {
		b.Log.Error("zone serial", "zone", p.Zone, "err", err)
	}
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
	b.removeStaleTemps()
	if b.Serials != nil {
		if err := b.Serials.Record(p.Zone, serial); err != nil {
			return Result{}, err
		}
	}
	if err := atomicfile.Write(path, b.Dir, buf.Bytes(), 0o644); err != nil {
		if diskSerial(path) != serial { // else renamed in: only the dir fsync failed
			if b.unwritten == nil {
				b.unwritten = map[string]uint32{}
			}
			b.unwritten[p.Zone] = serial
		}
		return Result{}, err
	}
	delete(b.unwritten, p.Zone)
	t.serial = serial
	if b.texts == nil {
		b.texts = map[string]*zoneText{}
	}
	b.texts[p.Zone] = t
	b.Log.Debug("zone file written", "zone", p.Zone, "path", path, "serial", serial, "bytes", buf.Len())
	return Result{Serial: serial}, nil
}

// nextSerial is NextSerial over every serial zone is known to have had:
// served, on disk, and last written by dnssync.
func (b *ZoneFile) nextSerial(zone string, served, onDisk uint32) (uint32, error) {
	var last uint32
	if b.Serials != nil {
		last = b.Serials.Last(zone)
	}
	// A serial recorded for a write that then failed was never carried by
	// any file: a retry may use it again instead of climbing once per
	// failed attempt (a day of full disk would push the serial days ahead
	// of the clock's).
	if last != 0 && b.unwritten[zone] == last {
		last = before(last)
	}
	serial, err := NextSerial(b.Now(), served, onDisk, last)
	if top := max(served, onDisk, last); err == nil && serial < top {
		b.Log.Warn("zone serial wrapped around the top of the serial space (RFC 1982): secondaries that follow RFC 1982 take it as newer",
			"zone", zone, "serial", serial, "previous", top)
	}
	return serial, err
}

// staleTempAge is how old a temporary file in Dir must be before it is
// taken for the leftover of a killed writer rather than a write under way.
const staleTempAge = time.Minute

// removeStaleTemps removes temporary files that a killed dnssync left in
// Dir: auto never loads them, but they take space on what may be a small
// volume. Only one at least staleTempAge old is taken for a leftover (a
// younger one may be another process's write under way), and a dnssync
// killed and restarted within seconds (systemd's RestartSec) finds its
// leftover younger than that. So an apply looks again, at most once per
// staleTempAge, until a look finds no temporary file at all; from then on
// it never looks: one directory listing a minute at most, and none once
// clean, however many zones are applied.
func (b *ZoneFile) removeStaleTemps() {
	if b.tempsClean || !b.tempsSwept.IsZero() && time.Since(b.tempsSwept) < staleTempAge {
		return
	}
	b.tempsSwept = time.Now()
	n, err := atomicfile.RemoveTemps(b.Dir, time.Now().Add(-staleTempAge)) // file times are wall-clock times
	if err != nil {
		b.Log.Warn("removing stale temporary files", "dir", b.Dir, "err", err)
		return
	}
	if n > 0 {
		b.Log.Info("removed stale temporary files", "dir", b.Dir, "count", n)
	}
	left, err := filepath.Glob(filepath.Join(b.Dir, atomicfile.TempPattern))
	b.tempsClean = err == nil && len(left) == 0
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
