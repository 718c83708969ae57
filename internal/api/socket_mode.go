package api

import (
	"fmt"
	"os"
	"path/filepath"
)

// shareSocket lets the socket's group connect when its directory is
// setgid. Connecting to a unix socket takes write permission on it, and
// the socket is made under the process's umask (the unit's 0027: no group
// write), so without this only its owner could connect. A setgid
// directory is the operator saying that its group shares what is made
// there (as installed: /run/dnssync, 2750 dnssync:dnssync-records, so
// that the orchestrator connects and nobody else: the directory keeps out
// everyone else). In any other directory the socket's group is the
// daemon's own (which CoreDNS may be in), and it stays as the umask made it.
func shareSocket(path string) error {
	dir, err := os.Stat(filepath.Dir(path))
	if err != nil || dir.Mode()&os.ModeSetgid == 0 {
		return nil
	}
	if err := os.Chmod(path, 0o660); err != nil {
		return fmt.Errorf("api: socket %s: let its group connect: %w", path, err)
	}
	return nil
}
