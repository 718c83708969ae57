package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// A pass whose error message holds what must not leak without a token: a
// path and (as a broken error message could) a file's content.
const leakyMsg = "axfr example.com. from 127.0.0.1:53: read /etc/dnssync/tsig.key: SECRET-in-a-message"

func unhealthyServer(t *testing.T, tokens []Token) *Server {
	t.Helper()
	s, _ := recordsServer(t, tokens, 1000, 1000)
	s.health.Observe(fullPass(errors.New(leakyMsg)))
	s.health.Observe(reconcile.Result{Full: true, Zones: []reconcile.ZoneResult{
		{Zone: "example.com.", Err: errors.New(leakyMsg + " 1"), Stage: reconcile.StageTransfer},
		{Zone: "example.org.", Err: errors.New(leakyMsg + " 2"), Stage: reconcile.StageTransfer},
	}})
	return s
}

// Without a token /healthz says only the status and the reasons' kinds;
// with a valid token (any case of "Bearer") it says why, messages
// included. A wrong token gets the short answer, not a 401.
func TestHealthzMessagesNeedAToken(t *testing.T) {
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
			w := sendFrom(s, "192.0.2.30:1", "GET", "/healthz", "", c.header...)
			if w.Code != 503 {
				t.Errorf("status %d, want 503", w.Code)
			}
			body := w.Body.String()
			var st health.Status
			if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Healthy || !st.Ready || len(st.Reasons) == 0 {
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
func TestHealthzMessagesWithoutTokens(t *testing.T) {
	s := unhealthyServer(t, nil)
	w := sendFrom(s, "127.0.0.1:1", "GET", "/healthz", "")
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"message"`) {
		t.Errorf("without tokens: %d %s, want the messages", w.Code, w.Body)
	}
}

// /readyz says ready or not, and nothing else, to anyone.
func TestReadyzSaysNothingElse(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	for _, h := range [][]string{nil, {"Authorization", "Bearer " + goodToken}} {
		w := sendFrom(s, "192.0.2.31:1", "GET", "/readyz", "", h...)
		if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"ready":true}` {
			t.Errorf("/readyz %v: %d %s", h, w.Code, w.Body)
		}
	}
}

// A wrong token on /healthz is a failed login: guessing tokens there is
// limited like anywhere else (in the probes' own bucket: see
// TestStaleHealthProbeNeverLocksOutTheAPI), and the probe still gets its
// answer.
func TestHealthzWrongTokensLimited(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	for i := 0; i < failBurst; i++ {
		sendFrom(s, "192.0.2.32:1", "GET", "/healthz", "", "Authorization", "Bearer "+badToken)
	}
	w := sendFrom(s, "192.0.2.32:1", "GET", "/healthz", "", "Authorization", "Bearer "+goodToken)
	if w.Code != 503 || strings.Contains(w.Body.String(), `"message"`) {
		t.Errorf("right token after %d wrong ones: %d %s; want the short answer", failBurst, w.Code, w.Body)
	}
}
