package apply

import (
	"fmt"
	"math"
	"time"
)

// A zone's serial only ever moves forward. Secondaries compare serials in
// RFC 1982 serial arithmetic: a serial is newer than another when it is
// ahead of it by less than half the serial space (2^31), counting around
// the top of the 32-bit space. A write whose serial is not newer than what
// a secondary holds is ignored by it, silently, and CoreDNS reloads a zone
// file only when its serial changes. So the next serial is chosen newer
// than every serial the zone is known to have had: the one CoreDNS serves,
// the one in the zone file on disk, and the last one dnssync wrote (kept in
// the state dir, so that a lost zone file cannot send it back).

// halfSerialSpace is 2^31: a step this large or larger is not "newer".
const halfSerialSpace = 1 << 31

// serialNewer reports whether a is newer than b (RFC 1982, section 3.2).
// At exactly half the space apart neither is newer.
func serialNewer(a, b uint32) bool {
	d := a - b // wraps around, as RFC 1982 counts
	return d != 0 && d < halfSerialSpace
}

// clockSerial is now as YYYYMMDD00 (UTC): a serial people can read, used
// whenever it is newer than every known serial.
func clockSerial(now time.Time) uint32 {
	y, m, d := now.UTC().Date()
	return uint32(y*1000000 + int(m)*10000 + d*100)
}

// NextSerial returns the serial for the next version of a zone: the clock
// serial (YYYYMMDD00) when it is newer than every known serial, else one
// past the newest of them. known are the serials the zone is known to have
// had, the served one first (then on disk, last written); 0 means none and
// is skipped, and 0 is never returned (CoreDNS never loads serial 0).
//
// Past the top of the space the serial wraps around (4294967295 is followed
// by 1), as RFC 1982 arithmetic allows: secondaries take it as newer.
//
// When the known serials are spread so far apart that no serial is newer
// than all of them (a zone file or the state edited by hand), there is no
// right answer: NextSerial returns one past the first known serial (the
// served one, so that CoreDNS still loads the change and the secondaries
// that follow it still do), and an error naming the serials; a secondary
// holding one of the others then needs a manual reset.
func NextSerial(now time.Time, known ...uint32) (uint32, error) {
	var newest, first uint32
	for _, k := range known {
		if k == 0 {
			continue
		}
		if first == 0 {
			first = k
		}
		if newest == 0 || serialNewer(k, newest) {
			newest = k
		}
	}
	if c := clockSerial(now); newerThanAll(c, known) {
		return c, nil
	}
	if next := after(newest); newerThanAll(next, known) {
		return next, nil
	}
	next := after(first)
	return next, fmt.Errorf("serials %v are half the serial space or more apart: no serial is newer than all of them (RFC 1982); writing %d", nonZero(known), next)
}

// after is the serial after s, skipping 0.
func after(s uint32) uint32 {
	if s+1 == 0 {
		return 1
	}
	return s + 1
}

// before is the serial before s, skipping 0.
func before(s uint32) uint32 {
	if s-1 == 0 {
		return math.MaxUint32
	}
	return s - 1
}

func newerThanAll(s uint32, known []uint32) bool {
	for _, k := range known {
		if k != 0 && !serialNewer(s, k) {
			return false
		}
	}
	return true
}

func nonZero(s []uint32) []uint32 {
	var out []uint32
	for _, v := range s {
		if v != 0 {
			out = append(out, v)
		}
	}
	return out
}
