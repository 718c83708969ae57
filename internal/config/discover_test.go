package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Which file a command reads: --config, else $DNSSYNC_CONFIG, else the
// default path when it exists, else the built-in defaults.
func TestDiscoverOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(existing, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "none.toml")
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvConfig {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		name, flag, env, def, want string
	}{
		{"flag first", "flag.toml", "env.toml", existing, "flag.toml"},
		{"env without a flag", "", "env.toml", existing, "env.toml"},
		{"default path when it exists", "", "", existing, existing},
		{"built-in defaults otherwise", "", "", missing, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := discover(c.flag, env(c.env), c.def)
			if err != nil || got != c.want {
				t.Errorf("discover = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// A default path that cannot be looked at (here its directory is a
// file; permissions do the same to a user other than root) is an error,
// never a silent fall back to the built-in defaults, which would run
// dnssync on a config nobody wrote.
func TestDiscoverUnreadableDefault(t *testing.T) {
	t.Parallel()
	notDir := filepath.Join(t.TempDir(), "etc")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notDir, "config.toml")
	if got, err := discover("", func(string) string { return "" }, path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("discover = %q, %v; want an error naming %s", got, err, path)
	}
}

// Discover itself, through the environment and DefaultPath, and the File
// it reports. Not parallel: it sets the environment and DefaultPath.
func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "default.toml")
	env := filepath.Join(dir, "env.toml")
	for path, ttl := range map[string]string{def: "61", env: "62"} {
		if err := os.WriteFile(path, []byte("[orchestrator.dns]\nttl = "+ttl+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	saved := DefaultPath
	t.Cleanup(func() { DefaultPath = saved })

	DefaultPath = filepath.Join(dir, "none.toml")
	t.Setenv(EnvConfig, "")
	c, err := Discover("")
	if err != nil || c.File != "" || c.SourceName() != "built-in defaults" || c.Orchestrator.DNS.TTL != 300 {
		t.Fatalf("nothing to find: %+v, %v; want the built-in defaults", c, err)
	}

	DefaultPath = def
	if c, err = Discover(""); err != nil || c.File != def || c.SourceName() != def || c.Orchestrator.DNS.TTL != 61 {
		t.Fatalf("default path: %v, %v; want %s", c.SourceName(), err, def)
	}

	t.Setenv(EnvConfig, env)
	if c, err = Discover(""); err != nil || c.File != env || c.Orchestrator.DNS.TTL != 62 {
		t.Fatalf("$%s: %v, %v; want %s", EnvConfig, c.SourceName(), err, env)
	}

	t.Setenv(EnvConfig, filepath.Join(dir, "typo.toml"))
	if _, err = Discover(""); err == nil || !strings.Contains(err.Error(), "typo.toml") {
		t.Fatalf("$%s naming a missing file: %v; want an error naming it", EnvConfig, err)
	}
	if c, err = Discover(def); err != nil || c.File != def {
		t.Fatalf("--config over a broken $%s: %v, %v", EnvConfig, c.SourceName(), err)
	}
}

// Relative paths a config file sets are relative to the file's directory;
// absolute ones and the built-in defaults' are left as they are.
func TestRelativePathsFollowTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeConfigIn(t, dir, `
[records]
dir = "records.d"
[backend]
zone_dir = "../zones"
state_dir = "/var/lib/elsewhere"
tsig_secret_file = "keys/tsig.secret"
[api]
token_file = "./tokens"
[audit]
file = "audit.log"
`)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for key, c := range map[string]struct{ got, want string }{
		"records.dir":              {c.Records.Dir, filepath.Join(dir, "records.d")},
		"backend.zone_dir":         {c.Backend.ZoneDir, filepath.Join(filepath.Dir(dir), "zones")},
		"backend.state_dir":        {c.Backend.StateDir, "/var/lib/elsewhere"},
		"backend.tsig_secret_file": {c.Backend.TSIGSecretFile, filepath.Join(dir, "keys", "tsig.secret")},
		"api.token_file":           {c.API.TokenFile, filepath.Join(dir, "tokens")},
		"audit.file":               {c.Audit.File, filepath.Join(dir, "audit.log")},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", key, c.got, c.want)
		}
	}

	// Keys the file leaves alone are the defaults' values, and a relative
	// default is relative to the file's directory too: the daemon (working
	// directory /var/lib/dnssync) and an operator's shell (anywhere) must
	// read the same records.d. Empty paths stay off.
	c, err = Load(writeConfigIn(t, dir, "[orchestrator.dns]\nttl = 60\n[audit]\nfile = \"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "records.d"); c.Records.Dir != want || c.Audit.File != "" || c.API.TokenFile != "" {
		t.Errorf("records.dir %q, audit.file %q, api.token_file %q; want %q and empty paths",
			c.Records.Dir, c.Audit.File, c.API.TokenFile, want)
	}
}

// With no config file at all, the built-in defaults' relative records.dir
// follows the working directory: `make run` and a checkout expect
// records.d there.
func TestDefaultsAloneFollowTheWorkingDirectory(t *testing.T) {
	t.Parallel()
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Records.Dir != "records.d" {
		t.Errorf("records.dir = %q, want the relative records.d", c.Records.Dir)
	}
}

// A config file given by a relative path: its relative paths are relative
// to its directory as the working directory sees it.
func TestRelativeConfigPath(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/relative/config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("testdata", "relative", "records.d"); c.Records.Dir != want {
		t.Errorf("records.dir = %q, want %q", c.Records.Dir, want)
	}
	// `make run`'s config, read from the repository's root as
	// scripts/dev-run.sh does, serves the repository's records.d.
	c, err = Load("../../dev/config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(c.Records.Dir); err != nil || !st.IsDir() || filepath.Clean(c.Records.Dir) != filepath.Join("..", "..", "records.d") {
		t.Errorf("dev/config.toml: records.dir = %q (%v), want the repository's records.d", c.Records.Dir, err)
	}
}

func writeConfigIn(t *testing.T, dir, text string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "config-*.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
