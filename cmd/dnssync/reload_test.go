package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
)

// A SIGHUP reloads the very file the daemon started from. When that file
// is briefly missing (an editor renaming its copy in), the reload is
// refused, never the built-in defaults (no token file: an API without
// auth; example.com for the zones). Not parallel: it sets
// config.DefaultPath.
func TestReloadPinsTheStartFile(t *testing.T) {
	_, cfg := relativeEnv(t)
	t.Cleanup(func() { config.DefaultPath = "/nonexistent/dnssync/config.toml" })
	config.DefaultPath = cfg
	running, err := config.Discover("")
	if err != nil || running.File != cfg {
		t.Fatalf("start: %v, %v; want %s", running.SourceName(), err, cfg)
	}

	moved := cfg + ".swp"
	if err := os.Rename(cfg, moved); err != nil {
		t.Fatal(err)
	}
	if next, err := reloadConfig(running); err == nil || !strings.Contains(err.Error(), cfg) {
		t.Fatalf("reload with %s missing: %v, %v; want it refused naming the file", cfg, next.SourceName(), err)
	}

	// Back in place, edited: the reload reads it.
	b, err := os.ReadFile(moved)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(b, []byte("\n[log]\nlevel = \"debug\"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	next, err := reloadConfig(running)
	if err != nil || next.File != cfg || next.Log.Level.String() != "DEBUG" || next.API.TokenFile != filepath.Join(filepath.Dir(cfg), "tokens") {
		t.Fatalf("reload: %+v, %v; want %s with level debug and its token file", next, err, cfg)
	}
}

// A daemon that started on the built-in defaults (no file anywhere) finds
// a config file installed since: the reload looks for one again, and from
// then on that file is pinned. Not parallel: it sets config.DefaultPath.
func TestReloadFromDefaultsFindsANewFile(t *testing.T) {
	_, cfg := relativeEnv(t)
	running, err := config.Discover("")
	if err != nil || running.File != "" {
		t.Fatalf("start: %v, %v; want the built-in defaults", running.SourceName(), err)
	}
	if next, err := reloadConfig(running); err != nil || next.File != "" {
		t.Fatalf("reload with no file: %v, %v; want the built-in defaults again", next.SourceName(), err)
	}
	t.Cleanup(func() { config.DefaultPath = "/nonexistent/dnssync/config.toml" })
	config.DefaultPath = cfg
	if next, err := reloadConfig(running); err != nil || next.File != cfg {
		t.Fatalf("reload after %s appeared: %v, %v; want it read", cfg, next.SourceName(), err)
	}
}
