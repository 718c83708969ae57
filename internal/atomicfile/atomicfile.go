// Package atomicfile is dnssync's one file writer: a reader (CoreDNS, a
// person, dnssync after a crash) sees the old content or the new, never a
// part, and the new content survives a power cut once Write returns. What
// dnssync writes to its state directory it reads back with ReadRegular
// (read.go): regular files only, never through a link or from a FIFO.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TempPattern is the name of every temporary file Write creates (the "*"
// becomes random digits). It starts with a dot and holds no "db." anywhere,
// so that neither the records loader (which skips dotfiles and *.tmp) nor
// CoreDNS's auto plugin (whose default regexp, db\.(.*), is unanchored and
// matched against the base name of every file under its directory, dotfiles
// and subdirectories included) can ever take it for content.
const TempPattern = tempPrefix + "*" + tempSuffix

const (
	tempPrefix = ".dnssync-"
	tempSuffix = ".tmp"
)

// IsTemp reports whether name (a base name) is one of Write's temporary
// files, e.g. one left behind by a process that was killed mid-write.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix) &&
		len(name) > len(tempPrefix)+len(tempSuffix)
}

// Write replaces path with data. The temporary file is created in tmpDir,
// which must be on the same filesystem as path (rename cannot cross
// filesystems): path's own directory is the one that always is.
func Write(path, tmpDir string, data []byte, perm os.FileMode) error {
	return WriteWith(path, tmpDir, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteWith is Write with the content written by fill, into the temporary
// file open for writing at offset 0: for content that is not one slice of
// bytes, such as a file patched from the one it replaces. An error from
// fill leaves path as it was.
func WriteWith(path, tmpDir string, perm os.FileMode, fill func(*os.File) error) (err error) {
	f, err := os.CreateTemp(tmpDir, TempPattern)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err = fill(f); err != nil {
		f.Close()
		return err
	}
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes a new name, a rename or a removal in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
