//go:build linux

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// floorSender is the floor of the rfc2136 rows: a minimal Go sender of
// the UPDATEs dnssync sends. The same batches (maxUpdateRecords records
// a message, as dnssync's default max_update_records), each message
// fenced as dnssync fences it (a prerequisite on the SOA it expects, the
// serial one higher after each message: see internal/apply/fence.go),
// TSIG-signed with the same key, each on a new TCP connection. It times
// each exchange: the server's time, as the forwarder times dnssync's.
type floorSender struct {
	up   *updater
	soa  *dns.SOA        // the prerequisite of the next message
	rtts []time.Duration // every exchange, in order
}

// newFloorSender reads the zone's SOA from addr, to fence the first
// message on.
func newFloorSender(ctx context.Context, addr, zone, secret string) (*floorSender, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	r, _, err := (&dns.Client{Timeout: 5 * time.Second}).ExchangeContext(ctx, m, addr)
	if err != nil {
		return nil, fmt.Errorf("SOA of %s from %s: %w", zone, addr, err)
	}
	var soa *dns.SOA
	for _, rr := range r.Answer {
		if s, ok := rr.(*dns.SOA); ok {
			soa = s
		}
	}
	if soa == nil {
		return nil, fmt.Errorf("SOA of %s from %s: none in the answer (%s)", zone, addr, dns.RcodeToString[r.Rcode])
	}
	soa.Hdr.Ttl, soa.Hdr.Class = 0, dns.ClassINET // a prerequisite's (RFC 2136 2.4)
	up, err := dialUpdater(addr, dns.Fqdn(zone), secret)
	if err != nil {
		return nil, err
	}
	return &floorSender{up: up, soa: soa}, nil
}

func (f *floorSender) close() { f.up.close() }

// msg is an UPDATE deleting the RRsets of remove and adding insert, not
// yet fenced (send does that: the fence depends on what was sent before).
func (f *floorSender) msg(remove, insert []dns.RR) *dns.Msg { return f.up.msg(remove, insert) }

// insertBatches are the UPDATEs adding rrs, at most per records each.
func (f *floorSender) insertBatches(rrs []dns.RR, per int) []*dns.Msg {
	var out []*dns.Msg
	for i := 0; i < len(rrs); i += per {
		out = append(out, f.msg(nil, rrs[i:min(len(rrs), i+per)]))
	}
	return out
}

// send fences m on the SOA the server should hold, sends it on a new
// connection and returns when it was sent (the connection is open by
// then, as dnssync's is when its message hits the wire).
func (f *floorSender) send(m *dns.Msg) (time.Time, error) {
	m.Answer = []dns.RR{dns.Copy(f.soa)}
	if err := f.up.redial(); err != nil {
		return time.Time{}, err
	}
	t := time.Now()
	if err := f.up.send(m); err != nil {
		return t, err
	}
	f.rtts = append(f.rtts, time.Since(t))
	f.soa.Serial++
	if f.soa.Serial == 0 {
		f.soa.Serial = 1
	}
	return t, nil
}

// sent is the exchanges from the i-th on: their count and total time.
func (f *floorSender) sent(from int) (int, time.Duration) {
	var sum time.Duration
	for _, d := range f.rtts[from:] {
		sum += d
	}
	return len(f.rtts) - from, sum
}

// batchSizes describes how records went out in messages: "10 x 1000",
// "9 x 1000 + 1 x 504".
func batchSizes(sizes []int) string {
	if len(sizes) == 0 {
		return "none"
	}
	var parts []string
	run, count := sizes[0], 0
	flush := func() { parts = append(parts, fmt.Sprintf("%d x %d", count, run)) }
	for _, s := range sizes {
		if s != run {
			flush()
			run, count = s, 0
		}
		count++
	}
	flush()
	return strings.Join(parts, " + ")
}
