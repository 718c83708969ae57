package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestMain keeps the machine's own dnssync setup out of the tests: a
// config at /etc/dnssync/config.toml (an installed package), or a
// $DNSSYNC_CONFIG, $DNSSYNC_TOKEN, $JOURNAL_STREAM or $NO_COLOR in the
// environment, would change what a command without --config reads, what
// it sends and how it logs.
func TestMain(m *testing.M) {
	config.DefaultPath = "/nonexistent/dnssync/config.toml"
	for _, v := range []string{config.EnvConfig, envToken, "JOURNAL_STREAM", "NO_COLOR"} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}

// relativeEnv writes a config whose paths are all relative, in a directory
// of its own, with those directories and a token file in place.
func relativeEnv(t *testing.T) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	for _, d := range []string{"records.d", "zones", "state"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "tokens"), []byte("ci:0123456789abcdef-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "config.toml")
	c := corednstest.Config{
		DNS:     corednstest.DNS{Addr: "127.0.0.1:1"},
		Records: corednstest.Records{Dir: "records.d"},
		Backend: corednstest.Backend{ZoneDir: "zones", StateDir: "state"},
		API:     &corednstest.API{Listen: "127.0.0.1:0", TokenFile: "tokens"},
		Zones:   []string{"example.com"},
	}
	if err := c.Write(cfg); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

// A command without --config reads $DNSSYNC_CONFIG, else the default path
// when it exists; the config's relative paths are its directory's, not
// the working directory's; check-config's ok line names the file it used.
// Not parallel: it sets the environment and config.DefaultPath.
func TestConfigDiscovery(t *testing.T) {
	dir, cfg := relativeEnv(t)
	wantOK := fmt.Sprintf("ok: config and %s are valid (config: %s)\n", filepath.Join(dir, "records.d"), cfg)

	t.Setenv(config.EnvConfig, cfg)
	if code, out, stderr := runArgs(t, "check-config"); code != exitOK || out != wantOK {
		t.Errorf("check-config with $%s: exit %d, stdout %q, stderr %q; want %q", config.EnvConfig, code, out, stderr, wantOK)
	}

	t.Setenv(config.EnvConfig, "")
	t.Cleanup(func() { config.DefaultPath = "/nonexistent/dnssync/config.toml" })
	config.DefaultPath = cfg
	if code, out, stderr := runArgs(t, "check-config"); code != exitOK || out != wantOK {
		t.Errorf("check-config with the default path: exit %d, stdout %q, stderr %q; want %q", code, out, stderr, wantOK)
	}
	// The other commands find it too: a record registered here lands in
	// the config's records.d.
	if code, _, stderr := runArgs(t, "register", "web-01.example.com", "192.0.2.10"); code != exitOK {
		t.Fatalf("register: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "records.d", "api-web-01.example.com.yaml")); err != nil {
		t.Errorf("register wrote elsewhere: %v", err)
	}
}

// --api takes its token from --token-file, else from $DNSSYNC_TOKEN (one
// token line, as in the file: "ID:TOKEN" sends TOKEN); the file wins. The
// token is never printed, not even when the API refuses it. Not parallel:
// it sets the environment.
func TestTokenFromEnv(t *testing.T) {
	var (
		mu   sync.Mutex
		auth []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"success":false,"error":"invalid bearer token"}`)
	}))
	defer api.Close()
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte("file:0123456789abcdef-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, env string
		args      []string
		want      string
	}{
		{"env", "0123456789abcdef-env", nil, "Bearer 0123456789abcdef-env"},
		{"env with an ID", "ci:0123456789abcdef-env", nil, "Bearer 0123456789abcdef-env"},
		{"file over env", "ci:0123456789abcdef-env", []string{"--token-file", tokens}, "Bearer 0123456789abcdef-file"},
		{"neither", "", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(envToken, c.env)
			mu.Lock()
			auth = nil
			mu.Unlock()
			code, out, stderr := runArgs(t, append([]string{"records", "list", "--api", api.URL}, c.args...)...)
			mu.Lock()
			defer mu.Unlock()
			if code != exitError || len(auth) != 1 || auth[0] != c.want {
				t.Errorf("exit %d, sent %q; want exit %d sending %q", code, auth, exitError, c.want)
			}
			if strings.Contains(out+stderr, "0123456789abcdef") {
				t.Errorf("the token is in the output: %q %q", out, stderr)
			}
		})
	}
}
