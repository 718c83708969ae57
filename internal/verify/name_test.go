package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/desired"
)

// Name checks what records.d declares at a name against the server, and
// refuses, with errors a caller branches on, a name no file could declare
// and one no file declares.
func TestName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := "records:\n  - name: web-01.example.com\n    type: A\n    values: [192.0.2.10, 192.0.2.11]\n  - name: web-01.example.com\n    type: AAAA\n    value: 2001:db8::10\n"
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	store := desired.NewStore(desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}, nil)
	if _, err := store.Scan(); err != nil {
		t.Fatal(err)
	}
	addr := nameserver(t, answering(t, true, "web-01.example.com. 300 IN A 192.0.2.10", "web-01.example.com. 300 IN A 192.0.2.11"))
	r := &Resolver{Addr: addr, Timeout: time.Second}

	v, err := Name(context.Background(), r, "WEB-01.example.com.", store)
	if err != nil || v.Name != "web-01.example.com" || v.Verified || v.Checked != 2 || len(v.Records) != 2 ||
		v.Records[0].Status != "verified" || v.Records[1].Status != "missing" {
		t.Errorf("Name: %+v, %v; want A verified, AAAA missing", v, err)
	}

	for _, c := range []struct {
		name, msg string
		is        error
	}{
		{"nothing.example.com", "nothing.example.com is not declared in records.d", ErrNotDeclared},
		{"Nothing.Example.COM.", "nothing.example.com is not declared in records.d", ErrNotDeclared},
		{"a..example.com", "invalid name: empty label", ErrInvalidName},
		{"", "invalid name: empty name", ErrInvalidName},
	} {
		if _, err := Name(context.Background(), r, c.name, store); !errors.Is(err, c.is) || err.Error() != c.msg {
			t.Errorf("Name(%q): %v, want %q (%v)", c.name, err, c.msg, c.is)
		}
	}
}
