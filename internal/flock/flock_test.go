package flock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// A FIFO at the lock's path is refused at once: opening one for reading
// blocks until a writer comes, and a person's `mkfifo .dnssync.lock` must
// not hang every writer of records.d.
func TestLockFileRefusesFIFO(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		release, err := LockFile(context.Background(), path, true, time.Second)
		if err == nil {
			release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), path) {
			t.Errorf("lock on a FIFO: %v, want a refusal naming the path", err)
		}
	case <-time.After(5 * time.Second):
		// Let the blocked open return (a writer appears), so the test ends.
		if fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
			unix.Close(fd)
		}
		<-got
		t.Fatal("LockFile blocked for 5s opening a FIFO")
	}
}

// The lock file is never open to every user: anyone who can open it can
// flock it and so stall every writer. It is 0660 in the directory's group
// (the group records.d's writers share), whatever the umask, and one left
// wider by an older version is tightened by its owner.
func TestLockFileNotOpenToAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.lock")
	old := filepath.Join(dir, "old.lock")
	if err := os.WriteFile(old, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(old, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, old} {
		release, err := LockFile(context.Background(), path, true, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		release()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o660 {
			t.Errorf("%s: mode %04o, want 0660", filepath.Base(path), perm)
		}
	}
}

// The lock file takes the directory's group, so that whichever writer
// created it (root running the CLI, say), the others in that group can
// open it.
func TestLockFileTakesTheDirsGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gid := 0
	if os.Geteuid() == 0 {
		gid = 4242 // root may give a file any group
	} else if groups, _ := os.Getgroups(); len(groups) > 0 && groups[len(groups)-1] != os.Getegid() {
		gid = groups[len(groups)-1]
	} else {
		t.Skip("needs root or a supplementary group")
	}
	if err := os.Chown(dir, -1, gid); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.lock")
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	release()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if int(st.Gid) != gid {
		t.Errorf("lock file's group %d, want the dir's %d", st.Gid, gid)
	}
}

// Root running the CLI leaves a lock file owned by the directory's owner
// (the daemon's user), never one the daemon cannot open.
func TestLockFileByRootBelongsToTheDirsOwner(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	if err := os.Chown(dir, 4242, 4343); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.lock")
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	release()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 4242 || st.Gid != 4343 {
		t.Errorf("lock file owned by %d:%d, want the dir's 4242:4343", st.Uid, st.Gid)
	}
}

// A hard link planted at the lock's path is refused, and its target keeps
// its owner and mode: a writer of records.d who could link, say,
// /etc/shadow there (same filesystem, fs.protected_hardlinks=0) must not
// get it chowned to records.d's owner and made group-writable by root's
// next CLI command.
func TestLockFileRefusesHardLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "shadow")
	if err := os.WriteFile(target, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // root would chown to the dir's owner: make that differ
		if err := os.Chown(dir, 4242, 4343); err != nil {
			t.Fatal(err)
		}
	}
	var before unix.Stat_t
	if err := unix.Stat(target, &before); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.lock")
	if err := os.Link(target, path); err != nil {
		t.Fatal(err)
	}
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err == nil {
		release()
		t.Fatal("locked a file with two links")
	}
	if !strings.Contains(err.Error(), "hard link") || !strings.Contains(err.Error(), path) {
		t.Errorf("lock on a hard link: %v, want a refusal naming the path and the link", err)
	}
	var after unix.Stat_t
	if err := unix.Stat(target, &after); err != nil {
		t.Fatal(err)
	}
	if after.Uid != before.Uid || after.Gid != before.Gid || after.Mode != before.Mode {
		t.Errorf("link target changed: %d:%d %o, was %d:%d %o", after.Uid, after.Gid, after.Mode, before.Uid, before.Gid, before.Mode)
	}
}

// Root locking an existing lock file leaves its owner as it is: only a
// file this call created is given the directory's owner and group.
func TestLockFileByRootKeepsAnExistingFilesOwner(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	if err := os.Chown(dir, 4242, 4343); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.lock")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 5555, 5656); err != nil {
		t.Fatal(err)
	}
	release, err := LockFile(context.Background(), path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	release()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 5555 || st.Gid != 5656 || st.Mode&0o7777 != 0o640 {
		t.Errorf("existing lock file now %d:%d %04o, want it left 5555:5656 0640", st.Uid, st.Gid, st.Mode&0o7777)
	}
}
