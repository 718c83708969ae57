package reconcile

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// clockSerial serves serial from a moment on, the serial before it until
// then, and counts the questions.
type clockSerial struct {
	*fakeVerifier
	mu     sync.Mutex
	serial uint32
	from   time.Time
	asked  int
}

func (v *clockSerial) Serial(ctx context.Context, zone string) (uint32, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.asked++
	if time.Now().Before(v.from) {
		return v.serial - 1, nil
	}
	return v.serial, nil
}

// Waiting for a server that reloads on a tick asks less often as the wait
// grows, and still notices the new serial within an eighth of the wait
// (250 ms at most).
func TestVerifyPollsLessAsItWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, wait := range []time.Duration{100 * time.Millisecond, 4 * time.Second, time.Minute} {
			h := newHarness()
			h.r.VerifyTimeout = 2 * time.Minute
			v := &clockSerial{fakeVerifier: h.verifier, serial: 7, from: time.Now().Add(wait)}
			h.r.Verifier = v
			zr := &ZoneResult{Zone: zoneA, Serial: 7}
			h.r.verify(t.Context(), discardLog(), zr)
			if len(zr.Mismatches) > 0 {
				t.Fatalf("wait %v: %v", wait, zr.Mismatches)
			}
			if late := zr.Latency - wait; late < 0 || late > min(max(50*time.Millisecond, wait/8), 250*time.Millisecond) {
				t.Errorf("wait %v: noticed %v later", wait, late)
			}
			// Every 50 ms, 80 questions in 4 s and 1,200 in a minute.
			if limit := 10 + int(wait/(150*time.Millisecond)); v.asked > limit {
				t.Errorf("wait %v: asked %d times, want at most %d", wait, v.asked, limit)
			}
		}
	})
}
