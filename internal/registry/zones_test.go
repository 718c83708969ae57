package registry

import (
	"errors"
	"testing"
)

// The daemon's Registry checks names against the Store's zones as they
// are now: a zone added at run time (zones.d; the reconciler calls
// SetZones) takes records through the API, and one removed refuses them.
func TestRegisterFollowsLiveZones(t *testing.T) {
	t.Parallel()
	r, store, _ := newRegistry(t)
	r.Zones = store
	rec := Record{Name: "web.new.example", Type: "A", Value: "192.0.2.7"}
	if _, err := r.Register(t.Context(), rec); !errors.Is(err, ErrInvalid) {
		t.Fatalf("register in a zone not managed: %v, want ErrInvalid", err)
	}
	store.SetZones([]string{"example.com", "new.example"})
	ch, err := r.Register(t.Context(), rec)
	if err != nil || !ch.Changed || len(ch.After) != 1 {
		t.Fatalf("register in a zone added since start: %+v %v", ch, err)
	}
	rescan(t, store)
	if got := store.FilesIn("new.example"); len(got) != 1 {
		t.Errorf("files in the added zone after a scan: %q, want the API's file", got)
	}
	store.SetZones([]string{"example.com"})
	if _, err := r.Register(t.Context(), Record{Name: "db.new.example", Type: "A", Value: "192.0.2.8"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("register in a zone removed since: %v, want ErrInvalid", err)
	}
}
