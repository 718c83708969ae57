package api

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRedact(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "records.d")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	r := newRedactor(link + "/")
	for _, tt := range []struct{ in, want string }{
		{"remove " + link + "/api-web.yaml: permission denied", "remove records.d/api-web.yaml: permission denied"},
		{"open " + real + "/.tmp-1: no space left on device", "open records.d/.tmp-1: no space left on device"},
		{"declared in " + link + "/a.yaml:3, " + link + "/b.yaml:1; change that file", "declared in records.d/a.yaml:3, records.d/b.yaml:1; change that file"},
		{"readdir " + link + ": permission denied", "readdir records.d: permission denied"},
		{"stat " + link + "x/y.yaml: gone", "stat .../y.yaml: gone"}, // not the records dir: a longer name
		{"write /var/lib/dnssync/db.example.com: read-only file system", "write .../db.example.com: read-only file system"},
		{`invalid "/etc/passwd"`, `invalid ".../passwd"`},
		// Not paths: left alone.
		{"record_type: unknown type A/AAAA", "record_type: unknown type A/AAAA"},
		{"v=spf1 ip4:192.0.2.0/24 -all", "v=spf1 ip4:192.0.2.0/24 -all"},
		{"records.d/api-web.yaml: 3 values", "records.d/api-web.yaml: 3 values"},
		{"a / b", "a / b"},
	} {
		if got := r.text(tt.in); got != tt.want {
			t.Errorf("text(%q) =\n%q, want\n%q", tt.in, got, tt.want)
		}
	}
	var none *redactor // the records API off: other paths still go
	if got := none.text("open /srv/x.yaml: no"); got != "open .../x.yaml: no" {
		t.Errorf("nil redactor: %q", got)
	}
}

// A zones.d file is named zones.d/<file>, beside records.d's: both dirs
// are redacted, also with only the zones dir known.
func TestRedactZonesDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	recs, zs := filepath.Join(root, "records.d"), filepath.Join(root, "zones.d")
	r := newRedactor(recs).withZones(zs)
	in := zs + "/b.yaml:2: zone x.example. is declared in " + zs + "/a.yaml:2 too; " + recs + "/w.yaml:3: bad"
	want := "zones.d/b.yaml:2: zone x.example. is declared in zones.d/a.yaml:2 too; records.d/w.yaml:3: bad"
	if got := r.text(in); got != want {
		t.Errorf("text =\n%q, want\n%q", got, want)
	}
	if got := (*redactor)(nil).withZones(zs).text("open " + zs + "/c.yaml: no"); got != "open zones.d/c.yaml: no" {
		t.Errorf("zones dir only: %q", got)
	}
}
