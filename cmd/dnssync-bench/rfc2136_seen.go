//go:build linux

package main

import (
	"encoding/binary"
	"time"

	"github.com/miekg/dns"
)

// updateSeen is one UPDATE relayed.
type updateSeen struct {
	at       time.Time // its first bytes arrived from dnssync
	answered time.Time // the server's answer arrived (zero: none yet)
	sent     time.Time // relayed to the server
	records  int       // in the update section
	prereqs  int
	bytes    int
	rcode    int
}

// serverTime is how long the server took to answer it, as the forwarder
// saw it.
func (u updateSeen) serverTime() time.Duration {
	if u.answered.IsZero() {
		return 0
	}
	return u.answered.Sub(u.sent)
}

// updateHeader reads a DNS message's header: whether it is an UPDATE
// request (not an answer to one), and how many records its update and
// prerequisite sections hold.
func updateHeader(msg []byte) (records, prereqs int, ok bool) {
	if len(msg) < 12 {
		return 0, 0, false
	}
	if msg[2]&0x80 != 0 || int(msg[2]>>3&0xf) != dns.OpcodeUpdate {
		return 0, 0, false
	}
	return int(binary.BigEndian.Uint16(msg[8:10])), int(binary.BigEndian.Uint16(msg[6:8])), true
}

// isTransfer: msg asks for a zone transfer (AXFR or IXFR).
func isTransfer(msg []byte) bool {
	var m dns.Msg
	if m.Unpack(msg) != nil || m.Response || m.Opcode != dns.OpcodeQuery || len(m.Question) != 1 {
		return false
	}
	t := m.Question[0].Qtype
	return t == dns.TypeAXFR || t == dns.TypeIXFR
}

// updatesFrom are the UPDATEs that arrived at or after t.
func updatesFrom(us []updateSeen, t time.Time) []updateSeen {
	for i, u := range us {
		if !u.at.Before(t) {
			return us[i:]
		}
	}
	return nil
}

// recordCounts are the messages' update-section sizes, in order.
func recordCounts(us []updateSeen) []int {
	out := make([]int, len(us))
	for i, u := range us {
		out[i] = u.records
	}
	return out
}

// serverTotal is the server's time over the messages.
func serverTotal(us []updateSeen) time.Duration {
	var sum time.Duration
	for _, u := range us {
		sum += u.serverTime()
	}
	return sum
}

// lastAnswer is when the last of the messages was answered.
func lastAnswer(us []updateSeen) time.Time {
	var last time.Time
	for _, u := range us {
		if u.answered.After(last) {
			last = u.answered
		}
	}
	return last
}
