package api

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// A unix socket client is known by its uid (SO_PEERCRED), in the audit
// log and for the failed-login limit, not as "unix" shared by every local
// user: one user's failures must not lock out the others.
func TestUnixClientsKnownByUID(t *testing.T) {
	dir := t.TempDir()
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	sock := filepath.Join(t.TempDir(), "api.sock")
	s, err := New(Options{Listen: Listen{"unix", sock}, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), Records: &RecordsOptions{
		Registry: &registry.Registry{Options: opts, Declared: store}, Declared: store,
		Resolver: &verify.Resolver{Addr: "127.0.0.1:1", Timeout: 100 * time.Millisecond},
		Tokens:   []Token{{ID: "ci", Secret: goodToken}}, Rate: 1000, Burst: 1000,
	}})
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.SetAudit(l)
	stop := serve(t, fixture{srv: s})
	defer stop()

	c := unixClient(sock)
	req, _ := http.NewRequest("GET", "http://dnssync/api/v1/dns/records", nil)
	req.Header.Set("Authorization", "Bearer "+badToken)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("bad token over the socket: %d, want 401", resp.StatusCode)
	}
	want := fmt.Sprintf(`"client":"unix:uid=%d"`, os.Getuid())
	if raw, _ := os.ReadFile(logPath); !strings.Contains(string(raw), want) {
		t.Errorf("audit line lacks %s:\n%s", want, raw)
	}
}
