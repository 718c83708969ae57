package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// recordsServer is a Server with the records API over a temp records dir.
// Nothing here talks DNS: the resolver points at a closed port and no test
// asks for ?wait=verified.
func recordsServer(t testing.TB, tokens []Token, rate float64, burst int) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	s, err := New(Options{Listen: loopback, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), Records: &RecordsOptions{
		Registry: &registry.Registry{Options: opts, Declared: store}, Declared: store,
		Resolver: &verify.Resolver{Addr: "127.0.0.1:1", Timeout: 100 * time.Millisecond}, AutoRegister: true,
		WaitTimeout: time.Second, Tokens: tokens, Rate: rate, Burst: burst,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func send(h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	return sendReq(h, "", method, path, body, header...)
}

// sendFrom sends a request from a client address (host:port).
func sendFrom(s *Server, addr, method, path, body string, header ...string) *httptest.ResponseRecorder {
	return sendReq(s.Handler(), addr, method, path, body, header...)
}

func sendReq(h http.Handler, addr, method, path, body string, header ...string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if addr != "" {
		r.RemoteAddr = addr
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	h.ServeHTTP(w, r)
	return w
}

func TestTokens(t *testing.T) {
	s, _ := recordsServer(t, []Token{{ID: "a", Secret: "aaaaaaaaaaaaaaaaaaaa"}, {ID: "b", Secret: "bbbbbbbbbbbbbbbbbbbb"}}, 100, 100)
	h := s.Handler()
	for _, c := range []struct {
		name, auth string
		code       int
	}{
		{"none", "", 401},
		{"not bearer", "Basic YTpi", 401},
		{"wrong", "Bearer cccccccccccccccccccc", 401},
		{"prefix of a token", "Bearer aaaaaaaaaa", 401},
		{"first", "Bearer aaaaaaaaaaaaaaaaaaaa", 200},
		{"second", "Bearer bbbbbbbbbbbbbbbbbbbb", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			if w := send(h, "GET", "/api/v1/dns/records", "", "Authorization", c.auth); w.Code != c.code {
				t.Errorf("%s: %d %s, want %d", c.auth, w.Code, w.Body, c.code)
			}
		})
	}
	// Health and metrics stay open to probes.
	if w := send(h, "GET", "/healthz", ""); w.Code == 401 {
		t.Error("/healthz asks for a token")
	}
}

func TestReadTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(path, []byte("# comment\n\norchestrator:0123456789abcdef0123\n  fedcba9876543210fedc  \n"), 0o600)
	got, err := ReadTokens(path)
	if err != nil || len(got) != 2 || got[0].ID != "orchestrator" || got[0].Secret != "0123456789abcdef0123" || got[1].Secret != "fedcba9876543210fedc" || len(got[1].ID) != 8 {
		t.Fatalf("ReadTokens = %+v, %v", got, err)
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := ReadTokens(path); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("short token: %v", err)
	}
	os.WriteFile(path, []byte("# nothing\n"), 0o600)
	if _, err := ReadTokens(path); err == nil {
		t.Error("a file without tokens was accepted")
	}
}

func TestRateLimitPerClient(t *testing.T) {
	l := newLimiter(1, 3)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: ok %v wait %v", ok, wait)
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Error("another client was limited by the first one's burst")
	}
	if ok, _ := l.allow("a", now.Add(time.Second)); !ok {
		t.Error("not refilled after a second")
	}
}

func TestRateLimitedAnswer(t *testing.T) {
	s, _ := recordsServer(t, nil, 1, 2)
	h := s.Handler()
	codes := map[int]int{}
	var last *httptest.ResponseRecorder
	for i := 0; i < 5; i++ {
		last = send(h, "GET", "/api/v1/dns/records", "")
		codes[last.Code]++
	}
	if codes[200] != 2 || codes[429] != 3 || last.Header().Get("Retry-After") != "1" {
		t.Fatalf("codes %v, Retry-After %q", codes, last.Header().Get("Retry-After"))
	}
}

func TestWriteWithoutDNS(t *testing.T) {
	s, dir := recordsServer(t, nil, 100, 100)
	h := s.Handler()
	w := send(h, "POST", "/api/v1/dns/records", `{"name":"Web-01.Example.com.","record_type":"a","value":"192.0.2.1"}`)
	var resp client.Response[client.WriteResult]
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 201 || !resp.Success || resp.Data.Status != "accepted" ||
		resp.Data.Name != "web-01.example.com" || resp.Data.RecordType != "A" || resp.Data.TTL != 300 {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	b, err := os.ReadFile(filepath.Join(dir, "api-web-01.example.com.yaml"))
	if err != nil || !strings.Contains(string(b), "192.0.2.1") {
		t.Fatalf("api file: %v\n%s", err, b)
	}
	if w := send(h, "POST", "/api/v1/dns/records", `{"name":"x.example.com","record_type":"A","value":"192.0.2.1"} {}`); w.Code != 400 {
		t.Errorf("two JSON values: %d", w.Code)
	}
	if w := send(h, "PUT", "/api/v1/dns/records/x.example.com", `{"name":"y.example.com","record_type":"A","value":"192.0.2.1"}`); w.Code != 422 {
		t.Errorf("name in a PUT body: %d", w.Code)
	}
}

// FuzzDecode: no body makes the write handler panic or answer outside the
// contract, and what it accepts is a file the loader accepts too.
func FuzzDecode(f *testing.F) {
	f.Add(`{"name":"web-01.example.com","record_type":"A","value":"192.0.2.1","ttl":300}`)
	f.Add(`{"name":"_sip._tcp.example.com","record_type":"SRV","value":"10 5 5060 sip.example.com"}`)
	f.Add(`{"name":"t.example.com","record_type":"TXT","value":"v=spf1 \"quoted\" \\ ; not a comment"}`)
	f.Add(`{"name":"*.example.com","record_type":"CNAME","value":"example.com"}`)
	f.Add(`{"name":"","record_type":"","value":""}`)
	f.Add(`[1,2,3]`)
	s, dir := recordsServer(f, nil, 1e9, 1e9)
	h := s.Handler()
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	f.Fuzz(func(t *testing.T, body string) {
		w := send(h, "POST", "/api/v1/dns/records", body)
		switch w.Code {
		case 200, 201, 400, 409, 413, 422:
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		var resp client.Response[json.RawMessage]
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Success != (w.Code < 300) {
			t.Fatalf("envelope for %d: %s", w.Code, w.Body)
		}
		if w.Code >= 300 {
			return
		}
		if _, err := desired.LoadDir(opts, nil); err != nil {
			t.Fatal(err)
		}
		problems, err := desired.Validate(opts)
		if err != nil || len(problems) > 0 {
			t.Fatalf("the API wrote a file the loader rejects, for %q: %v %v", body, problems, err)
		}
	})
}
