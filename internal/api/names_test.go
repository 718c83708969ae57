package api

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/client"
)

// name253 is a valid 253-octet name in example.com.
var name253 = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 49) + ".example.com"

// A valid name of any length is written, updated and removed through the
// API: the registry keeps its file name within the file system's limits.
func TestLongNameThroughAPI(t *testing.T) {
	if len(name253) != 253 {
		t.Fatalf("name253 has %d octets", len(name253))
	}
	s, dir := recordsServer(t, nil, 1000, 1000)
	h := s.Handler()
	for _, name := range []string{name253, name253[len(name253)-246:], name253[len(name253)-240:]} {
		name = strings.TrimLeft(name, ".")
		w := send(h, "POST", "/api/v1/dns/records", `{"name":"`+name+`","record_type":"A","value":"192.0.2.1"}`)
		if w.Code != 201 {
			t.Fatalf("register %d octets: %d %s", len(name), w.Code, w.Body)
		}
		var resp client.Response[client.WriteResult]
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Data.Name != name {
			t.Errorf("register answer: %s", w.Body)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "api-*.yaml"))
		if len(files) != 1 || len(filepath.Base(files[0])) > 255 {
			t.Fatalf("files: %v", files)
		}
		if b, _ := os.ReadFile(files[0]); !strings.Contains(string(b), name+".") {
			t.Errorf("the file lacks the full name:\n%s", b)
		}
		if w := send(h, "PUT", "/api/v1/dns/records/"+url.PathEscape(name), `{"record_type":"A","value":"192.0.2.2"}`); w.Code != 200 {
			t.Fatalf("update: %d %s", w.Code, w.Body)
		}
		if w := send(h, "DELETE", "/api/v1/dns/records/"+url.PathEscape(name)+"?type=A", ""); w.Code != 200 {
			t.Fatalf("unregister: %d %s", w.Code, w.Body)
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "api-*")); len(files) != 0 {
			t.Fatalf("left after unregister: %v", files)
		}
	}
}

// Names that could never be records are 422 naming the field, whether in
// the body or in the path; never 503, and nothing is written.
func TestInvalidNamesAre422(t *testing.T) {
	s, dir := recordsServer(t, nil, 1000, 1000)
	h := s.Handler()
	for _, name := range []string{"a\x00.example.com", "a\x01.example.com", "a b.example.com", "../x", "../../etc/passwd",
		"a/b.example.com", "..", strings.Repeat("x", 64) + ".example.com", name253 + "x", "x." + name253, "a\n.example.com"} {
		body, _ := json.Marshal(client.WriteRequest{Name: name, RecordType: "A", Value: "192.0.2.1"})
		if w := send(h, "POST", "/api/v1/dns/records", string(body)); w.Code != 422 || !strings.Contains(w.Body.String(), "name") {
			t.Errorf("POST name %q: %d %s", name, w.Code, w.Body)
		}
		if name == ".." {
			continue // in a path, a dot segment: the mux redirects to the cleaned path
		}
		path := "/api/v1/dns/records/" + url.PathEscape(name)
		if w := send(h, "PUT", path, `{"record_type":"A","value":"192.0.2.1"}`); w.Code != 422 || !strings.Contains(w.Body.String(), "name") {
			t.Errorf("PUT %s: %d %s", path, w.Code, w.Body)
		}
		if w := send(h, "DELETE", path, ""); w.Code != 422 || !strings.Contains(w.Body.String(), "name") {
			t.Errorf("DELETE %s: %d %s", path, w.Code, w.Body)
		}
	}
	// As an attacker writes them, escaped by hand.
	for _, path := range []string{"/api/v1/dns/records/a%00.example.com", "/api/v1/dns/records/%2e%2e%2fx", "/api/v1/dns/records/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/api/v1/dns/records/a%2fb"} {
		if w := send(h, "PUT", path, `{"record_type":"A","value":"192.0.2.1"}`); w.Code != 422 || !strings.Contains(w.Body.String(), "name") {
			t.Errorf("PUT %s: %d %s", path, w.Code, w.Body)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			t.Errorf("written to records.d: %q", e.Name())
		}
	}
}
