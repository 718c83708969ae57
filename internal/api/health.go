package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/health"
)

// The probes. /healthz is liveness: whether the loop still turns (what
// systemd's watchdog and a load balancer's liveness probe need), 200 or
// 503, to anyone, with nothing in it that needs hiding. /readyz is
// readiness: whether every zone is served as desired, 200 only when ready
// and healthy, 503 with the reasons otherwise. An invalid record file
// makes /readyz 503 and leaves /healthz 200: restarting dnssync would not
// fix a file.

// readiness is st as /readyz answers it (client.Readiness). details says
// whether the caller may read the reasons' messages; otherwise it gets
// the status and the reasons' kinds, each once, which are the contract
// monitoring matches on. A message can name files and quote what went
// wrong, so it is for operators only, and even they get it through
// redact, as every API error message: records.d/<file>, never the
// server's own absolute paths.
func readiness(st health.Status, details bool, redact *redactor) client.Readiness {
	b := client.Readiness{Status: st.State, Healthy: st.Healthy, Ready: st.Ready, LastReconcile: st.LastReconcile,
		LastReconcileOK: st.LastReconcileOK, LastVerify: st.LastVerify, LastVerifyOK: st.LastVerifyOK}
	if details {
		for _, r := range st.Reasons {
			b.Reasons = append(b.Reasons, client.Reason{Kind: r.Kind, Message: redact.text(r.Message)})
		}
		return b
	}
	kinds := make([]string, 0, len(st.Reasons))
	for _, r := range st.Reasons {
		kinds = append(kinds, r.Kind)
	}
	slices.Sort(kinds)
	for _, k := range slices.Compact(kinds) {
		b.Reasons = append(b.Reasons, client.Reason{Kind: k})
	}
	return b
}

// healthz answers 200 while the loop beats within its bound and 503 once
// it is stuck, with the liveness (status, last heartbeat, bound) to
// anyone: it holds nothing about files, zones or errors. It reads no
// token, so a probe's stale token costs it nothing.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	l := s.health.Liveness()
	code := http.StatusOK
	if !l.Alive() {
		code = http.StatusServiceUnavailable
	}
	s.writeJSON(w, code, client.Liveness{Status: l.State, LastHeartbeat: l.LastHeartbeat, StuckAfterSeconds: l.StuckAfter})
}

// readyz answers 200 when ready and healthy and 503 otherwise (starting,
// or degraded), with the status and the reasons' kinds to anyone (probes
// need no token), and the reasons' messages too to a caller with a valid
// token, or to every caller when no tokens are configured (the API then
// listens on loopback or a socket only, and its callers may write records
// anyway). A wrong token gets the short answer, never a 401: a probe that
// sends a stale token must keep working. It counts as a failed login in
// the probes' own bucket, never the records API's (a stale probe must not
// lock the orchestrator out), and it is audited once per address a minute.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	st := s.health.Status()
	code := http.StatusOK
	if !st.OK() {
		code = http.StatusServiceUnavailable
	}
	s.writeJSON(w, code, readiness(st, s.mayReadDetails(r, code), s.redact))
}

// mayReadDetails reports whether r may read health messages; code is the
// status it is answered with, for the audit line of a refused token.
func (s *Server) mayReadDetails(r *http.Request, code int) bool {
	if s.rec == nil || len(s.rec.Tokens) == 0 {
		return true
	}
	if r.Header.Get("Authorization") == "" {
		return false // a probe: not a failed login
	}
	c := caller{addr: remoteHost(r)}
	state, _ := s.credentials(r, c.addr, s.probeFailures)
	why := "invalid bearer token"
	switch state {
	case authOK:
		return true
	case authMissing:
		why = "no bearer token (Authorization is not Bearer)"
	case authLimited:
		why = "too many failed logins, token not compared"
	}
	if ok, _ := s.quiet.allow("probe:"+c.key(), time.Now()); ok {
		s.record(audit.Event{Kind: "api", Client: c.addr, Method: r.Method, Path: r.URL.Path,
			Result: "health details withheld: " + why + quietNote, Status: code})
	}
	return false
}

// encodeFailed is the answer when an answer cannot be encoded: the error
// envelope still, so that a client decodes every answer of ours one way.
// It is a constant: encoding it cannot fail in turn.
const encodeFailed = `{"success":false,"error":"internal error: the answer could not be encoded"}`

// writeJSON is the one way responses are written as JSON.
func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		code, body = http.StatusInternalServerError, []byte(encodeFailed)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if _, err := w.Write(append(body, '\n')); err != nil {
		s.log.Debug("write response", "err", err)
	}
}
