package apply

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// ZoneFile writes whole zones to Dir/db.<zone> for CoreDNS's auto or file
// plugin. dnssync owns these files: everything in them is managed.
type ZoneFile struct {
	dir string
	// zones, by canonical name, change at run time (SetZones, zoneset.go).
	zonesMu sync.RWMutex
	zones   map[string]Zone
	serials *Serials
	now     func() time.Time
	log     *slog.Logger

	// Zones are written in parallel, each zone by one writer at a time
	// (zoneLock); mu guards the maps below, held only to look up or keep.
	mu    sync.Mutex
	zoneM map[string]*sync.Mutex
	// texts is each zone as last written, by the serial it was written
	// with: rendered text, reused so that a change re-renders only the
	// sets it touches. It is apart from the reconciler's served-zone cache
	// (reconcile/cache.go), which keeps RRsets to plan against without a
	// transfer: the two hold different forms for different consumers, and
	// each is checked against the serial served before it is trusted.
	texts     map[string]*zoneText
	signed    map[string]*signedZone // signed zones as last written (signed.go)
	unwritten map[string]uint32      // serial recorded, then its write failed
	// policyNoted: zones whose keys were found not to match [dnssec]
	// (signedkeys.go), said once per process.
	policyNoted map[string]bool
	// signMu serialises signing: the key store is read and written by one
	// zone's signing at a time.
	signMu sync.Mutex
	// lastOpened, when set (tests), runs once a write has opened the file
	// it copies from, before it copies.
	lastOpened func()

	tempsSwept time.Time // the last look for stale temporary files
	tempsClean bool      // that look found none left: no need to look again
}

// zoneLock locks zone for one writer and returns its unlock.
func (b *ZoneFile) zoneLock(zone string) func() {
	b.mu.Lock()
	m := b.zoneM[zone]
	if m == nil {
		if b.zoneM == nil {
			b.zoneM = map[string]*sync.Mutex{}
		}
		m = &sync.Mutex{}
		b.zoneM[zone] = m
	}
	b.mu.Unlock()
	m.Lock()
	return m.Unlock
}

var _ Backend = (*ZoneFile)(nil)

// ZoneFileOptions configure a ZoneFile.
type ZoneFileOptions struct {
	Dir   string // zone_dir
	Zones []Zone
	// Serials keeps the last serial written per zone across restarts and
	// lost zone files; nil keeps none (tests only).
	Serials *Serials
	Now     func() time.Time // nil is time.Now
	Log     *slog.Logger     // nil discards
}

// NewZoneFile checks o and returns the backend.
func NewZoneFile(o ZoneFileOptions) (*ZoneFile, error) {
	if o.Dir == "" {
		return nil, errors.New("zone file backend: no zone dir")
	}
	zones, err := zoneMap(o.Zones)
	if err != nil {
		return nil, err
	}
	b := &ZoneFile{dir: o.Dir, zones: zones, serials: o.Serials, now: o.Now, log: o.Log}
	if b.now == nil {
		b.now = time.Now
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b, nil
}

// Path is the zone file for zone.
func (b *ZoneFile) Path(zone string) string {
	return filepath.Join(b.dir, "db."+strings.TrimSuffix(dns.CanonicalName(zone), "."))
}

// Base returns SOA (serial 0; the serial is chosen at write time), apex NS
// and the A/AAAA records of nameservers inside the zone.
func (b *ZoneFile) Base(zone string) []dns.RR {
	b.zonesMu.RLock()
	z, ok := b.zones[zone]
	b.zonesMu.RUnlock()
	if !ok {
		return nil
	}
	return z.base()
}

// Wrote reports whether zone was written: dnssync recorded a serial for
// it (serials.json, as this process knows it), or its zone file is there
// (written before serials.json was moved away, or by hand). A zone never
// written is most likely not served yet, and the reconciler asks its SOA
// before a transfer the server would refuse; a served zone that reads as
// never written would be asked so on every pass. Without the state file
// it cannot tell, and says true.
func (b *ZoneFile) Wrote(zone string) bool {
	if b.serials == nil || b.serials.Last(zone) != 0 {
		return true
	}
	_, err := os.Lstat(b.Path(zone))
	return !errors.Is(err, fs.ErrNotExist)
}

// Managed: a zone file is dnssync's whole, but for the records the signer
// makes in a signed zone (signed.go).
func (b *ZoneFile) Managed(zone string) func(rrset.Key) bool {
	if b.signing(zone) != nil {
		return notSignerType
	}
	return nil
}

// Apply renders served+plan with a new serial and writes it atomically.
// The temporary file lives in Dir itself, the one place certain to be on
// the zone file's filesystem (Dir may be a mount point of its own), under
// a name CoreDNS's auto can never load (see atomicfile.TempPattern).
func (b *ZoneFile) Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (Result, error) {
	return b.ApplyAbove(ctx, served, p, nil)
}

// ApplyAbove is Apply with a serial newer than each floor too (floor.go).
// Different zones may be applied at once.
func (b *ZoneFile) ApplyAbove(ctx context.Context, served *observed.Zone, p diff.Plan, floors []Floor) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	defer b.zoneLock(p.Zone)()
	path := b.Path(p.Zone)
	// What was last written is taken out until this write succeeds: it
	// changes below.
	b.mu.Lock()
	kept, keptSigned, unwritten := b.texts[p.Zone], b.signed[p.Zone], b.unwritten[p.Zone]
	delete(b.texts, p.Zone)
	delete(b.signed, p.Zone)
	b.mu.Unlock()
	var base uint32 // the last serial recorded, which the new one goes above
	if b.serials != nil {
		base = b.serials.Last(p.Zone)
	}
	serial, err := b.nextSerial(p.Zone, served.Serial, diskSerial(path), base, floors, unwritten)
	if err != nil && p.Empty() {
		// A serial-only write (floor.go) is made only to go above the
		// floors: one that cannot is not made at all.
		return Result{}, fmt.Errorf("zone %s: serial-only write not made: %w", p.Zone, err)
	}
	if err != nil {
		b.log.Error("zone serial", "zone", p.Zone, "err", err)
	}
	var (
		t      *zoneText
		signed *dnssec.Signed
	)
	if sg := b.signing(p.Zone); sg != nil {
		b.signMu.Lock()
		t, signed, err = b.signedText(sg, served, p, serial, keptSigned, kept)
		b.signMu.Unlock()
		if err != nil {
			// A failed signing leaves the kept zone as it was (its undo
			// log): kept again for the next write.
			b.keep(p.Zone, kept, keptSigned)
			return Result{}, fmt.Errorf("sign %s: %w", p.Zone, err)
		}
	} else {
		// What was last written is reused while it is what is served: a
		// change then renders only the sets it touches, not the whole zone.
		if t = kept; t == nil || t.serial != served.Serial {
			t = newZoneText(p.Zone, served.Sets, true)
		}
		if err := t.apply(p); err != nil {
			return Result{}, fmt.Errorf("render %s: %w", p.Zone, err)
		}
	}
	if t.soa == nil {
		return Result{}, fmt.Errorf("render %s: zone has no SOA", p.Zone)
	}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("zone dir: %w", err)
	}
	b.removeStaleTemps()
	if b.serials != nil {
		if err := b.serials.Record(p.Zone, serial, base); err != nil {
			return Result{}, err
		}
	}
	copied, err := b.write(path, t, serial)
	if err != nil {
		if diskSerial(path) != serial { // else renamed in: only the dir fsync failed
			b.mu.Lock()
			if b.unwritten == nil {
				b.unwritten = map[string]uint32{}
			}
			b.unwritten[p.Zone] = serial
			b.mu.Unlock()
		}
		return Result{}, err
	}
	t.serial = serial
	var sz *signedZone
	if signed != nil {
		sz = &signedZone{serial: serial, sets: signed}
	}
	b.mu.Lock()
	delete(b.unwritten, p.Zone)
	b.mu.Unlock()
	b.keep(p.Zone, t, sz)
	b.log.Debug("zone file written", "zone", p.Zone, "path", path, "serial", serial, "bytes", t.file.size, "copied", copied)
	return Result{Serial: serial}, nil
}

// write writes t with serial as the zone file at path: patched from the
// last file written when that file is still as written and most of it can
// be copied (patch.go), else whole. It returns the bytes copied from the
// last file.
func (b *ZoneFile) write(path string, t *zoneText, serial uint32) (copied int64, err error) {
	last := b.lastFile(path, t)
	if last != nil {
		defer last.Close()
		if b.lastOpened != nil {
			b.lastOpened()
		}
	}
	var written stateID
	fill := func(f *os.File) (err error) {
		if copied, err = t.writeFile(f, last, serial); err != nil {
			return err
		}
		written, err = fileID(f)
		return err
	}
	err = atomicfile.WriteWith(path, b.dir, 0o644, fill)
	if errors.Is(err, errLastChanged) {
		b.log.Warn("zone file changed while dnssync copied from it: writing it whole, the change is not kept", "path", path)
		last, copied = nil, 0
		err = atomicfile.WriteWith(path, b.dir, 0o644, fill)
	}
	if err != nil {
		return copied, err
	}
	// Renamed in, its change time moved: the next write copies from it
	// while it looks as it does now.
	if id := statState(path); id.sameFile(written) {
		t.file = id
	}
	t.edits = 0
	return copied, nil
}

// keep keeps zone's text and signed zone (either nil: none) as last
// written, for the next write.
func (b *ZoneFile) keep(zone string, t *zoneText, sz *signedZone) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t != nil {
		if b.texts == nil {
			b.texts = map[string]*zoneText{}
		}
		b.texts[zone] = t
	}
	if sz != nil {
		if b.signed == nil {
			b.signed = map[string]*signedZone{}
		}
		b.signed[zone] = sz
	}
}

// nextSerial is NextSerialAbove over every serial zone is known to have
// had (served, on disk, and last written by dnssync) and the floors.
// unwritten is the serial recorded for zone's last write if that write
// failed.
func (b *ZoneFile) nextSerial(zone string, served, onDisk, last uint32, floors []Floor, unwritten uint32) (uint32, error) {
	// A serial recorded for a write that then failed was never carried by
	// any file: a retry may use it again instead of climbing once per
	// failed attempt (a day of full disk would push the serial days ahead
	// of the clock's).
	if last != 0 && unwritten == last {
		last = before(last)
	}
	known := []uint32{served, onDisk, last}
	serial, err := NextSerialAbove(b.now(), known, floors)
	top := max(served, onDisk, last)
	for _, f := range floors {
		if top = max(top, f.Serial); f.Serial != 0 && newerThanAll(f.Serial, known) && serialNewer(serial, f.Serial) {
			b.log.Warn("a secondary serves a newer serial than the primary knows of: the new serial goes above it, so that it follows again",
				"zone", zone, "secondary", f.Server, "its_serial", f.Serial, "serial", serial)
		}
	}
	if err == nil && serial < top {
		b.log.Warn("zone serial wrapped around the top of the serial space (RFC 1982): secondaries that follow RFC 1982 take it as newer",
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
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tempsClean || !b.tempsSwept.IsZero() && time.Since(b.tempsSwept) < staleTempAge {
		return
	}
	b.tempsSwept = time.Now()
	n, err := atomicfile.RemoveTemps(b.dir, time.Now().Add(-staleTempAge)) // file times are wall-clock times
	if err != nil {
		b.log.Warn("removing stale temporary files", "dir", b.dir, "err", err)
		return
	}
	if n > 0 {
		b.log.Info("removed stale temporary files", "dir", b.dir, "count", n)
	}
	left, err := filepath.Glob(filepath.Join(b.dir, atomicfile.TempPattern))
	b.tempsClean = err == nil && len(left) == 0
}

// diskSerial returns the serial of the zone file at path, 0 when there is
// none or it cannot be read (a link or a FIFO put there is not read): it
// only ever raises the next serial.
func diskSerial(path string) uint32 {
	f, _, err := atomicfile.OpenRegular(path)
	if f == nil || err != nil {
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
	return newZoneText(zone, sets, false).write(w, serial)
}
