package audit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// openFile opens the audit file at path for appending, creating it when
// missing. A file it creates is 0640, and 0660 when its directory is
// group-writable: several processes append to one trail (the daemon and
// each CLI command, as different users), and the directory's group is who
// shares it (as installed: /var/log/dnssync, 2770 dnssync:dnssync-records,
// so that an orchestrator's `dnssync register` can append where the
// daemon does). Members of a group that may write the directory could
// replace the file anyway, so the file gives them nothing more; a group
// that may only read the directory (the state dir's, which CoreDNS is in)
// only reads the file. The mode is set explicitly, not left to the umask
// (the unit's 0027 would take the group's write away). A file that is
// there already is opened as it is.
func openFile(path string) (*os.File, error) {
	const flags = os.O_WRONLY | os.O_APPEND
	f, err := os.OpenFile(path, flags|os.O_CREATE|os.O_EXCL, 0o640)
	if errors.Is(err, fs.ErrExist) {
		return os.OpenFile(path, flags, 0)
	}
	if err != nil {
		return nil, err
	}
	mode := os.FileMode(0o640)
	if dir, err := os.Stat(filepath.Dir(path)); err == nil && dir.Mode().Perm()&0o020 != 0 {
		mode = 0o660
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
