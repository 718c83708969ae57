package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/health/passhealth"
	"github.com/dnssync/dnssync/internal/metrics"
	"github.com/dnssync/dnssync/internal/reconcile"
)

type fixture struct {
	srv     *Server
	tracker *health.Tracker
	metrics *metrics.Metrics
	logs    *bytes.Buffer
}

func newFixture(t *testing.T, listen string) fixture {
	t.Helper()
	reg := prometheus.NewRegistry()
	f := fixture{tracker: health.NewTracker(), metrics: metrics.New(reg), logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(f.logs, nil)).With("component", "api")
	srv, err := New(Options{Listen: listenAt(listen), Health: f.tracker, Gatherer: reg, Log: log, Requests: f.metrics})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

func (f fixture) observe(res reconcile.Result) {
	passhealth.Observe(f.tracker, res)
	f.metrics.Observe(res)
}

func fullPass(err error) reconcile.Result {
	z := reconcile.ZoneResult{Zone: "example.com.", Plan: diff.Plan{Zone: "example.com."}}
	if err != nil {
		z.Err, z.Stage = err, reconcile.StageTransfer
	}
	return reconcile.Result{Full: true, Start: time.Now(), Duration: time.Millisecond, Zones: []reconcile.ZoneResult{z}}
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	f.observe(fullPass(nil))
	w := get(t, f.srv.Handler(), "GET", "/metrics")
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if !strings.Contains(w.Body.String(), `dnssync_reconciles_total{result="ok",scope="full"} 1`) {
		t.Errorf("metrics page lacks the reconcile counter:\n%s", w.Body)
	}
	// The first scrape is counted by the route it matched.
	get(t, f.srv.Handler(), "GET", "/no/such/path")
	w = get(t, f.srv.Handler(), "GET", "/metrics")
	for _, want := range []string{
		`dnssync_api_requests_total{code="200",method="GET",route="/metrics"} 1`,
		`dnssync_api_requests_total{code="404",method="GET",route="none"} 1`,
		`dnssync_api_request_duration_seconds_count{code="200",method="GET",route="/metrics"} 1`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics page lacks %s:\n%s", want, w.Body)
		}
	}
}

func TestMethodsAndPaths(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	h := f.srv.Handler()
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		for _, method := range []string{"POST", "PUT", "DELETE"} {
			w := get(t, h, method, path)
			if w.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", method, path, w.Code)
			}
			if allow := w.Header().Get("Allow"); !strings.Contains(allow, "GET") {
				t.Errorf("%s %s: Allow %q, want GET", method, path, allow)
			}
		}
		if w := get(t, h, "HEAD", path); w.Code == http.StatusMethodNotAllowed {
			t.Errorf("HEAD %s: 405", path)
		}
	}
	for _, path := range []string{"/", "/healthz/x", "/api/v1/records", "/metricsx"} {
		if w := get(t, h, "GET", path); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	// Both in the envelope, not Go's text (routing_test.go has more).
	for _, w := range []*httptest.ResponseRecorder{get(t, h, "GET", "/nope"), get(t, h, "POST", "/healthz")} {
		var env struct {
			Success *bool
			Error   string
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Success == nil || *env.Success || env.Error == "" ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%d %q (%s): want the error envelope", w.Code, w.Body, w.Header().Get("Content-Type"))
		}
	}
}

// loopback is a free port on 127.0.0.1, for servers that never listen
// or listen once.
var loopback = Listen{"tcp", "127.0.0.1:0"}

// listenAt is "host:port" or "unix:/path" as the config parses it.
func listenAt(s string) Listen {
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		return Listen{"unix", path}
	}
	return Listen{"tcp", s}
}

// New takes the address as the config parsed it (config's TestParseListen
// holds which written forms are accepted) and refuses one net.Listen could
// not take; and it needs a tracker and a gatherer.
func TestNewValidates(t *testing.T) {
	opts := func(l Listen) Options {
		return Options{Listen: l, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry()}
	}
	for _, good := range []Listen{loopback, {"tcp", "[::1]:0"}, {"tcp", ":8053"}, {"unix", "/run/dnssync/api.sock"}} {
		if _, err := New(opts(good)); err != nil {
			t.Errorf("New(%+v): %v", good, err)
		}
	}
	for _, bad := range []Listen{{}, {"tcp", ""}, {"unix", "relative.sock"}, {"unix", "/"}, {"udp", "127.0.0.1:8053"}} {
		if _, err := New(opts(bad)); err == nil {
			t.Errorf("New(%+v): no error", bad)
		}
	}
	if _, err := New(Options{Listen: loopback, Gatherer: prometheus.NewRegistry()}); err == nil {
		t.Error("New without a tracker: no error")
	}
	if _, err := New(Options{Listen: loopback, Health: health.NewTracker()}); err == nil {
		t.Error("New without a gatherer: no error")
	}
}

// serve runs Serve in the background and waits until it listens.
func serve(t *testing.T, f fixture) (cancel func() error) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for f.srv.Addr() == "" {
		select {
		case err := <-done:
			stop()
			t.Fatalf("Serve returned before listening: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatal("Serve did not listen within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return func() error {
		stop()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return within 10s of ctx ending")
			return nil
		}
	}
}

func TestServeTCP(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	if f.srv.Addr() != "" {
		t.Fatalf("Addr before Serve = %q", f.srv.Addr())
	}
	stop := serve(t, f)
	addr := f.srv.Addr()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), `"ready":false`) {
		t.Errorf("GET /readyz: %d %s", resp.StatusCode, body)
	}
	if err := f.srv.Serve(context.Background()); err == nil {
		t.Error("a second Serve did not fail")
	}
	if err := stop(); err != nil {
		t.Errorf("Serve after ctx ended: %v, want nil", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still listening after ctx ended")
	}
	if logs := f.logs.String(); !strings.Contains(logs, "api listening") || !strings.Contains(logs, addr) || !strings.Contains(logs, "component=api") {
		t.Errorf("logs lack the start line with addr %s:\n%s", addr, logs)
	}
}

func TestServeTCPPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f := newFixture(t, ln.Addr().String())
	if err := f.srv.Serve(context.Background()); err == nil {
		t.Fatal("Serve on a port in use: no error")
	}
}

func unixClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
	}}
}

func TestServeUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api.sock")
	// A socket file left by a process that died.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}

	f := newFixture(t, "unix:"+path)
	stop := serve(t, f)
	if got := f.srv.Addr(); got != "unix:"+path {
		t.Errorf("Addr = %q, want unix:%s", got, path)
	}
	f.observe(fullPass(nil))
	resp, err := unixClient(path).Get("http://dnssync/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz over the socket: %d", resp.StatusCode)
	}

	// A second server must not take over a socket that is answered.
	g := newFixture(t, "unix:"+path)
	if err := g.srv.Serve(context.Background()); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("Serve on a live socket: %v, want an error", err)
	}

	if err := stop(); err != nil {
		t.Errorf("Serve after ctx ended: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after shutdown: %v, want it removed", err)
	}
}

func TestServeUnixRefusesNonSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "important.txt")
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "unix:"+path)
	if err := f.srv.Serve(context.Background()); err == nil {
		t.Fatal("Serve over a regular file: no error")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
		t.Errorf("regular file touched: %q, %v", b, err)
	}
}

// Shutdown lets a request in flight finish.
func TestServeGracefulShutdown(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	started, release := make(chan struct{}), make(chan struct{})
	f.srv.mux.HandleFunc("GET /test/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	stop := serve(t, f)
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + f.srv.Addr() + "/test/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	addr := f.srv.Addr()
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Shutdown has begun once the listener is closed: a new connection is
	// refused. (Each probe is closed at once: Shutdown would wait for a
	// new connection left open.)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the API still accepts connections 5s after its context ended")
		}
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if s := <-got; s != "done" {
		t.Errorf("request in flight during shutdown: %q, want done", s)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestServerLimits(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	hs := f.srv.httpServer()
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 || hs.MaxHeaderBytes <= 0 || hs.ErrorLog == nil {
		t.Errorf("server without limits or error log: %+v", hs)
	}
}
