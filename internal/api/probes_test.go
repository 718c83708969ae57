package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/audit"
)

// auditTo makes s audit to a new file and returns its path.
func auditTo(t *testing.T, s *Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s.SetAudit(l)
	return path
}

// auditEvents reads the audit file.
func auditEvents(t *testing.T, path string) []audit.Event {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		var ev audit.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

// A monitoring probe that sends a stale token to /readyz, as often as
// it likes, loses the health details and nothing else: the records API
// still takes the right token from the same address. Its failures count
// apart from the API's, in a bucket of their own.
func TestStaleHealthProbeNeverLocksOutTheAPI(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	const addr = "192.0.2.40:1"
	for i := range 3 * failBurst {
		w := sendFrom(s, addr, "GET", "/readyz", "", "Authorization", "Bearer "+badToken)
		if w.Code != 503 || strings.Contains(w.Body.String(), `"message"`) {
			t.Fatalf("probe %d with a stale token: %d %s; want 503, the short answer", i, w.Code, w.Body)
		}
	}
	if code, body, _ := fromAddr(s, addr, "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+goodToken); code != 200 {
		t.Errorf("the API with the right token after stale probes: %d %s, want 200", code, body)
	}
	if code, body, _ := fromAddr(s, addr, "POST", "/api/v1/dns/records", `{"name":"web.example.com","record_type":"A","value":"192.0.2.1"}`,
		"Authorization", "Bearer "+goodToken); code != 201 {
		t.Errorf("a write with the right token after stale probes: %d %s, want 201", code, body)
	}
	// The probe's own bucket is empty: its right token is no longer
	// compared there either (guessing on /readyz is as slow as on /api/).
	if w := sendFrom(s, addr, "GET", "/readyz", "", "Authorization", "Bearer "+goodToken); strings.Contains(w.Body.String(), `"message"`) {
		t.Errorf("/readyz compared a token from an address past its limit: %s", w.Body)
	}
}

// Failed logins on the API do not cost the operator the health details:
// the buckets are apart both ways.
func TestAPIFailuresLeaveHealthDetails(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	const addr = "192.0.2.41:1"
	for range 2 * failBurst {
		fromAddr(s, addr, "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+badToken)
	}
	if code, _, _ := fromAddr(s, addr, "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+goodToken); code != 429 {
		t.Fatalf("the API from a limited address: %d, want 429", code)
	}
	if w := sendFrom(s, addr, "GET", "/readyz", "", "Authorization", "Bearer "+goodToken); !strings.Contains(w.Body.String(), `"message"`) {
		t.Errorf("/readyz with the right token after failed API logins: %d %s; want the details", w.Code, w.Body)
	}
}

// The failed-login limiter's 429s are audited, but boundedly: the first
// per address in a minute, saying that more are not, so that a guessing
// loop cannot fill the disk. So are a stale probe's failures on /readyz.
func TestLimitedLoginsAuditedOncePerMinute(t *testing.T) {
	s := unhealthyServer(t, []Token{{ID: "a", Secret: goodToken}})
	path := auditTo(t, s)
	for _, addr := range []string{"192.0.2.50:1", "192.0.2.51:1"} {
		for range 100 {
			fromAddr(s, addr, "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+badToken)
		}
	}
	for range 50 {
		sendFrom(s, "192.0.2.52:1", "GET", "/readyz", "", "Authorization", "Bearer "+badToken)
	}
	count := map[string]int{}
	for _, ev := range auditEvents(t, path) {
		if ev.Kind != "api" {
			continue
		}
		key := ev.Client + " " + ev.Path
		switch {
		case ev.Status == 401:
			count[key+" 401"]++
		case ev.Status == 429 && strings.Contains(ev.Result, "too many failed logins") && strings.Contains(ev.Result, "not audited"):
			count[key+" 429"]++
		case ev.Path == "/readyz" && strings.Contains(ev.Result, "invalid bearer token"):
			count[key+" probe"]++
		default:
			t.Errorf("unexpected audit line %+v", ev)
		}
	}
	for _, want := range []struct {
		key string
		n   int
	}{
		{"192.0.2.50 /api/v1/dns/records 401", failBurst},
		{"192.0.2.50 /api/v1/dns/records 429", 1},
		{"192.0.2.51 /api/v1/dns/records 401", failBurst},
		{"192.0.2.51 /api/v1/dns/records 429", 1},
		{"192.0.2.52 /readyz probe", 1},
	} {
		if count[want.key] != want.n {
			t.Errorf("%s: %d audit lines, want %d (all: %v)", want.key, count[want.key], want.n, count)
		}
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), badToken) || strings.Contains(string(raw), goodToken) {
		t.Errorf("the audit log holds a token:\n%s", raw)
	}
}

// A client past the request rate gets 429, audited once a minute too.
func TestRateLimited429Audited(t *testing.T) {
	s, _ := recordsServer(t, []Token{{ID: "ci", Secret: goodToken}}, 1, 2)
	path := auditTo(t, s)
	codes := map[int]int{}
	for range 20 {
		code, _, _ := fromAddr(s, "192.0.2.60:1", "GET", "/api/v1/dns/records", "", "Authorization", "Bearer "+goodToken)
		codes[code]++
	}
	if codes[429] < 15 {
		t.Fatalf("codes %v, want mostly 429", codes)
	}
	n := 0
	for _, ev := range auditEvents(t, path) {
		if ev.Status == 429 && ev.TokenID == "ci" && strings.Contains(ev.Result, "rate limited") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d audit lines for %d rate-limited requests, want 1", n, codes[429])
	}
}

// The token file holds the keys to records.d: one that other users can
// read (or write) is refused with a message that says how to fix it, as
// tsig_secret_file is. A FIFO there does not hang the start.
func TestReadTokensRefusesOpenFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		mode os.FileMode
		msg  string
	}{
		{0o644, "readable by every user"},
		{0o604, "readable by every user"},
		{0o602, "writable by every user"},
		{0o666, "every user"},
	} {
		path := filepath.Join(dir, "tokens")
		if err := os.WriteFile(path, []byte("ci:"+goodToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil {
			t.Fatal(err)
		}
		_, err := ReadTokens(path)
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), path) {
			t.Errorf("mode %04o: %v; want a refusal saying %q", c.mode, err, c.msg)
		}
		if err != nil && strings.Contains(err.Error(), goodToken) {
			t.Errorf("the error holds the token: %v", err)
		}
		os.Remove(path)
	}
	for _, mode := range []os.FileMode{0o600, 0o640, 0o400} {
		path := filepath.Join(dir, "ok")
		os.WriteFile(path, []byte("ci:"+goodToken+"\n"), 0o600)
		os.Chmod(path, mode)
		if _, err := ReadTokens(path); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
		os.Remove(path)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadTokens(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO as the token file: %v", err)
		}
	case <-time.After(5 * time.Second):
		if fd, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
			unix.Close(fd)
		}
		<-done
		t.Fatal("ReadTokens blocked for 5s on a FIFO")
	}
}

// An API file that a FIFO (or another file the loader would not read)
// has replaced is a server-side problem: 503 naming the file, at once,
// and other names are still written.
func TestUnreadableAPIFileIs503(t *testing.T) {
	s, dir := recordsServer(t, nil, 1000, 1000)
	h := s.Handler()
	fifo := filepath.Join(dir, "api-fifo1.example.com.yaml")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	var body string
	go func() {
		w := send(h, "POST", "/api/v1/dns/records", `{"name":"fifo1.example.com","record_type":"A","value":"192.0.2.1"}`)
		body = w.Body.String()
		done <- w.Code
	}()
	select {
	case code := <-done:
		if code != 503 || !strings.Contains(body, "api-fifo1.example.com.yaml") || !strings.Contains(body, "FIFO") {
			t.Errorf("POST onto a FIFO: %d %s; want 503 naming the file", code, body)
		}
	case <-time.After(5 * time.Second):
		if fd, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
			unix.Close(fd)
		}
		<-done
		t.Fatal("POST blocked for 5s on a FIFO in records.d")
	}
	if w := send(h, "POST", "/api/v1/dns/records", `{"name":"other.example.com","record_type":"A","value":"192.0.2.2"}`); w.Code != 201 {
		t.Errorf("another name afterwards: %d %s", w.Code, w.Body)
	}
}
