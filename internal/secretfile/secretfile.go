// Package secretfile reads the files that hold dnssync's secrets (the TSIG
// secret, the API's tokens) under one rule, so that each setting refuses
// the same things with the same words: a secret that every user on the
// host can read is no longer a secret, and one that every user can write
// lets any of them plant their own key or token. Such a file is refused
// with the command that fixes it; nothing it holds is ever quoted.
//
// Only a regular file is read, opened without blocking (a FIFO named as
// the secret would otherwise hang the start, and check-config), and only
// up to a bound: a secret is a line or a few.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// maxSize bounds what is read: a token file of a few hundred tokens is
// far below it.
const maxSize = 1 << 20

// Read returns the content of the secret file at path. setting names it in
// errors, as the config does ("tsig_secret_file").
func Read(setting, path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %s is not a regular file", setting, path)
	}
	if err := CheckMode(setting, path, fi.Mode()); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, err)
	}
	if len(b) > maxSize {
		return nil, fmt.Errorf("%s %s is larger than %d bytes; is it the right file?", setting, path, maxSize)
	}
	return b, nil
}

// ErrOpenToAll marks a secret file that other users may read or write.
var ErrOpenToAll = errors.New("open to every user")

// CheckMode refuses a mode that lets users other than the owner and the
// group read or write the file.
func CheckMode(setting, path string, mode fs.FileMode) error {
	perm := mode.Perm()
	var what string
	switch {
	case perm&0o006 == 0o006:
		what = "readable and writable by every user"
	case perm&0o004 != 0:
		what = "readable by every user"
	case perm&0o002 != 0:
		what = "writable by every user"
	default:
		return nil
	}
	return fmt.Errorf("%s %s is %s (mode %04o): %w; run `chmod 600 %s` (or 640 with a group dnssync is in)", setting, path, what, perm, ErrOpenToAll, path)
}
