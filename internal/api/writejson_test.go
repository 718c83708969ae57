package api

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api/openapi"
)

// An answer that cannot be encoded is a 500 in the envelope (a client
// decodes every answer of the API one way), not net/http's text, and the
// failure is logged.
func TestWriteJSONFailureAnswersTheEnvelope(t *testing.T) {
	t.Parallel()
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "127.0.0.1:0")
	w := httptest.NewRecorder()
	f.srv.writeJSON(w, http.StatusOK, math.NaN()) // encoding/json refuses NaN
	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s %q, want 500 JSON", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if err := spec.CheckSchema("Error", w.Body.Bytes()); err != nil {
		t.Errorf("not the error envelope: %v: %s", err, w.Body)
	}
	var r client.Response[json.RawMessage]
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || r.Success || r.Error == "" {
		t.Errorf("body %s (%v), want success false with an error", w.Body, err)
	}
	if !strings.Contains(f.logs.String(), "encode response") {
		t.Errorf("the failure is not logged: %s", f.logs)
	}
}

// Without the records API (Options.Records nil) the records routes the
// document lists answer 404 in the envelope, as their descriptions say.
func TestRecordsRoutesOffAnswer404(t *testing.T) {
	t.Parallel()
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]struct {
			Description string `json:"description"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	h := newFixture(t, "127.0.0.1:0").srv.Handler()
	for _, tt := range []struct{ method, path string }{
		{"GET", "/api/v1/dns/records"},
		{"POST", "/api/v1/dns/records"},
		{"PUT", "/api/v1/dns/records/web.example.com"},
		{"DELETE", "/api/v1/dns/records/web.example.com"},
		{"GET", "/api/v1/dns/verify/web.example.com"},
	} {
		w := get(t, h, tt.method, tt.path)
		if w.Code != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", tt.method, tt.path, w.Code)
		}
		if err := spec.CheckSchema("Error", w.Body.Bytes()); err != nil {
			t.Errorf("%s %s: %v: %s", tt.method, tt.path, err, w.Body)
		}
		if route := spec.Route(tt.path); route == "" || !strings.Contains(doc.Paths[route].Description, "404") {
			t.Errorf("%s: the document does not say the route answers 404 without the records API", tt.path)
		}
	}
}
