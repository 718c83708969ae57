package api

// What every request goes through before and after its handler: the
// mux's own answers for a path no route has (404) or a method a path does
// not take (405) are given in the API's envelope rather than as Go's
// text, and every request is counted by the route it matched.

import (
	"net/http"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/api/openapi"
)

// RequestObserver counts the requests answered (metrics.Metrics). route is
// the pattern's path ("" when no route matched), never the path asked: a
// series per name would grow without bound.
type RequestObserver interface {
	ObserveRequest(route, method string, code int, took time.Duration)
}

// ServeHTTP serves r through the mux.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	_, pattern := s.mux.Handler(r)
	sw := &statusWriter{ResponseWriter: w, s: s, muxError: pattern == ""}
	s.mux.ServeHTTP(sw, r)
	if s.requests != nil {
		code := sw.code
		if code == 0 { // the handler wrote nothing
			code = http.StatusOK
		}
		route := pattern
		if _, path, ok := strings.Cut(pattern, " "); ok {
			route = path
		}
		s.requests.ObserveRequest(route, r.Method, code, time.Since(start))
	}
}

// statusWriter keeps the status written, and when the mux answers by
// itself (muxError), turns its 404 and 405 into the envelope.
type statusWriter struct {
	http.ResponseWriter
	s        *Server
	muxError bool
	code     int
	swallow  bool // the mux's text body is not sent: the envelope was
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code != 0 {
		w.ResponseWriter.WriteHeader(code) // net/http logs the superfluous call
		return
	}
	w.code = code
	if w.muxError && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		w.swallow = true
		msg := "no such path; GET /api/v1/openapi.json lists the API's routes"
		if code == http.StatusMethodNotAllowed {
			msg = "method not allowed on this path; allowed: " + w.Header().Get("Allow")
		}
		w.s.fail(w.ResponseWriter, code, msg)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// openAPI serves the API's OpenAPI document. It needs no token: it holds
// nothing that the source repository does not (routes, shapes, status
// codes; no address, token or record), and a client generator must read
// it before anyone hands it a token.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	if _, err := w.Write(openapi.Document()); err != nil {
		s.log.Debug("write response", "err", err)
	}
}
