package api

import (
	"os"
	"path/filepath"
	"testing"
)

// In a setgid directory (the installed /run/dnssync) the socket's group
// may connect, whatever the umask (the unit's 0027 left it 0750, and the
// orchestrator, in the directory's group, got "permission denied"); in
// any other directory its group gets no write, so no connection.
func TestListenSharesTheSocketInASetgidDir(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		dirMode os.FileMode
		groupW  bool
	}{
		{"setgid dir", 0o750 | os.ModeSetgid, true},
		{"plain dir", 0o750, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "run")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, c.dirMode); err != nil {
				t.Fatal(err)
			}
			sock := filepath.Join(dir, "api.sock")
			ln, err := listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			fi, err := os.Stat(sock)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm()&0o020 != 0; got != c.groupW {
				t.Errorf("socket mode %04o: group may connect %v, want %v", fi.Mode().Perm(), got, c.groupW)
			}
			if fi.Mode().Perm()&0o007 != 0 && c.groupW {
				t.Errorf("socket mode %04o: open to others", fi.Mode().Perm())
			}
		})
	}
}
