package zones

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/config"
)

// signalled waits for a signal from a Watch channel.
func signalled(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatalf("%s: watch channel closed", what)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no signal within 5s", what)
	}
}

// drain empties ch of a pending signal, once no event arrives for a while:
// the signals of one step do not count for the next.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

func TestWatchSignalsZoneFileChanges(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zones.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ch, err := Watch(t.Context(), dir, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(dir, config.ZoneSpec{Name: "new.example"}); err != nil {
		t.Fatal(err)
	}
	signalled(t, ch, "zone file added")
	drain(ch)
	if _, err := RemoveFile(dir, "new.example"); err != nil {
		t.Fatal(err)
	}
	signalled(t, ch, "zone file removed")
}

// The dir missing at start is not created, and a zone file written once it
// appears (as the zones API's first add makes it) is seen, and so are the
// later ones: the dir itself is watched from then on.
func TestWatchMissingDirAppears(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zones.d")
	ch, err := Watch(t.Context(), dir, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("Watch of a missing dir with its parent there: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Watch created the zones dir (stat: %v); it must not", err)
	}
	if _, err := WriteFile(dir, config.ZoneSpec{Name: "a.example"}); err != nil {
		t.Fatal(err)
	}
	signalled(t, ch, "dir created with a zone file")
	drain(ch)
	if _, err := WriteFile(dir, config.ZoneSpec{Name: "b.example"}); err != nil {
		t.Fatal(err)
	}
	signalled(t, ch, "a second zone file in the dir that appeared")

	// Removed and made again: still followed.
	drain(ch)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	signalled(t, ch, "dir removed")
	drain(ch)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	drain(ch)
	if _, err := WriteFile(dir, config.ZoneSpec{Name: "c.example"}); err != nil {
		t.Fatal(err)
	}
	signalled(t, ch, "a zone file in the dir made again")
}

func TestWatchIgnoresOtherFiles(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "zones.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ch, err := Watch(t.Context(), dir, 10*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, ".x.yaml.tmp"), filepath.Join(dir, "notes.txt"), filepath.Join(parent, "config.toml")} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ch:
		t.Fatal("signalled for files that are not zone files")
	case <-time.After(300 * time.Millisecond): // 30 debounces
	}
}

func TestWatchFailsWithoutDirOrParent(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gone", "zones.d")
	if _, err := Watch(t.Context(), dir, time.Millisecond, nil); err == nil {
		t.Fatal("Watch with neither the dir nor its parent there: no error")
	}
}

func TestWatchClosesOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := Watch(ctx, t.TempDir(), time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("a signal after cancel, want the channel closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed within 5s of cancel")
	}
}
