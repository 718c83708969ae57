package api

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/audit"
)

const (
	goodToken = "aaaaaaaaaaaaaaaaaaaa"
	badToken  = "cccccccccccccccccccc"
)

// fromAddr sends a request as if from addr (host:port).
func fromAddr(s *Server, addr, method, path, body string, header ...string) (int, string, string) {
	w := sendFrom(s, addr, method, path, body, header...)
	return w.Code, w.Body.String(), w.Header().Get("Retry-After")
}

// The scheme of "Authorization: Bearer TOKEN" is case-insensitive
// (RFC 7235); the token itself is not.
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	s, _ := recordsServer(t, []Token{{ID: "a", Secret: goodToken}}, 100, 100)
	for _, c := range []struct {
		auth string
		code int
	}{
		{"Bearer " + goodToken, 200},
		{"bearer " + goodToken, 200},
		{"BEARER " + goodToken, 200},
		{"bEaReR " + goodToken, 200},
		{"Bearer   " + goodToken + " ", 200},
		{"Bearer " + strings.ToUpper(goodToken), 401},
		{"Bearer" + goodToken, 401},
		{"Basic " + goodToken, 401},
		{goodToken, 401},
		{"Bearer", 401},
	} {
		if code, body, _ := fromAddr(s, "192.0.2.1:1000", "GET", "/api/v1/dns/records", "", "Authorization", c.auth); code != c.code {
			t.Errorf("Authorization %q: %d %s, want %d", c.auth, code, body, c.code)
		}
	}
}

// Failed logins from one address are answered 401 a few times, then 429
// with Retry-After, even with the right token (it is no longer compared);
// another address is not affected.
func TestFailedLoginsLimited(t *testing.T) {
	s, _ := recordsServer(t, []Token{{ID: "a", Secret: goodToken}}, 1000, 1000)
	codes := map[int]int{}
	retry := ""
	for i := 0; i < 100; i++ {
		header := []string{"Authorization", "Bearer " + badToken}
		if i%2 == 1 {
			header = nil // no token at all is a failure too
		}
		code, _, ra := fromAddr(s, "192.0.2.66:4000", "GET", "/api/v1/dns/records", "", header...)
		codes[code]++
		if code == 429 {
			retry = ra
		}
	}
	if codes[401] != failBurst || codes[429] != 100-failBurst {
		t.Fatalf("100 failed logins answered %v; want %d of 401, the rest 429", codes, failBurst)
	}
	if n, err := strconv.Atoi(retry); err != nil || n < 1 || n > 10 {
		t.Errorf("Retry-After %q", retry)
	}
	if code, body, _ := fromAddr(s, "192.0.2.66:4001", "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+goodToken); code != 429 {
		t.Errorf("the right token from a limited address: %d %s, want 429", code, body)
	}
	if code, _, _ := fromAddr(s, "192.0.2.67:4000", "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+goodToken); code != 200 {
		t.Errorf("another address with the right token: %d, want 200", code)
	}
	if code, _, _ := fromAddr(s, "192.0.2.68:4000", "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+badToken); code != 401 {
		t.Errorf("another address's first failure: %d, want 401", code)
	}
}

// Requests refused before they could act are audited with the client's
// address and what was wrong, never the token or the body.
func TestRefusalsAudited(t *testing.T) {
	s, _ := recordsServer(t, []Token{{ID: "ci", Secret: goodToken}}, 1000, 1000)
	logPath := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.SetAudit(l)
	auth := []string{"Authorization", "Bearer " + goodToken}
	const secretBody = "BODY-SECRET-0123"
	for _, c := range []struct {
		addr, method, path, body string
		header                   []string
		code                     int
	}{
		{"192.0.2.10:1", "POST", "/api/v1/dns/records", `{"name":"` + secretBody, auth, 400},
		{"192.0.2.11:1", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"TXT","value":"` + strings.Repeat(secretBody, 5000) + `"}`, auth, 413},
		{"192.0.2.12:1", "GET", "/api/v1/dns/records", "", nil, 401},
		{"192.0.2.13:1", "GET", "/api/v1/dns/records", "", []string{"Authorization", "Bearer " + badToken}, 401},
		{"192.0.2.14:1", "POST", "/api/v1/dns/records", `{"name":"a\u0000.example.com","record_type":"A","value":"192.0.2.1"}`, auth, 422},
		{"192.0.2.15:1", "GET", "/api/v1/dns/records", "", append([]string{"Origin", "https://evil.example"}, auth...), 403},
		{"192.0.2.16:1", "GET", "/api/v1/dns/verify/a%00.example.com", "", auth, 422},
	} {
		if code, body, _ := fromAddr(s, c.addr, c.method, c.path, c.body, c.header...); code != c.code {
			t.Fatalf("%s: %d %s, want %d", c.addr, code, body, c.code)
		}
	}
	raw, _ := os.ReadFile(logPath)
	for _, secret := range []string{goodToken, badToken, secretBody} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("audit log holds %q:\n%s", secret, raw)
		}
	}
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		for _, addr := range []string{"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.15", "192.0.2.16"} {
			if strings.Contains(line, `"client":"`+addr+`"`) && strings.Contains(line, `"kind":"api"`) && strings.Contains(line, `"result":"refused`) {
				for _, code := range []string{"400", "401", "403", "413", "422"} {
					if strings.Contains(line, `"status":`+code) {
						got[addr+" "+code]++
					}
				}
			}
		}
	}
	for _, want := range []string{"192.0.2.10 400", "192.0.2.11 413", "192.0.2.12 401", "192.0.2.13 401", "192.0.2.14 422", "192.0.2.15 403", "192.0.2.16 422"} {
		if got[want] != 1 {
			t.Errorf("audit lines for %q: %d, want 1:\n%s", want, got[want], raw)
		}
	}
	if !strings.Contains(string(raw), `"token_id":"ci"`) {
		t.Errorf("an authenticated refusal lacks its token id:\n%s", raw)
	}
}

// A request may carry a name or a value of up to 64 KiB, in its body or
// its path; its audit line keeps a capped excerpt of each, so one request
// cannot write 100 KiB into the trail.
func TestAuditLinesCapped(t *testing.T) {
	s, _ := recordsServer(t, nil, 1000, 1000)
	logPath := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.SetAudit(l)
	long := strings.Repeat("a", 30<<10)
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/dns/records/" + long + ".example.com", `{"record_type":"TXT","value":"` + long + `"}`},
		{"POST", "/api/v1/dns/records", `{"name":"` + long + `","record_type":"TXT","value":"` + long + `"}`},
		{"DELETE", "/api/v1/dns/records/" + long, ""},
		{"GET", "/api/v1/dns/verify/" + long, ""},
	} {
		if code, body, _ := fromAddr(s, "192.0.2.20:1", c.method, c.path, c.body); code != 422 {
			t.Fatalf("%s with a long name: %d %s, want 422", c.method, code, body)
		}
	}
	raw, _ := os.ReadFile(logPath)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d audit lines, want 4:\n%.2000s", len(lines), raw)
	}
	for _, line := range lines {
		if len(line) > 6*audit.MaxFieldBytes {
			t.Errorf("audit line of %d bytes: %.300s...", len(line), line)
		}
	}
}
