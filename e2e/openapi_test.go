package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/api/openapi"
)

// TestAPIOpenAPIDaemon: the daemon serves its OpenAPI document without a
// token, byte for byte the repository's, and what it answers over a real
// CoreDNS (writes served and verified, a delete, errors, an unknown path)
// is as the document declares. No answer names the installation's paths.
// The metrics page carries the build and the requests, by route.
func TestAPIOpenAPIDaemon(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	token := strings.SplitN(testToken, ":", 2)[1]
	call := func(method, path, body string, withToken bool) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if withToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), a.dir) {
			t.Errorf("%s %s: the answer names the installation's path %s: %s", method, path, a.dir, b)
		}
		if spec.Route(req.URL.Path) == "" || method == "PATCH" {
			if err := spec.CheckSchema("Error", b); err != nil {
				t.Errorf("%s %s: %d: %v: %s", method, path, resp.StatusCode, err, b)
			}
		} else if _, err := spec.Check(method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"), b); err != nil {
			t.Errorf("%v\nbody: %s", err, b)
		}
		return resp.StatusCode, string(b)
	}

	code, doc := call("GET", "/api/v1/openapi.json", "", false)
	if code != 200 || doc != string(openapi.Document()) {
		t.Errorf("GET /api/v1/openapi.json without a token: %d, the repository's document: %v", code, doc == string(openapi.Document()))
	}
	a.write("person.yaml", "records:\n  - name: db.example.com\n    type: A\n    value: 192.0.2.5\n")
	a.served("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.5"))

	steps := []struct {
		method, path, body string
		code               int
		has                string
	}{
		{"POST", "/api/v1/dns/records?wait=verified", `{"name":"web-01.example.com","record_type":"A","value":"192.0.2.10"}`, 201, `"status":"verified"`},
		{"GET", "/api/v1/dns/records?name=web-01.example.com", "", 200, `"source":"api-web-01.example.com.yaml"`},
		{"PUT", "/api/v1/dns/records/web-01.example.com?wait=verified", `{"record_type":"A","value":"192.0.2.11","ttl":60}`, 200, `"status":"verified"`},
		{"GET", "/api/v1/dns/verify/web-01.example.com", "", 200, `"verified":true`},
		{"DELETE", "/api/v1/dns/records/web-01.example.com?wait=verified", "", 200, `"removed":[{"name":"web-01.example.com","record_type":"A","value":"192.0.2.11","ttl":60,"source":"api-web-01.example.com.yaml"}]`},
		{"DELETE", "/api/v1/dns/records/web-01.example.com", "", 404, "web-01.example.com"},
		{"POST", "/api/v1/dns/records", `{"name":"db.example.com","record_type":"A","value":"192.0.2.6"}`, 409, "records.d/person.yaml:"},
		{"POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"A","value":"nope"}`, 422, "nope"},
		{"GET", "/api/v1/dns/nothing", "", 404, "openapi.json"},
		{"PATCH", "/api/v1/dns/records", "", 405, "GET, HEAD, POST"},
	}
	for _, s := range steps {
		code, body := call(s.method, s.path, s.body, true)
		if code != s.code || !strings.Contains(body, s.has) {
			t.Errorf("%s %s: %d %s; want %d with %s", s.method, s.path, code, body, s.code, s.has)
		}
	}
	a.served("web-01.example.com", dns.TypeA, nil)

	_, page := call("GET", "/metrics", "", false)
	for _, want := range []string{
		`dnssync_build_info{goversion="go`,
		`dnssync_api_requests_total{code="201",method="POST",route="/api/v1/dns/records"} 1`,
		`dnssync_api_requests_total{code="200",method="DELETE",route="/api/v1/dns/records/{name}"} 1`,
		`dnssync_api_requests_total{code="404",method="GET",route="none"} 1`,
		`dnssync_last_attempt_timestamp_seconds{operation="reconcile"}`,
		`dnssync_reconciles_unchanged_total{scope="full"}`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics page lacks %s", want)
		}
	}
}
