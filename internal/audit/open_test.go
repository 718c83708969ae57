package audit

import (
	"os"
	"path/filepath"
	"testing"
)

// The audit file is as writable for its group as its directory is: in
// the installed /var/log/dnssync (2770, group dnssync-records) the daemon
// and an orchestrator's CLI commands both append to it, whichever of them
// created it and under whatever umask (the unit's is 0027); in a
// directory its group may not write (the state dir, whose group CoreDNS
// is in) the group only reads it.
func TestOpenGivesTheGroupWhatTheDirGives(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		dirMode  os.FileMode
		wantMode os.FileMode
	}{
		{"group-writable dir", 0o770 | os.ModeSetgid, 0o660},
		{"group-readable dir", 0o750, 0o640},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "log")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.dirMode); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "audit.log")
			l, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if err := l.Record(Event{Kind: "cli", Result: "ok"}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tc.wantMode {
				t.Errorf("audit file mode %04o, want %04o", got, tc.wantMode)
			}
			// Reopen after rotation makes the new file the same way.
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			if err := l.Reopen(); err != nil {
				t.Fatal(err)
			}
			if fi, err = os.Stat(path); err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tc.wantMode {
				t.Errorf("reopened audit file mode %04o, want %04o", got, tc.wantMode)
			}
		})
	}
}
