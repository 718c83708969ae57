package flock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A second open of the file contends as another process would; the wait
// ends at the bound, with ErrTimeout, not when the holder lets go.
func TestLockTimesOut(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	_, err = LockFile(context.Background(), path, true, 50*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("second lock: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timed out after %s, want about 50ms", d)
	}
	// Shared locks share.
	release()
	r1, err := LockFile(context.Background(), path, false, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer r1()
	r2, err := LockFile(context.Background(), path, false, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("second shared lock: %v", err)
	}
	r2()
}

// The caller's context ends the wait, whatever the bound.
func TestLockHonoursContext(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = LockFile(ctx, path, true, time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("lock with an ending context: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %s, want about 50ms", d)
	}
}

// A lock released while another waits is taken by the waiter.
func TestLockTakenOnceReleased(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := LockFile(context.Background(), path, true, 10*time.Second)
		if err == nil {
			r()
		}
		got <- err
	}()
	time.AfterFunc(30*time.Millisecond, release)
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}

// A symlink planted at the lock's path is not followed.
func TestLockFileRefusesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.lock")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
		t.Fatal(err)
	}
	if _, err := LockFile(context.Background(), path, true, time.Second); err == nil {
		t.Fatal("locked through a symlink")
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); err == nil {
		t.Error("the symlink's target was created")
	}
}
