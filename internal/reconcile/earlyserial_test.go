package reconcile

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dnssync/dnssync/internal/desired"
)

// stateAfterSerial is a Store whose State notes whether the serial had
// been asked for by then.
type stateAfterSerial struct {
	*fakeStore
	asked    chan struct{}
	once     sync.Once
	mu       sync.Mutex
	watching bool
	before   int // States built before the serial was asked for
}

func (s *stateAfterSerial) State() *desired.State {
	s.mu.Lock()
	watching := s.watching
	s.mu.Unlock()
	if watching {
		select {
		case <-s.asked:
		case <-time.After(time.Second): // synctest's clock: only once every goroutine waits
			s.mu.Lock()
			s.before++
			s.mu.Unlock()
		}
	}
	return s.fakeStore.State()
}

type askedSerial struct {
	*fakeVerifier
	store *stateAfterSerial
}

func (v askedSerial) Serial(ctx context.Context, zone string) (uint32, error) {
	v.store.mu.Lock()
	watching := v.store.watching
	v.store.mu.Unlock()
	if watching {
		v.store.once.Do(func() { close(v.store.asked) })
	}
	return v.fakeVerifier.Serial(ctx, zone)
}

// A pass for changed files asks a cached zone's serial as it starts, not
// after reading the files and building its State: the round trip is then
// off the way from the rename to the write. The answer is still the one
// the cache is checked against: the change applies to the cached zone.
func TestChangedAsksSerialEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		store := &stateAfterSerial{fakeStore: h.store, asked: make(chan struct{})}
		h.r.Store = store
		h.r.Verifier = askedSerial{fakeVerifier: h.verifier, store: store}
		opts := cachedChange(t, h)
		store.mu.Lock()
		store.watching = true
		store.mu.Unlock()
		res := h.r.Changed(t.Context(), []string{"records.d/a.yaml"}, opts)

		if store.before > 0 {
			t.Errorf("%d States built before the serial was asked for, want none", store.before)
		}
		if n := len(h.server.transfers()); n != 1 || !res.Zones[0].Applied || res.Failed() != nil {
			t.Errorf("%d transfers, Applied %v, Failed %v; want the change applied to the cached zone", n, res.Zones[0].Applied, res.Failed())
		}
	})
}
