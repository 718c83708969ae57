package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
)

// A trust anchor naming a [[zones]] zone without dnssec = true is refused
// at wiring (the daemon does not start, `dnssync verify` fails), naming
// the file and line and quoting no record; one naming no [[zones]] zone
// may name a zones.d zone still to come, and is the check's to fail
// (reconcile.DNSSECCheck.Anchors), with where it is written.
func TestDNSSECCheckAnchorNamesUnsignedZone(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "anchors")
	text := "; anchors\nsigned.test. 3600 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23\n" +
		"plain.test. 3600 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23\n" +
		"later.test. 3600 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{
		Backend: config.Backend{Type: config.RFC2136, StateDir: t.TempDir()},
		Zones:   []config.Zone{{Name: "signed.test.", DNSSEC: true}, {Name: "plain.test."}},
		DNSSEC:  config.DNSSEC{TrustAnchors: path},
	}
	_, err := dnssecCheck(cfg)
	if want := path + ":3: [dnssec] trust_anchors names plain.test., a [[zones]] zone without dnssec = true"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	cfg.Zones[1].DNSSEC = true
	c, err := dnssecCheck(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Anchors["later.test."]; got != path+":4" {
		t.Errorf("later.test.'s anchor is at %q, want %s:4", got, path)
	}
}
