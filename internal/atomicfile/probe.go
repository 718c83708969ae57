package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Probe proves that Write can replace files in dir, doing each step Write
// does: it creates a temporary file there, fsyncs it, renames it within
// dir, fsyncs dir, and removes it. It writes no content: a full disk is a
// passing condition, not a configuration error, and must not keep a
// service from starting; a read-only or foreign-owned dir is. Nothing is
// left behind.
func Probe(dir string) (err error) {
	f, err := os.CreateTemp(dir, TempPattern)
	if err != nil {
		return fmt.Errorf("create a file in %s: %w", dir, err)
	}
	name := f.Name()
	defer func() {
		if rmErr := os.Remove(name); rmErr != nil && err == nil {
			err = fmt.Errorf("remove %s: %w", name, rmErr)
		}
	}()
	if err = f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync a file in %s: %w", dir, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close a file in %s: %w", dir, err)
	}
	renamed := strings.TrimSuffix(name, tempSuffix) + "-renamed" + tempSuffix
	if err = os.Rename(name, renamed); err != nil {
		return fmt.Errorf("rename a file in %s: %w", dir, err)
	}
	name = renamed
	if err = SyncDir(dir); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// RemoveTemps removes Write's temporary files directly in dir that were
// last modified before cutoff: those of a process killed mid-write. A
// younger one may belong to a write in progress (another dnssync command),
// so it stays. It returns how many it removed.
func RemoveTemps(dir string, cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("list %s: %w", dir, err)
	}
	removed := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue // gone already, or possibly in use
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove a stale temporary file in %s: %w", dir, err)
		}
		removed++
	}
	return removed, nil
}
