package apply

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Floors over RFC 2136. The server chooses the serial of an UPDATE: it
// bumps the one it serves. A primary restarted from an old state (CoreDNS
// dynupdate without `database`, BIND from a fresh zone file) serves a
// serial below what its secondaries hold, and its bumps stay below it:
// they ignore every change, silently. But an UPDATE may replace the apex
// SOA with a greater serial (RFC 2136 3.4.2.2), and then the server takes
// that serial instead of bumping its own (3.6): CoreDNS dynupdate, BIND
// and Knot all do. So when the server's own bump would not be newer than
// every floor, the first message of the apply also replaces the SOA: the
// RDATA as served, the serial one past the newest floor. Only that far:
// the serial stays the server's to number, and a clock-derived jump would
// take it from the scheme it has (BIND's unixtime, say).

// ApplyAbove is Apply whose change carries a serial newer (RFC 1982) than
// each floor. When no serial within half the serial space of the served
// one is newer than them all, the change is sent without setting the
// serial, and the servers left behind are named in an error log: the
// primary must still load the change, and they need a manual reset.
func (b *RFC2136) ApplyAbove(ctx context.Context, served *observed.Zone, p diff.Plan, floors []Floor) (Result, error) {
	var soa *dns.SOA
	serial, err := serialAbove(served, floors)
	if p.Empty() && len(p.Adopt) == 0 {
		return b.serialOnly(ctx, served, p, serial, err)
	}
	switch {
	case err != nil:
		b.log.Error("zone serial", "zone", p.Zone, "err", err)
	case serial != 0:
		if soa = raisedSOA(p.Zone, served, serial); soa == nil {
			b.log.Error("zone serial: a secondary serves a serial the primary's next one is not newer than, and the primary's SOA is not known to set a newer one; it will not follow this change",
				"zone", p.Zone, "serial", serial)
			break
		}
		for _, f := range floors {
			if f.Serial != 0 && !serialNewer(after(served.Serial), f.Serial) {
				b.log.Warn("a secondary serves a serial the primary's next one is not newer than: the update sets the serial above it, so that it follows again",
					"zone", p.Zone, "secondary", f.Server, "its_serial", f.Serial, "primary_serial", served.Serial, "serial", serial)
			}
		}
	}
	return b.apply(ctx, served, p, soa)
}

// serialAbove is the serial an UPDATE of a zone served as served sets so
// that it is newer than each floor; 0 when the server's own bump (the
// served serial plus one) already is, or when the served serial is not
// known (no transfer: nothing to set it from). The error names the floors
// no serial newer (RFC 1982) than the served one can pass.
func serialAbove(served *observed.Zone, floors []Floor) (uint32, error) {
	if served == nil || served.Serial == 0 {
		return 0, nil
	}
	bump := after(served.Serial)
	var behind, newest uint32
	var all []uint32
	for _, f := range floors {
		if f.Serial == 0 {
			continue
		}
		all = append(all, f.Serial)
		if serialNewer(bump, f.Serial) {
			continue
		}
		behind++
		if newest == 0 || serialNewer(f.Serial, newest) {
			newest = f.Serial
		}
	}
	if behind == 0 {
		return 0, nil
	}
	if next := after(newest); serialNewer(next, served.Serial) && newerThanAll(next, all) {
		return next, nil
	}
	var left []string
	for _, f := range floors {
		if f.Serial != 0 && !serialNewer(bump, f.Serial) {
			left = append(left, fmt.Sprintf("%s (serial %d)", f.Server, f.Serial))
		}
	}
	return 0, fmt.Errorf("no serial within half the serial space of the primary's %d is newer (RFC 1982) than what %s serve: the update leaves the serial to the primary, and they will not transfer it until reset by hand (README: \"The serial only goes forward\")",
		served.Serial, strings.Join(left, ", "))
}

// raisedSOA is the apex SOA of zone as served, with serial, as an UPDATE
// adds it (class IN, the served TTL); nil when served has no SOA.
func raisedSOA(zone string, served *observed.Zone, serial uint32) *dns.SOA {
	s := served.Sets[rrset.Key{Name: dns.CanonicalName(zone), Type: dns.TypeSOA}]
	if s == nil || len(s.RRs) != 1 {
		return nil
	}
	soa, ok := s.RRs[0].(*dns.SOA)
	if !ok {
		return nil
	}
	soa = dns.Copy(soa).(*dns.SOA)
	soa.Serial, soa.Hdr.Class = serial, dns.ClassINET
	return soa
}

// updates is BuildUpdates within the server's limit per message, less the
// prerequisite when fenced; soa, when not nil, goes first in the first
// message, or in a message of its own ahead of the rest when the limit
// leaves no room beside a change; alone when the plan changes nothing (a
// serial-only update).
func (b *RFC2136) updates(p diff.Plan, fenced bool, soa *dns.SOA) []*dns.Msg {
	limit := b.maxRecords
	if fenced && limit > 1 {
		limit-- // servers count prerequisites against the same limit
	}
	if soa == nil {
		return BuildUpdates(p, limit)
	}
	only := new(dns.Msg) // the SOA alone: no room beside a change, or no change
	only.SetUpdate(p.Zone)
	only.Ns = []dns.RR{soa}
	if limit > 1 {
		msgs := BuildUpdates(p, limit-1)
		if len(msgs) == 0 {
			return []*dns.Msg{only}
		}
		msgs[0].Ns = append([]dns.RR{soa}, msgs[0].Ns...)
		return msgs
	}
	return append([]*dns.Msg{only}, BuildUpdates(p, limit)...)
}

// serialOnly applies an empty plan above the floors: one UPDATE, fenced
// as any other, that replaces the SOA with serial (serialAbove's, err
// its error) and changes nothing else, so that a secondary serving a
// newer serial than the primary's follows the primary again. Nothing is
// sent when the server's own next serial already passes every floor, nor
// when no serial within half the serial space does (err).
func (b *RFC2136) serialOnly(ctx context.Context, served *observed.Zone, p diff.Plan, serial uint32, err error) (Result, error) {
	if err != nil {
		return Result{}, fmt.Errorf("zone %s: serial-only update not sent: %w", p.Zone, err)
	}
	if serial == 0 {
		return Result{}, nil
	}
	soa := raisedSOA(p.Zone, served, serial)
	if soa == nil {
		return Result{}, fmt.Errorf("zone %s: serial-only update not sent: the primary's SOA is not known", p.Zone)
	}
	if _, err := b.apply(ctx, served, p, soa); err != nil {
		return Result{}, err
	}
	return Result{Serial: serial}, nil
}
