package dnssec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// withDeadline fails the test when f does not return within a few
// seconds (a FIFO opened for reading blocks until a writer comes).
func withDeadline(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s hangs on a FIFO", what)
		return nil
	}
}

// A FIFO or a link in the zone's key directory (state.json, the request,
// a .key file) is refused, not read: an open would block every pass.
func TestKeyStoreRefusesFIFOsAndLinks(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"state.json", "roll-request.json", "key"} {
		for _, kind := range []string{"fifo", "symlink"} {
			t.Run(name+" "+kind, func(t *testing.T) {
				t.Parallel()
				ks := KeyStore{Dir: t.TempDir()}
				keys, err := ks.Ensure(testZone, DefaultPolicy(), t0)
				if err != nil {
					t.Fatal(err)
				}
				dir := filepath.Join(ks.Dir, "example.com")
				path := filepath.Join(dir, name)
				if name == "key" {
					path = filepath.Join(dir, fileBase(testZone, keys[0].DNSKEY)+".key")
				}
				target := filepath.Join(t.TempDir(), "elsewhere")
				if b, err := os.ReadFile(path); err == nil {
					if err := os.WriteFile(target, b, 0o600); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(target, []byte(`{"action":"start","kind":"csk"}`), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				if kind == "fifo" {
					err = syscall.Mkfifo(path, 0o600)
				} else {
					err = os.Symlink(target, path)
				}
				if err != nil {
					t.Fatal(err)
				}
				read := func() error {
					if name == "roll-request.json" {
						_, err := ks.TakeRequest(testZone)
						return err
					}
					_, _, err := ks.LoadRoll(testZone)
					return err
				}
				err = withDeadline(t, "reading "+name, read)
				if !errors.Is(err, atomicfile.ErrNotRegular) {
					t.Errorf("reading a %s as %s: %v, want it refused as not a regular file", kind, name, err)
				}
				if name == "state.json" {
					if _, err := withDeadlinePending(t, ks); !errors.Is(err, atomicfile.ErrNotRegular) {
						t.Errorf("Pending with a %s as state.json: %v", kind, err)
					}
				}
			})
		}
	}
}

func withDeadlinePending(t *testing.T, ks KeyStore) (bool, error) {
	var pending bool
	err := withDeadline(t, "Pending", func() error {
		var err error
		pending, err = ks.Pending(testZone)
		return err
	})
	return pending, err
}

// A zone's key directory that is a symbolic link is refused: its keys
// are neither read nor written through it, and the directory it points
// at keeps its mode.
func TestKeyStoreRefusesALinkedZoneDirectory(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: t.TempDir()}
	elsewhere := t.TempDir()
	if err := os.Chmod(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(ks.Dir, "example.com")); err != nil {
		t.Fatal(err)
	}
	_, err := ks.Ensure(testZone, DefaultPolicy(), t0)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("keys made in a linked directory: %v", err)
	}
	if fi, err := os.Stat(elsewhere); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the link's target has mode %v (%v), want 0755 kept", fi.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("files written through the link: %v", entries)
	}
	if err := ks.WriteRequest(testZone, RollRequest{Action: RequestCancel}); err == nil {
		t.Error("a request was written through the link")
	}
}

// The daemon claims a request before it reads it: a request the CLI
// writes while the daemon applies the one before is kept for the next
// pass, not removed unread.
func TestTakeRequestKeepsTheNextOne(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: t.TempDir()}
	if _, err := ks.Ensure(testZone, DefaultPolicy(), t0); err != nil {
		t.Fatal(err)
	}
	first := RollRequest{Action: RequestStart, Kind: CSK, Requested: t0}
	if err := ks.WriteRequest(testZone, first); err != nil {
		t.Fatal(err)
	}
	got, err := ks.TakeRequest(testZone)
	if err != nil || got == nil || *got != first {
		t.Fatalf("taken: %+v, %v", got, err)
	}
	// The CLI writes the next request while the daemon applies the first.
	second := RollRequest{Action: RequestCancel, Requested: t0.Add(time.Second)}
	if err := ks.WriteRequest(testZone, second); err != nil {
		t.Fatal(err)
	}
	got, err = ks.TakeRequest(testZone)
	if err != nil || got == nil || *got != second {
		t.Fatalf("the request written meanwhile: %+v, %v", got, err)
	}
	if got, err := ks.TakeRequest(testZone); got != nil || err != nil {
		t.Errorf("a request taken twice: %+v, %v", got, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(ks.Dir, "example.com")); len(entries) == 0 {
		t.Fatal("the key directory is empty")
	} else {
		for _, e := range entries {
			if strings.Contains(e.Name(), "request") {
				t.Errorf("%s left behind", e.Name())
			}
		}
	}
}

// The waits use the largest TTLs served since the roll started: a DNSKEY
// TTL or a record TTL lowered during the roll still bounds what caches
// hold.
func TestRollWaitsOnTheLargestTTLsSeen(t *testing.T) {
	t.Parallel()
	p := rollPolicy(false)
	r := Roll{Kind: CSK, Stage: StagePublish, Serial: 1}
	if !r.SeeTTLs(ZoneTTLs{DNSKEY: time.Hour, Max: 2 * time.Hour}) {
		t.Error("the first TTLs seen were not taken")
	}
	r.MarkServed(p, ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, t0)
	if want := t0.Add(time.Hour + p.RollMargin); !r.NextAfter.Equal(want) {
		t.Errorf("publish: next step after %s, want %s (the DNSKEY TTL served at the start)", r.NextAfter, want)
	}
	r.Stage = StageSwap
	r.MarkServed(p, ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, t0)
	r.DSPublished = t0
	if want := t0.Add(2*time.Hour + p.RollMargin); !r.NextAfter.Equal(want) {
		t.Errorf("swap: next step after %s, want %s (the largest TTL served at the start)", r.NextAfter, want)
	}
}

// S4: a request left by a user other than the key directory's owner (the
// daemon's) is refused, saying which user to run as.
func TestRequestRefusedFromAnotherUser(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: t.TempDir()}
	if _, err := ks.Ensure(testZone, DefaultPolicy(), t0); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ks.Dir, "example.com")
	if err := checkOwner(dir, "example.com", os.Geteuid()); err != nil {
		t.Errorf("the owner is refused: %v", err)
	}
	err := checkOwner(dir, "example.com", os.Geteuid()+1)
	if !errors.Is(err, ErrNotOwner) || !strings.Contains(err.Error(), "run it as the user the daemon runs as: sudo -u ") || !strings.HasSuffix(err.Error(), " dnssync dnssec roll example.com") {
		t.Errorf("another user: %v", err)
	}
}
