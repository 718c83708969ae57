package api

import (
	"encoding/json"
	"net/http"
)

// healthz answers 200 when healthy and 503 otherwise, with the whole
// Status (reasons included) either way, so a probe's log says why.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	st := s.health.Status()
	code := http.StatusOK
	if !st.Healthy {
		code = http.StatusServiceUnavailable
	}
	s.writeJSON(w, code, st)
}

// readyz answers 200 once the first full reconcile has run, 503 before.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ready := s.health.Status().Ready
	code := http.StatusOK
	if !ready {
		code = http.StatusServiceUnavailable
	}
	s.writeJSON(w, code, struct {
		Ready bool `json:"ready"`
	}{ready})
}

// writeJSON is the one way responses are written as JSON.
func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if _, err := w.Write(append(body, '\n')); err != nil {
		s.log.Debug("write response", "err", err)
	}
}
