package apply

import (
	"bufio"
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// A zone file is written whole, or patched: the sets whose text has not
// changed since the last write are copied from the file that write left,
// and only the rest is written. On Linux the copy is copy_file_range: the
// kernel copies page cache to page cache, never through dnssync's memory,
// and dnssync neither formats nor hands over the whole text again. At
// 1,000,000 records the file is about 26 MB and a change touches a few
// sets.
//
// The file copied from is trusted only while it looks as it did once
// renamed in: the same inode, size, modification and change times, before
// the copy and after it. An edit in place changes the times (the change
// time cannot be set back); the zone is then written whole, from the
// text, and the edit is gone as before. The one edit this cannot see is
// one of the same size, made within the filesystem's timestamp
// granularity of dnssync's own rename (nanoseconds on ext4 since Linux
// 6.13, a clock tick before).

const (
	// patchMinSize is the least text worth patching: below it, writing the
	// whole zone costs less than opening and copying from the last file.
	patchMinSize = 1 << 20
	// patchMaxEdits is the most sets a patch writes: each one breaks the
	// copy into one more run, a seek and a copy each.
	patchMaxEdits = 256
)

// errLastChanged says the last file written changed while it was copied
// from: the zone is written whole instead.
var errLastChanged = errors.New("the zone file changed while it was copied from")

// lastFile opens the file t was last written to, if the next write should
// copy from it: the text is large and its edits few, and the file at path
// is still as written. Otherwise it returns nil (write the zone whole),
// and says so when the file was changed by someone else.
func (b *ZoneFile) lastFile(path string, t *zoneText) *os.File {
	if t.file == (stateID{}) || t.size < patchMinSize || t.edits > patchMaxEdits {
		return nil
	}
	f, st, err := atomicfile.OpenRegular(path)
	if f == nil || err != nil {
		return nil
	}
	if stateIDOf(st) != t.file {
		f.Close()
		b.log.Warn("zone file changed since dnssync wrote it: writing it whole, the change is not kept", "path", path)
		return nil
	}
	return f
}

// writeFile writes t with serial to f (new, at offset 0): the sets
// unchanged since the last write copied from last, that write's file
// (lastFile), the rest from their text; with last nil, all of them. It
// returns the bytes copied; errLastChanged: last is no longer as written.
// The sets' offsets are those in f from then on, so t knows of no file to
// copy from until the caller notes f's as renamed in (ZoneFile.write).
func (t *zoneText) writeFile(f, last *os.File, serial uint32) (copied int64, err error) {
	want := t.file
	t.file = stateID{}
	bw := bufio.NewWriterSize(f, min(64<<10, t.size+4096))
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
		case s.off == 0 || last == nil:
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
	if last != nil {
		if id, err := fileID(last); err != nil || id != want {
			return copied, errLastChanged
		}
	}
	return copied, nil
}

// fileID is f's stateID.
func fileID(f *os.File) (stateID, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return stateID{}, err
	}
	return stateIDOf(&st), nil
}
