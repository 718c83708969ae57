package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Reading back what dnssync wrote into its state directory (held.json,
// zones.json, the DNSSEC key store): never through a link, never a FIFO
// or a device (an open would block, a read never end, and every pass
// would hang on it). Errors say what is wrong with the file, never what
// it holds.

// ErrNotRegular marks a file that is a symbolic link, a FIFO, a device or
// a directory where a regular file was expected.
var ErrNotRegular = errors.New("not a regular file")

// ReadRegular returns the content of the regular file at path and its
// stat, or nil content (and no error) when there is no file. The content
// of an empty file is empty, not nil.
func ReadRegular(path string) ([]byte, *unix.Stat_t, error) {
	file, st, err := OpenRegular(path)
	if file == nil {
		return nil, nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot be read: %w", err)
	}
	if b == nil {
		b = []byte{} // empty, not missing
	}
	return b, st, nil
}

// OpenRegular opens the regular file at path for reading, and returns its
// stat; no file is nil, nil, nil. A link, a FIFO or a device is
// ErrNotRegular, and is never waited on.
func OpenRegular(path string) (*os.File, *unix.Stat_t, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil, nil, nil
	case errors.Is(err, unix.ELOOP):
		return nil, nil, fmt.Errorf("is a symbolic link: %w", ErrNotRegular)
	case err != nil:
		return nil, nil, fmt.Errorf("cannot be opened: %w", err)
	}
	file := os.NewFile(uintptr(fd), path)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		file.Close()
		return nil, nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		file.Close()
		return nil, nil, fmt.Errorf("is %w", ErrNotRegular)
	}
	return file, &st, nil
}
