package api

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/health/passhealth"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// A pass whose error message holds what must not leak without a token: a
// path and (as a broken error message could) a file's content.
const leakyMsg = "axfr example.com. from 127.0.0.1:53: read /etc/dnssync/tsig.key: SECRET-in-a-message"

func unhealthyServer(t *testing.T, tokens []Token) *Server {
	t.Helper()
	s, _ := recordsServer(t, tokens, 1000, 1000)
	passhealth.Observe(s.health, fullPass(errors.New(leakyMsg)))
	passhealth.Observe(s.health, reconcile.Result{Full: true, Zones: []reconcile.ZoneResult{
		{Zone: "example.com.", Err: errors.New(leakyMsg + " 1"), Stage: reconcile.StageTransfer},
		{Zone: "example.org.", Err: errors.New(leakyMsg + " 2"), Stage: reconcile.StageTransfer},
	}})
	return s
}

// /readyz follows the passes: 503 starting, 503 degraded with the reasons,
// 200 ok; each body decodes into client.Readiness and nothing else.
func TestReadyz(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	h := f.srv.Handler()
	steps := []struct {
		name    string
		res     *reconcile.Result
		code    int
		status  string
		healthy bool
		ready   bool
		reasons []string
	}{
		{"starting", nil, 503, health.StateStarting, false, false, []string{"starting"}},
		{"unreachable", ptr(fullPass(errors.New("axfr example.com. from 127.0.0.1:53: connection refused"))), 503, health.StateDegraded, false, true, []string{"coredns_unreachable"}},
		{"healthy", ptr(fullPass(nil)), 200, health.StateOK, true, true, nil},
	}
	for _, s := range steps {
		if s.res != nil {
			f.observe(*s.res)
		}
		w := get(t, h, "GET", "/readyz")
		if w.Code != s.code {
			t.Errorf("%s: status %d, want %d", s.name, w.Code, s.code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", s.name, ct)
		}
		var st client.Readiness
		dec := json.NewDecoder(w.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st); err != nil {
			t.Fatalf("%s: body: %v", s.name, err)
		}
		var kinds []string
		for _, r := range st.Reasons {
			kinds = append(kinds, r.Kind)
			if r.Message == "" {
				t.Errorf("%s: reason %s without a message", s.name, r.Kind)
			}
		}
		if st.Status != s.status || st.Healthy != s.healthy || st.Ready != s.ready || strings.Join(kinds, ",") != strings.Join(s.reasons, ",") {
			t.Errorf("%s: body %+v, want %s, healthy %v, ready %v, reasons %v", s.name, st, s.status, s.healthy, s.ready, s.reasons)
		}
	}
}

func TestReadyzJSONShape(t *testing.T) {
	f := newFixture(t, "127.0.0.1:0")
	w := get(t, f.srv.Handler(), "GET", "/readyz")
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	// Zero times are left out rather than shown as year 1.
	if _, ok := body["last_reconcile"]; ok {
		t.Errorf("last_reconcile present before any pass: %s", w.Body)
	}
	if r, ok := body["reasons"].([]any); !ok || len(r) != 1 || r[0].(map[string]any)["kind"] != "starting" || body["status"] != "starting" {
		t.Errorf("before a pass: %s", w.Body)
	}
}

// One invalid record file: /readyz is 503 degraded, naming the kind (and
// only the kind without a token); /healthz stays 200, since restarting
// dnssync would not fix a file.
func TestInvalidFileIsNotReadyButAlive(t *testing.T) {
	s, _ := recordsServer(t, []Token{{ID: "a", Secret: goodToken}}, 1000, 1000)
	res := fullPass(nil)
	res.State = &desired.State{Files: 2, Problems: []desired.Problem{{File: "/etc/dnssync/records.d/web.yaml", Line: 2, Msg: "unknown key \"tpye\""}}}
	passhealth.Observe(s.health, res)

	end := jsonTime(t, res.Start.Add(res.Duration)) // the pass ran; only a file is wrong
	w := sendFrom(s, "192.0.2.35:1", "GET", "/readyz", "")
	if w.Code != 503 || w.Body.String() != `{"status":"degraded","healthy":false,"ready":true,"reasons":[{"kind":"invalid_files"}],`+
		`"last_reconcile":`+end+`,"last_reconcile_ok":`+end+"}\n" {
		t.Errorf("/readyz with an invalid file: %d %s; want 503, degraded, invalid_files and no message", w.Code, w.Body)
	}
	w = sendFrom(s, "192.0.2.35:1", "GET", "/healthz", "")
	var l client.Liveness
	if err := json.Unmarshal(w.Body.Bytes(), &l); w.Code != 200 || err != nil || l.Status != health.LiveAlive {
		t.Errorf("/healthz with an invalid file: %d %s (%v); want 200 alive", w.Code, w.Body, err)
	}
}

func jsonTime(t *testing.T, tm time.Time) string {
	t.Helper()
	b, err := json.Marshal(tm)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A loop that stops beating (here: nothing beats, on synctest's fake
// clock) makes /healthz 503 "stuck" once the bound has passed; its next
// beat makes it 200 again. /readyz says nothing about it.
func TestHealthzStuckLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, "127.0.0.1:0")
		h := f.srv.Handler()
		f.tracker.SetStuckAfter(time.Minute)
		f.observe(fullPass(nil))
		liveness := func() (int, client.Liveness) {
			t.Helper()
			w := get(t, h, "GET", "/healthz")
			var l client.Liveness
			dec := json.NewDecoder(w.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("/healthz body: %v", err)
			}
			return w.Code, l
		}
		if code, l := liveness(); code != 200 || l.Status != health.LiveAlive || l.StuckAfterSeconds != 60 || !l.LastHeartbeat.Equal(time.Now()) {
			t.Errorf("after a pass: %d %+v, want 200 alive", code, l)
		}
		time.Sleep(time.Minute + time.Second)
		if code, l := liveness(); code != 503 || l.Status != health.LiveStuck {
			t.Errorf("silent past the bound: %d %+v, want 503 stuck", code, l)
		}
		if w := get(t, h, "GET", "/readyz"); w.Code != 200 {
			t.Errorf("/readyz of a stuck loop: %d, want the last pass's 200 (liveness is /healthz's)", w.Code)
		}
		f.tracker.Beat()
		if code, l := liveness(); code != 200 || l.Status != health.LiveAlive {
			t.Errorf("after a beat: %d %+v, want 200 alive", code, l)
		}
	})
}

// Without a token /readyz says only the status and the reasons' kinds;
// with a valid token (any case of "Bearer") it says why, messages
// included. A wrong token gets the short answer, not a 401.
func TestReadyzMessagesNeedAToken(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	for _, c := range []struct {
		name     string
		header   []string
		messages bool
	}{
		{"no token", nil, false},
		{"wrong token", []string{"Authorization", "Bearer " + badToken}, false},
		{"not bearer", []string{"Authorization", "Basic " + goodToken}, false},
		{"token", []string{"Authorization", "Bearer " + goodToken}, true},
		{"lower-case scheme", []string{"Authorization", "bearer " + goodToken}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := sendFrom(s, "192.0.2.30:1", "GET", "/readyz", "", c.header...)
			if w.Code != 503 {
				t.Errorf("status %d, want 503", w.Code)
			}
			body := w.Body.String()
			var st client.Readiness
			if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Healthy || !st.Ready || st.Status != health.StateDegraded || len(st.Reasons) == 0 {
				t.Fatalf("body %s: %v", body, err)
			}
			if st.Reasons[0].Kind != health.KindCoreDNSUnreachable {
				t.Errorf("reasons %+v, want kind %s", st.Reasons, health.KindCoreDNSUnreachable)
			}
			leaked := strings.Contains(body, "SECRET") || strings.Contains(body, "tsig.key") || strings.Contains(body, `"message"`)
			if leaked != c.messages {
				t.Errorf("messages shown: %v, want %v: %s", leaked, c.messages, body)
			}
			if !c.messages && len(st.Reasons) != 1 {
				t.Errorf("kinds repeated without messages: %s", body)
			}
		})
	}
}

// Without tokens the API listens on loopback or a socket only, and its
// callers may write records: they are trusted with the messages too.
func TestReadyzMessagesWithoutTokens(t *testing.T) {
	s := unhealthyServer(t, nil)
	w := sendFrom(s, "127.0.0.1:1", "GET", "/readyz", "")
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"message"`) {
		t.Errorf("without tokens: %d %s, want the messages", w.Code, w.Body)
	}
}

// /healthz is liveness only: 200 however unhealthy the zones are, to
// anyone, with or without a token, and never a reason, a kind or a
// message.
func TestHealthzSaysOnlyLiveness(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	for _, h := range [][]string{nil, {"Authorization", "Bearer " + goodToken}, {"Authorization", "Bearer " + badToken}} {
		w := sendFrom(s, "192.0.2.31:1", "GET", "/healthz", "", h...)
		body := w.Body.String()
		if w.Code != 200 || !strings.HasPrefix(body, `{"status":"alive","last_heartbeat":"`) {
			t.Errorf("/healthz %v: %d %s; want 200 alive", h, w.Code, body)
		}
		for _, leak := range []string{"reason", "kind", "message", "SECRET", "tsig.key", "example"} {
			if strings.Contains(body, leak) {
				t.Errorf("/healthz %v holds %q: %s", h, leak, body)
			}
		}
	}
}

// A wrong token on /readyz is a failed login: guessing tokens there is
// limited like anywhere else (in the probes' own bucket: see
// TestStaleHealthProbeNeverLocksOutTheAPI), and the probe still gets its
// answer.
func TestReadyzWrongTokensLimited(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	for i := 0; i < failBurst; i++ {
		sendFrom(s, "192.0.2.32:1", "GET", "/readyz", "", "Authorization", "Bearer "+badToken)
	}
	w := sendFrom(s, "192.0.2.32:1", "GET", "/readyz", "", "Authorization", "Bearer "+goodToken)
	if w.Code != 503 || strings.Contains(w.Body.String(), `"message"`) {
		t.Errorf("right token after %d wrong ones: %d %s; want the short answer", failBurst, w.Code, w.Body)
	}
}

// /readyz's messages leave the server's own paths behind, as every API
// error does: a file in the records dir is records.d/<file>, any other
// absolute path .../<base name>. Also when the records API is off (the
// probes are served all the same).
func TestReadyzRedactsPaths(t *testing.T) {
	t.Parallel()
	withAPI, dir := recordsServer(t, nil, 1000, 1000)
	offDir := t.TempDir()
	withoutAPI, err := New(Options{Listen: loopback, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), RecordsDir: offDir})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		s   *Server
		dir string
	}{"records API on": {withAPI, dir}, "records API off": {withoutAPI, offDir}} {
		t.Run(name, func(t *testing.T) {
			res := fullPass(errors.New("axfr example.com. from 127.0.0.1:53: read /var/lib/dnssync/state/serials.json: bad"))
			res.State = &desired.State{Files: 2, Problems: []desired.Problem{{File: filepath.Join(c.dir, "web.yaml"), Line: 2, Msg: "unknown key \"tpye\""}}}
			passhealth.Observe(c.s.health, res)
			w := sendFrom(c.s, "127.0.0.1:1", "GET", "/readyz", "")
			body := w.Body.String()
			if w.Code != 503 || !strings.Contains(body, "records.d/web.yaml:2") || !strings.Contains(body, ".../serials.json") {
				t.Errorf("/readyz: %d %s; want records.d/web.yaml:2 and .../serials.json", w.Code, body)
			}
			for _, leak := range []string{c.dir, "/var/lib/dnssync"} {
				if strings.Contains(body, leak) {
					t.Errorf("/readyz names %s: %s", leak, body)
				}
			}
		})
	}
}
