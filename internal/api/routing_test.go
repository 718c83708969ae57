package api

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/api/openapi"
)

// A path no route has is 404 and a method a path does not take is 405
// (with Allow), both in the envelope (schema Error), not Go's text; a
// handler's own 404 is left as it is.
func TestUnknownPathsAnswerTheEnvelope(t *testing.T) {
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, _ := recordsServer(t, nil, 1000, 1000)
	h := s.Handler()
	for _, tt := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/", 404, ""},
		{"GET", "/api/v1/dns/nope", 404, ""},
		{"POST", "/api/v1/records", 404, ""},
		{"GET", "/api/v1/dns/records/a/b", 404, ""},
		{"PATCH", "/api/v1/dns/records", 405, "GET, HEAD, POST"},
		{"POST", "/api/v1/dns/records/web.example.com", 405, "DELETE, PUT"},
		{"DELETE", "/healthz", 405, "GET, HEAD"},
		{"PUT", "/api/v1/openapi.json", 405, "GET, HEAD"},
	} {
		w := send(h, tt.method, tt.path, "")
		if w.Code != tt.code || w.Header().Get("Allow") != tt.allow || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d, Allow %q, %s; want %d, Allow %q, JSON", tt.method, tt.path, w.Code, w.Header().Get("Allow"),
				w.Header().Get("Content-Type"), tt.code, tt.allow)
		}
		if err := spec.CheckSchema("Error", w.Body.Bytes()); err != nil {
			t.Errorf("%s %s: %v: %s", tt.method, tt.path, err, w.Body)
		}
		if tt.code == 405 && !strings.Contains(w.Body.String(), tt.allow) {
			t.Errorf("%s %s: the message does not say what is allowed: %s", tt.method, tt.path, w.Body)
		}
	}
	// A handler's 404 keeps its own message.
	if w := send(h, "DELETE", "/api/v1/dns/records/nope.example.com", ""); w.Code != 404 || !strings.Contains(w.Body.String(), "nope.example.com") {
		t.Errorf("DELETE of an unknown name: %d %s", w.Code, w.Body)
	}
	// A path to clean is still redirected, not refused.
	if w := send(h, "GET", "/api/v1/dns//records", ""); w.Code/100 != 3 {
		t.Errorf("GET of an unclean path: %d %s, want a redirect", w.Code, w.Body)
	}
}

type requestLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *requestLog) ObserveRequest(route, method string, code int, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, method+" "+route+" "+http.StatusText(code))
}

// Requests are observed under the route they matched, whatever the name
// in the path; unmatched ones under "".
func TestRequestsObservedByRoute(t *testing.T) {
	s, _ := recordsServer(t, nil, 1000, 1000)
	log := &requestLog{}
	s.requests = log
	h := s.Handler()
	send(h, "POST", "/api/v1/dns/records", `{"name":"web.example.com","record_type":"A","value":"192.0.2.1"}`)
	send(h, "DELETE", "/api/v1/dns/records/web.example.com", "")
	send(h, "DELETE", "/api/v1/dns/records/other.example.com", "")
	send(h, "GET", "/no/such/thing", "")
	send(h, "PATCH", "/healthz", "")
	want := []string{
		"POST /api/v1/dns/records Created",
		"DELETE /api/v1/dns/records/{name} OK",
		"DELETE /api/v1/dns/records/{name} Not Found",
		"GET  Not Found",
		"PATCH  Method Not Allowed",
	}
	if !slices.Equal(log.seen, want) {
		t.Errorf("observed %q, want %q", log.seen, want)
	}
}
