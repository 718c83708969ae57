package registry

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/desired"
)

func newRegistry(t *testing.T) (*Registry, *desired.Store, string) {
	t.Helper()
	dir := t.TempDir()
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	return &Registry{Options: opts, Declared: store}, store, dir
}

func rescan(t *testing.T, s *desired.Store) {
	t.Helper()
	if _, err := s.Scan(); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterUpdateUnregister(t *testing.T) {
	r, store, dir := newRegistry(t)
	ch, err := r.Register(t.Context(), Record{Name: "Web-01.example.com", Type: "a", Value: "192.0.2.1"})
	if err != nil || !ch.Changed || len(ch.After) != 1 || len(ch.Before) != 0 {
		t.Fatalf("register: %+v %v", ch, err)
	}
	path := filepath.Join(dir, "api-web-01.example.com.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("api file: %v", err)
	}
	// The loader accepts what the registry wrote.
	rescan(t, store)
	if got := store.DeclaredAt("web-01.example.com."); len(got) != 1 || got[0].File != path {
		t.Fatalf("declared: %+v", got)
	}
	if ch, err := r.Register(t.Context(), Record{Name: "web-01.example.com", Type: "A", Value: "192.0.2.1"}); err != nil || ch.Changed {
		t.Errorf("same record again: %+v %v", ch, err)
	}
	if ch, err := r.Register(t.Context(), Record{Name: "web-01.example.com", Type: "A", Value: "192.0.2.2"}); err != nil || len(ch.After) != 2 {
		t.Errorf("second value: %+v %v", ch, err)
	}
	if ch, err := r.Update(t.Context(), Record{Name: "web-01.example.com", Type: "A", Value: "192.0.2.3"}); err != nil || len(ch.After) != 1 || len(ch.Before) != 2 {
		t.Errorf("update: %+v %v", ch, err)
	}
	if _, err := r.Unregister(t.Context(), "web-01.example.com", "AAAA"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unregister a type never registered: %v", err)
	}
	if ch, err := r.Unregister(t.Context(), "web-01.example.com", ""); err != nil || len(ch.After) != 0 {
		t.Errorf("unregister: %+v %v", ch, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("api file left after its last record: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	r, store, dir := newRegistry(t)
	person := filepath.Join(dir, "db.yaml")
	os.WriteFile(person, []byte("records:\n  - name: db.example.com\n    type: A\n    value: 192.0.2.5\n"), 0o644)
	rescan(t, store)
	cases := []struct {
		name string
		do   func() error
		err  error
		msg  string
	}{
		{"same type as a person's file", func() error {
			_, err := r.Register(t.Context(), Record{Name: "db.example.com", Type: "A", Value: "192.0.2.6"})
			return err
		}, ErrConflict, "db.yaml:2"},
		{"CNAME beside a person's A", func() error {
			_, err := r.Register(t.Context(), Record{Name: "db.example.com", Type: "CNAME", Value: "x.example.com"})
			return err
		}, ErrConflict, "db.yaml"},
		{"removing a person's records", func() error {
			_, err := r.Unregister(t.Context(), "db.example.com", "")
			return err
		}, ErrConflict, "change that file instead"},
		{"outside every zone", func() error {
			_, err := r.Register(t.Context(), Record{Name: "a.example.net", Type: "A", Value: "192.0.2.1"})
			return err
		}, ErrInvalid, "example.net"},
		{"bad address", func() error {
			_, err := r.Register(t.Context(), Record{Name: "a.example.com", Type: "A", Value: "192.0.2.300"})
			return err
		}, ErrInvalid, "192.0.2.300"},
		{"unknown type", func() error {
			_, err := r.Register(t.Context(), Record{Name: "a.example.com", Type: "BOGUS", Value: "x"})
			return err
		}, ErrInvalid, "record_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("err = %v, want %v mentioning %q", err, c.err, c.msg)
			}
		})
	}
	if b, _ := os.ReadFile(person); !strings.Contains(string(b), "192.0.2.5") || strings.Contains(string(b), "192.0.2.6") {
		t.Errorf("the person's file changed:\n%s", b)
	}
	// Within the API's own file a CNAME cannot join other data either.
	if _, err := r.Register(t.Context(), Record{Name: "c.example.com", Type: "A", Value: "192.0.2.7"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register(t.Context(), Record{Name: "c.example.com", Type: "CNAME", Value: "db.example.com"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CNAME beside the API's own A: %v", err)
	}
	// Nothing invalid was left behind for the loader.
	if problems, err := desired.Validate(r.Options); err != nil || len(problems) > 0 {
		t.Errorf("records dir after refusals: %v %v", problems, err)
	}
}
