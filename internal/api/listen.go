package api

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"time"
)

// listen opens the listener. For a unix socket, a socket file left by a
// process that died is removed first; a socket someone still answers on,
// or a file that is not a socket, is an error rather than something to
// delete.
func listen(network, address string) (net.Listener, error) {
	if network == "unix" {
		if err := removeStaleSocket(address); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, fmt.Errorf("api: listen on %s %s: %w", network, address, err)
	}
	if network == "unix" {
		if err := shareSocket(address); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return ln, nil
}

func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("api: socket %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("api: socket %s: exists and is not a socket; not removing it", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("api: socket %s: another process is listening on it", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("api: remove stale socket %s: %w", path, err)
	}
	return nil
}
