package apply

import (
	"errors"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Fencing two writers. Two dnssync instances may write one RFC 2136
// primary (two hosts, for availability). Each plans against the zone as
// it transferred it; an UPDATE sent from a plan another writer has made
// stale could undo that writer's change. So every UPDATE carries one
// prerequisite (RFC 2136 2.4.2, "RRset exists, value dependent"): the
// zone's SOA exactly as it was planned against, serial included. Any
// write in between bumps the serial, the prerequisite fails, the server
// answers NXRRSET and applies nothing, and the reconciler transfers the
// zone again and plans anew.
//
// A plan split into several UPDATEs (past the server's limits) fences
// each message on the SOA the previous one produced: the planned serial
// plus one per message sent, as CoreDNS dynupdate, BIND and Knot bump it
// by default (once per UPDATE). A server that numbers serials otherwise
// (BIND's unixtime or date methods) fails the second message's
// prerequisite: that reads as a concurrent write, the rest is planned
// again from a fresh transfer, and nothing is overwritten. A message that
// sets the serial itself (above the secondaries' floors, rfc2136_floor.go)
// leaves the zone at that serial: the servers bump only a serial the
// UPDATE did not set, so the next message is fenced on it.

// ErrConcurrentWrite: the server refused an UPDATE because the zone
// changed since it was planned (its SOA prerequisite failed): another
// writer came first. Nothing of that message was applied; plan again
// from a fresh transfer.
var ErrConcurrentWrite = errors.New("zone changed by another writer since it was planned")

// fence is the prerequisite of an UPDATE of zone: its SOA as planned
// against. nil when the served zone carries no SOA (a plan made without a
// transfer): there is nothing to fence on.
func fence(zone string, served *observed.Zone) *dns.SOA {
	if served == nil {
		return nil
	}
	s := served.Sets[rrset.Key{Name: dns.CanonicalName(zone), Type: dns.TypeSOA}]
	if s == nil || len(s.RRs) != 1 {
		return nil
	}
	soa, ok := s.RRs[0].(*dns.SOA)
	if !ok {
		return nil
	}
	soa = dns.Copy(soa).(*dns.SOA)
	// The transfer keeps the serial apart (observed.Zone); a prerequisite
	// RR has TTL 0 (RFC 2136 2.4).
	soa.Serial, soa.Hdr.Ttl, soa.Hdr.Class = served.Serial, 0, dns.ClassINET
	return soa
}

// nextFence is the SOA a server serves after UPDATE m, fenced on soa,
// changed the zone: the serial m set itself when it replaced the SOA
// (rfc2136_floor.go; the server then does not bump it, RFC 2136 3.6),
// else the serial bumped by one, never 0 (RFC 2136 7.11).
func nextFence(soa *dns.SOA, m *dns.Msg) *dns.SOA {
	n := dns.Copy(soa).(*dns.SOA)
	if set, ok := setsSerial(m); ok {
		n.Serial = set
		return n
	}
	n.Serial++
	if n.Serial == 0 {
		n.Serial = 1
	}
	return n
}

// setsSerial reports the serial of the apex SOA m adds, if it adds one.
func setsSerial(m *dns.Msg) (uint32, bool) {
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok && soa.Hdr.Class == dns.ClassINET && len(m.Question) == 1 && dns.CanonicalName(soa.Hdr.Name) == dns.CanonicalName(m.Question[0].Name) {
			return soa.Serial, true
		}
	}
	return 0, false
}
