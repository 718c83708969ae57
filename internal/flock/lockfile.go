package flock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// A lock file is a meeting point, and so a target: whoever can open it can
// flock it and stall every writer that waits for it. So it is open to the
// writers only. It is mode lockMode in its directory's group: the writers
// of a directory share its group (records.d's writers: the daemon's user
// and the people or tools that run the CLI), so whichever of them created
// the file, and under whatever umask, the others can open it, and other
// users cannot. Whoever creates it gives it that mode and group (root
// also the directory's owner); a file that was there already keeps its
// owner and group, and only its owner narrows its mode to lockMode (which
// tightens a file an older version left readable by all). It is never
// made wider than lockMode.
//
// Opening never blocks and never follows a link: a FIFO planted at the
// path would block a read-only open until some writer came, and a symlink
// would create or lock a file elsewhere. Only a regular file with one
// link is locked: a writer of the directory could plant a hard link to
// any file on the same filesystem (/etc/shadow, where
// fs.protected_hardlinks is off), and root's next CLI command must not
// lock it, let alone chown it. Hence, too, ownership is changed only on
// a file this call created (O_EXCL), never on one found there.
const lockMode = 0o660

// LockFile opens (creating) the lock file at path and takes its lock, as
// Lock does. release closes the file, which releases the lock. The file
// holds nothing: it is opened read-only, which is enough for flock.
func LockFile(ctx context.Context, path string, exclusive bool, timeout time.Duration) (release func(), err error) {
	fd, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := Lock(ctx, fd, exclusive, timeout); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { unix.Close(fd) }, nil
}

// openLockFile opens path as described above and returns the descriptor.
func openLockFile(path string) (int, error) {
	const flags = unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	created := true
	fd, err := unix.Open(path, flags|unix.O_CREAT|unix.O_EXCL, lockMode)
	if errors.Is(err, unix.EEXIST) {
		created = false
		fd, err = unix.Open(path, flags, 0)
	}
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, fmt.Errorf("not a regular file (%s); remove it, and dnssync creates the lock file again", kind(uint32(st.Mode)))
	}
	if st.Nlink != 1 {
		unix.Close(fd)
		return -1, fmt.Errorf("the lock file has %d hard links, a lock file has one: another name points at the same file; "+
			"remove it (not the file it links to), and dnssync creates the lock file again", st.Nlink)
	}
	euid := os.Geteuid()
	switch {
	case created:
		share(fd, &st, filepath.Dir(path), euid == 0)
	case int(st.Uid) == euid && st.Mode&0o7777&^lockMode != 0:
		_ = unix.Fchmod(fd, uint32(st.Mode&lockMode)) // narrow only
	}
	return fd, nil
}

// share gives the lock file its directory's group and lockMode; root also
// gives it the directory's owner, so that a CLI command run as root never
// leaves a lock file that the daemon, which owns the directory, cannot
// open. Failures are harmless: a group this user is not in stays as it
// was, and the file still locks.
func share(fd int, st *unix.Stat_t, dir string, root bool) {
	var ds unix.Stat_t
	if err := unix.Stat(dir, &ds); err == nil {
		switch {
		case root && (ds.Uid != st.Uid || ds.Gid != st.Gid):
			_ = unix.Fchown(fd, int(ds.Uid), int(ds.Gid))
		case ds.Gid != st.Gid:
			_ = unix.Fchown(fd, -1, int(ds.Gid))
		}
	}
	if st.Mode&0o7777 != lockMode {
		_ = unix.Fchmod(fd, lockMode)
	}
}

// kind names a file type for an error.
func kind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device"
	case unix.S_IFDIR:
		return "a directory"
	}
	return "a special file"
}
