package apply

import (
	"bufio"
	"errors"
	"io"
	"os"
)

// A zone file is written whole, or patched: the sets whose text has not
// changed since the last write are copied from the file that write left,
// and only the rest is written. On Linux the copy is copy_file_range: the
// kernel copies page cache to page cache, never through dnssync's memory.
// At 1,000,000 records the file is 45 MB and a change touches a few sets;
// writing it whole costs about 100 ms of CPU copying the text into the
// kernel (ext4, measured), copying it about 10 ms.
//
// The file copied from is trusted only while it is the one written: the
// same file, size and modification time after the copy as after that
// write. A person's edit in place changes the time, and the zone is then
// written whole, from the text, as before.

const (
	// patchMinSize is the least text worth patching: below it, writing the
	// whole zone costs less than opening and copying from the last file.
	patchMinSize = 1 << 20
	// patchMaxEdits is the most sets a patch writes: each one breaks the
	// copy into one more span, a seek and a copy each.
	patchMaxEdits = 256
)

// errLastChanged says the last file written changed while it was copied
// from: the zone is written whole instead.
var errLastChanged = errors.New("the zone file changed while it was copied from")

// lastFile opens the file t was last written to, if the next write should
// patch it: it is still at path as written, and the text is large and its
// edits few. Otherwise it returns nil: write the zone whole.
func (t *zoneText) lastFile(path string) *os.File {
	if t.file == nil || t.size < patchMinSize || t.edits > patchMaxEdits {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	if fi, err := f.Stat(); err != nil || !sameWrite(t.file, fi) {
		f.Close()
		return nil
	}
	return f
}

// sameWrite reports whether b is still the file a was: same file, size and
// modification time.
func sameWrite(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// patch writes t with serial to f (new, at offset 0), copying each run of
// sets unchanged since the last write from last, that write's file
// (lastFile). It returns the bytes copied; errLastChanged: last is no
// longer as written.
func (t *zoneText) patch(f, last *os.File, serial uint32) (copied int64, err error) {
	bw := bufio.NewWriterSize(f, 64<<10)
	pos := int64(t.writeHead(bw, serial))
	var from, n int64 // the run of last to copy next
	copyRun := func() error {
		if n == 0 {
			return nil
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if _, err := last.Seek(from, io.SeekStart); err != nil {
			return err
		}
		got, err := f.ReadFrom(io.LimitReader(last, n))
		copied += got
		if err == nil && got < n {
			err = errLastChanged // shorter than written
		}
		n = 0
		return err
	}
	for i := range t.sets {
		s := &t.sets[i]
		size := int64(len(s.text))
		switch {
		case s.off == 0:
			if err := copyRun(); err != nil {
				return copied, err
			}
			bw.WriteString(s.text)
		case n > 0 && from+n == s.off:
			n += size
		default:
			if err := copyRun(); err != nil {
				return copied, err
			}
			from, n = s.off, size
		}
		s.off = pos
		pos += size
	}
	if err := copyRun(); err != nil {
		return copied, err
	}
	if err := bw.Flush(); err != nil {
		return copied, err
	}
	if fi, err := last.Stat(); err != nil || !sameWrite(t.file, fi) {
		return copied, errLastChanged
	}
	return copied, t.wrote(f)
}

// wrote notes f as the file t was last written to: the next write may
// patch it.
func (t *zoneText) wrote(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	t.file, t.edits = fi, 0
	return nil
}
