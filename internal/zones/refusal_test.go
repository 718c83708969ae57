package zones

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
)

// errSigned stands for a config.Config.DNSSECRefusal that refuses signed
// zones: no backend does today (an rfc2136 server signs its own), but the
// hook must keep working for the one that will.
var errSigned = errors.New("this backend cannot serve it signed")

func refuseSigned(z config.Zone) error {
	if z.DNSSEC {
		return errSigned
	}
	return nil
}

// A zones.d zone the backend cannot serve as declared is left out of the
// set, and its file has a problem saying why, as a conflict does; the
// file's `dnssec` key is read, and round-trips through WriteFile.
func TestZonesDirRefusesWhatTheBackendCannotServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := WriteFile(dir, config.ZoneSpec{Name: "signed.example", DNSSEC: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain.yaml"), []byte("zone:\n  name: plain.example\n  dnssec: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := all.Zone("signed.example."); !ok || !z.DNSSEC || len(all.Problems()) != 0 {
		t.Fatalf("without a refusal: signed.example %+v (found %v), problems %v; want it signed, no problem", z, ok, all.Problems())
	}
	s, _, err := CatalogDir{Dir: NewDir(dir, nil), Refuse: refuseSigned}.Scan()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Names(); len(got) != 1 || got[0] != "plain.example." {
		t.Errorf("zones = %v, want only plain.example.", got)
	}
	p := s.Problems()
	if len(p) != 1 || filepath.Base(p[0].File) != "signed.example.yaml" || !strings.Contains(p[0].Msg, errSigned.Error()) {
		t.Errorf("problems = %v, want one on signed.example.yaml saying why", p)
	}
}

// The zones API and `dnssync zones add` refuse such a zone before
// writing anything.
func TestEditorRefusesWhatTheBackendCannotServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &Editor{Dir: dir, Refuse: refuseSigned}
	_, err := e.Add(t.Context(), client.Zone{Name: "signed.example", DNSSEC: true})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), errSigned.Error()) {
		t.Fatalf("Add = %v, want ErrInvalid saying why", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("zones.d holds %d entries after a refused add, want none", len(ents))
	}
	if _, err := e.Add(t.Context(), client.Zone{Name: "plain.example"}); err != nil {
		t.Errorf("Add of an unsigned zone = %v", err)
	}
}

// With the rfc2136 backend the server signs: a zone marked dnssec is
// added through zones.d and the API like any other, and stays marked.
func TestEditorAddsServerSignedZone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(conf, []byte("[backend]\ntype = \"rfc2136\"\ntsig_secret_file = \"/nonexistent\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(conf)
	if err != nil {
		t.Fatal(err)
	}
	e := &Editor{Dir: dir, Refuse: cfg.DNSSECRefusal}
	if _, err := e.Add(t.Context(), client.Zone{Name: "signed.example", DNSSEC: true}); err != nil {
		t.Fatalf("Add of a server-signed zone = %v", err)
	}
	s, _, err := CatalogDir{Dir: NewDir(dir, nil), Refuse: cfg.DNSSECRefusal}.Scan()
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := s.Zone("signed.example."); !ok || !z.DNSSEC || len(s.Problems()) != 0 {
		t.Errorf("zones.d after the add: signed.example %+v (found %v), problems %v; want it, marked dnssec", z, ok, s.Problems())
	}
}
