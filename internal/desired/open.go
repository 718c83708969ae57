package desired

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Opening a record file is where records.d meets the rest of the
// filesystem, and two rules live here.
//
// A record file may be a symlink only if every link resolves to a regular
// file inside the records dir itself. A Kubernetes ConfigMap mount is made
// of such links (name.yaml -> ..data/name.yaml -> ..2026_x/name.yaml, all
// inside the dir); a link to /etc/dnssync/tsig.key or /etc/passwd is not a
// record file, and reading it could only ever put a secret into error
// messages. Such a link is not read at all.
//
// Only regular files are read, and nothing is opened in a way that can
// block: a FIFO named x.yaml would otherwise hang the daemon until someone
// wrote to it, and a device might do something on open.
//
// A path that breaks either rule is unreadable: like a file with a
// permission problem, its last good content stays in force and the problem
// is reported, naming neither the link's target nor anything in it.
//
// A hard link is not a link here: it is a directory entry like any other,
// indistinguishable from a regular file written in place (a link count
// above one is also what a writer's backup or a snapshot tool leaves), so
// a hard link to /etc/dnssync/tsig.key in records.d is read. The defence
// is in what a problem message may quote (parse.go, redact.go): nothing of
// a file that is not shaped like a records file, and a secret file is not.

var (
	errOutside  = errors.New("symlink target is outside the records dir; not read")
	errDangling = errors.New("symlink target does not exist; not read")
	errLinks    = errors.New("symlink cannot be resolved (a loop, or a link through a non-directory); not read")
	// errMoved: the path changed between the checks and the open (a
	// writer's rename, a ConfigMap update); it is read again next time.
	errMoved = errors.New("changed while being opened; not read this time")
)

// notRegularError is a path named like a record file that is not a file.
type notRegularError struct{ kind string }

func (e notRegularError) Error() string { return "not a regular file (" + e.kind + "); not read" }

func notRegular(m fs.FileMode) error {
	kind := "a special file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	}
	return notRegularError{kind}
}

// isPolicy reports errors whose text is a whole problem message, as opposed
// to an OS error that reads "cannot read: ...".
func isPolicy(err error) bool {
	var nr notRegularError
	return errors.As(err, &nr) || errors.Is(err, errOutside) || errors.Is(err, errDangling) ||
		errors.Is(err, errLinks) || errors.Is(err, errMoved)
}

// readRecord reads the record file path in dir under the rules above and
// returns its content with the stat of what was read. A path that no longer
// exists is fs.ErrNotExist; a dangling link is not (the file's content is
// unknown, not gone). A path that changed while being read is errMoved.
func readRecord(dir, path string) ([]byte, os.FileInfo, error) {
	return readRecordInto(dir, path, new(bytes.Buffer))
}

// readRecordInto is readRecord, reading into buf (reset first): the data
// returned is buf's.
func readRecordInto(dir, path string, buf *bytes.Buffer) ([]byte, os.FileInfo, error) {
	var err error
	for range 3 { // a rename or a ConfigMap swap in between: try again at once
		var data []byte
		var fi os.FileInfo
		if data, fi, err = readOnce(dir, path, buf); !errors.Is(err, errMoved) {
			return data, fi, err
		}
	}
	return nil, nil, err
}

func readOnce(dir, path string, buf *bytes.Buffer) ([]byte, os.FileInfo, error) {
	fh, fi, err := openRecord(dir, path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	// Sized by the stat: io.ReadAll would grow its buffer step by step.
	buf.Reset()
	buf.Grow(int(min(max(fi.Size(), 0), maxFileSize)) + bytes.MinRead)
	_, err = buf.ReadFrom(io.LimitReader(fh, maxFileSize+1))
	data := buf.Bytes()
	if err != nil {
		return nil, nil, unwrapPath(err)
	}
	if len(data) > maxFileSize {
		return nil, fi, errTooLarge
	}
	after, err := fh.Stat()
	if err != nil {
		return nil, nil, unwrapPath(err)
	}
	if !unchanged(fi, after) {
		return nil, nil, errMoved // written while we read: half of each
	}
	return data, fi, nil
}

// openRecord opens path for reading and returns the open file's stat.
func openRecord(dir, path string) (*os.File, os.FileInfo, error) {
	lfi, err := os.Lstat(path)
	if err != nil {
		return nil, nil, unwrapPath(err)
	}
	link := lfi.Mode()&fs.ModeSymlink != 0
	target := path
	if link {
		if target, err = resolveInside(dir, path); err != nil {
			return nil, nil, err
		}
		if lfi, err = os.Lstat(target); err != nil {
			return nil, nil, errMoved // the link changed since it was resolved
		}
	}
	if !lfi.Mode().IsRegular() {
		return nil, nil, notRegular(lfi.Mode()) // decided before any open
	}
	// O_NONBLOCK: should a FIFO have taken the file's place since the
	// Lstat, the open returns at once and the check below refuses it.
	// O_NOFOLLOW: target has no links left in its last element; one that
	// appeared since is a change, not something to follow.
	fh, err := os.OpenFile(target, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	switch {
	case errors.Is(err, syscall.ELOOP), link && errors.Is(err, fs.ErrNotExist):
		return nil, nil, errMoved
	case err != nil:
		return nil, nil, unwrapPath(err)
	}
	fi, err := fh.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegular(fi.Mode())
	} else if err == nil && !os.SameFile(lfi, fi) {
		err = errMoved
	}
	if err == nil && link {
		// What was opened must still be what the link names now: a
		// directory on the way swapped for a link out of the dir and
		// back would otherwise go unnoticed.
		err = stillInside(dir, path, fi)
	}
	if err != nil {
		fh.Close()
		return nil, nil, unwrapPath(err)
	}
	return fh, fi, nil
}

// resolveInside follows every link of path and returns the target, which
// must be inside dir (itself resolved: the records dir may be a link).
func resolveInside(dir, path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", errDangling
	case err != nil:
		return "", errLinks
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("resolve the records dir: %w", unwrapPath(err))
	}
	if !within(root, target) {
		return "", errOutside
	}
	return target, nil
}

func stillInside(dir, path string, opened os.FileInfo) error {
	target, err := resolveInside(dir, path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(target)
	if err != nil || !os.SameFile(fi, opened) {
		return errMoved
	}
	return nil
}

// within reports whether p is below root (both resolved).
func within(root, p string) bool {
	root, err1 := filepath.Abs(root)
	p, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
