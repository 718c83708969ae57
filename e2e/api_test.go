package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
)

const testToken = "orchestrator:0123456789abcdef0123"

// apiEnv is a daemon with the records API on a free port, a token file and
// an audit log.
type apiEnv struct {
	*env
	d     *daemon
	base  string // http://127.0.0.1:PORT
	audit string
	c     *client.Client
}

// apiLimits is [api] rate and burst; zero leaves dnssync's default.
type apiLimits struct {
	rate  float64
	burst int
}

func newAPIEnv(t *testing.T, limits apiLimits) *apiEnv {
	t.Helper()
	e := newEnv(t)
	addr := apiPort(t)
	tokens := filepath.Join(e.dir, "tokens")
	if err := os.WriteFile(tokens, []byte("# the orchestrator\n"+testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &apiEnv{env: e, base: "http://" + addr, audit: filepath.Join(e.dir, "audit.log")}
	e.cfg.API = &corednstest.API{Listen: addr, TokenFile: tokens, Rate: limits.rate, Burst: limits.burst}
	e.cfg.Audit.File = a.audit
	e.writeConfig()
	a.d = e.start()
	a.d.waitLog("first pass done")
	a.c = client.New(a.base, strings.SplitN(testToken, ":", 2)[1])
	return a
}

// in is a for the test t, as env.in.
func (a *apiEnv) in(t testing.TB) *apiEnv {
	c := *a
	c.env, c.d = a.env.in(t), a.d.in(t)
	return &c
}

// do sends a request with the token and returns status, body and the
// decoded envelope.
func (a *apiEnv) do(method, path, body string, header ...string) (int, map[string]any) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.SplitN(testToken, ":", 2)[1])
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil {
		a.t.Fatalf("%s %s: %d, body not JSON: %q", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, env
}

// TestAPIRecordsLifecycle: register, update, unregister through the HTTP
// API, each served (or gone) when the answer says verified, in the seed's
// JSON shape.
func TestAPIRecordsLifecycle(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})

	code, body := a.do("POST", "/api/v1/dns/records?wait=verified", `{"name":"web-01.example.com","record_type":"A","value":"192.168.1.10","ttl":300}`)
	if code != http.StatusCreated || body["success"] != true {
		t.Fatalf("register: %d %v", code, body)
	}
	data := body["data"].(map[string]any)
	if data["status"] != "verified" || data["name"] != "web-01.example.com" || data["record_type"] != "A" || data["value"] != "192.168.1.10" || data["ttl"] != 300.0 {
		t.Errorf("register data = %v", data)
	}
	a.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.168.1.10"))

	// The same again is not an error.
	if code, body := a.do("POST", "/api/v1/dns/records", `{"name":"web-01.example.com","record_type":"A","value":"192.168.1.10"}`); code != http.StatusOK || body["data"].(map[string]any)["status"] != "unchanged" {
		t.Errorf("register again: %d %v", code, body)
	}

	// The list has the seed's exact shape.
	code, body = a.do("GET", "/api/v1/dns/records", "")
	if code != http.StatusOK || body["success"] != true {
		t.Fatalf("list: %d %v", code, body)
	}
	list := body["data"].([]any)
	want := map[string]any{"name": "web-01.example.com", "record_type": "A", "value": "192.168.1.10", "ttl": 300.0}
	found := false
	for _, item := range list {
		m := item.(map[string]any)
		match := true
		for k, v := range want {
			match = match && m[k] == v
		}
		found = found || match
	}
	if !found {
		t.Errorf("list %v lacks %v", list, want)
	}
	if code, body := a.do("GET", "/api/v1/dns/records?type=AAAA", ""); code != 200 || len(body["data"].([]any)) != 0 {
		t.Errorf("list ?type=AAAA: %d %v", code, body)
	}

	code, body = a.do("PUT", "/api/v1/dns/records/web-01.example.com?wait=verified", `{"record_type":"A","value":"192.168.1.11","ttl":60}`)
	if code != http.StatusOK || body["data"].(map[string]any)["status"] != "verified" {
		t.Fatalf("update: %d %v", code, body)
	}
	a.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 60 IN A 192.168.1.11"))

	code, body = a.do("GET", "/api/v1/dns/verify/web-01.example.com", "")
	if code != http.StatusOK || body["data"].(map[string]any)["verified"] != true {
		t.Fatalf("verify: %d %v", code, body)
	}

	code, body = a.do("DELETE", "/api/v1/dns/records/web-01.example.com?type=A&wait=verified", "")
	if code != http.StatusOK || body["data"].(map[string]any)["status"] != "verified" {
		t.Fatalf("unregister: %d %v", code, body)
	}
	a.stillServed("web-01.example.com", dns.TypeA, nil)
	if _, err := os.Stat(filepath.Join(a.records, "api-web-01.example.com.yaml")); !os.IsNotExist(err) {
		t.Errorf("the API's file outlived its last record: %v", err)
	}

	// Every operation is in the audit log, with the token's id and never the token.
	trail := readAudit(t, a.audit)
	kinds := map[string]int{}
	for _, ev := range trail {
		kinds[ev["kind"].(string)+" "+fmt.Sprint(ev["method"])]++
		if ev["kind"] == "api" && ev["token_id"] != "orchestrator" {
			t.Errorf("audit line without the token id: %v", ev)
		}
	}
	for _, k := range []string{"api POST", "api PUT", "api DELETE", "change <nil>"} {
		if kinds[k] == 0 {
			t.Errorf("audit log lacks %q: %v", k, kinds)
		}
	}
	raw, _ := os.ReadFile(a.audit)
	if strings.Contains(string(raw), "0123456789abcdef0123") {
		t.Error("the audit log holds the token itself")
	}
}

func readAudit(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

// TestAPIErrors: each error the contract names, with a message that says
// which field or file.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	a.write("person.yaml", "records:\n  - name: db.example.com\n    type: A\n    value: 192.0.2.5\n")
	a.served("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.5"))

	cases := []struct {
		name, method, path, body string
		header                   []string
		code                     int
		msg                      string
	}{
		{"bad JSON", "POST", "/api/v1/dns/records", `{"name":`, nil, 400, "bad JSON"},
		{"unknown field", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"A","value":"192.0.2.1","vaule":1}`, nil, 400, "vaule"},
		{"missing type", "POST", "/api/v1/dns/records", `{"name":"a.example.com","value":"192.0.2.1"}`, nil, 422, "record_type"},
		{"bad address", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"A","value":"192.0.2.300"}`, nil, 422, "192.0.2.300"},
		{"bad name", "POST", "/api/v1/dns/records", `{"name":"a..example.com","record_type":"A","value":"192.0.2.1"}`, nil, 422, "name"},
		{"unknown type", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"SPF","value":"x"}`, nil, 422, "SPF"},
		{"outside zones", "POST", "/api/v1/dns/records", `{"name":"a.example.net","record_type":"A","value":"192.0.2.1"}`, nil, 422, "example.net"},
		{"no token", "GET", "/api/v1/dns/records", "", []string{"Authorization", ""}, 401, "token"},
		{"bad token", "GET", "/api/v1/dns/records", "", []string{"Authorization", "Bearer nope-nope-nope-nope"}, 401, "token"},
		{"browser", "GET", "/api/v1/dns/records", "", []string{"Origin", "https://evil.example"}, 403, "browser"},
		{"unknown name", "DELETE", "/api/v1/dns/records/nope.example.com", "", nil, 404, "nope.example.com"},
		{"unknown verify", "GET", "/api/v1/dns/verify/nope.example.com", "", nil, 404, "nope.example.com"},
		{"person's file", "POST", "/api/v1/dns/records", `{"name":"db.example.com","record_type":"A","value":"192.0.2.6"}`, nil, 409, "person.yaml"},
		{"person's file, delete", "DELETE", "/api/v1/dns/records/db.example.com", "", nil, 409, "person.yaml"},
		{"too large", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"TXT","value":"` + strings.Repeat("x", 70000) + `"}`, nil, 413, "larger"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := a.in(t)
			code, body := a.do(c.method, c.path, c.body, c.header...)
			msg, _ := body["error"].(string)
			if code != c.code || body["success"] != false || !strings.Contains(msg, c.msg) {
				t.Errorf("%s %s: %d %v; want %d with %q", c.method, c.path, code, body, c.code, c.msg)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(a.records, "person.yaml")); !strings.Contains(string(b), "192.0.2.5") || strings.Contains(string(b), "192.0.2.6") {
		t.Errorf("the person's file was changed:\n%s", b)
	}
	a.stillServed("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.5"))

	// CoreDNS gone: a write that waits is 503, and is applied once it is back.
	a.dns.Stop()
	waitHealth(t, strings.TrimPrefix(a.base, "http://"), http.StatusServiceUnavailable)
	code, body := a.do("POST", "/api/v1/dns/records?wait=verified", `{"name":"late.example.com","record_type":"A","value":"192.0.2.9"}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(fmt.Sprint(body["error"]), "coredns_unreachable") {
		t.Errorf("write with CoreDNS down: %d %v", code, body)
	}
	a.dns.Restart(t)
	a.served("late.example.com", dns.TypeA, set(t, "late.example.com 300 IN A 192.0.2.9"))
}

// TestAPIConcurrent: 200 concurrent registrations, all served.
func TestAPIConcurrent(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{rate: 2000, burst: 400})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ip := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
			if _, err := a.c.RegisterServerDNS(ctx, fmt.Sprintf("node-%03d.example.com", i), ip); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < 200; i++ {
		a.served(fmt.Sprintf("node-%03d.example.com", i), dns.TypeA, set(t, fmt.Sprintf("node-%03d.example.com 300 IN A 10.1.%d.%d", i, i>>8, i&255)))
	}
	recs, err := a.c.ListRecords(ctx, client.ListFilter{Zone: "example.com"})
	if err != nil || len(recs) < 200 {
		t.Fatalf("list: %d records, %v", len(recs), err)
	}
}

// TestAPIFlood: a flood from one client is answered with 429s while the
// daemon keeps going.
func TestAPIFlood(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{rate: 5, burst: 5})
	limited, retryAfter := 0, ""
	for i := 0; i < 60; i++ {
		req, _ := http.NewRequest("GET", a.base+"/api/v1/dns/records", nil)
		req.Header.Set("Authorization", "Bearer "+strings.SplitN(testToken, ":", 2)[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	if limited < 40 || retryAfter == "" {
		t.Fatalf("%d of 60 requests limited (Retry-After %q); want most of them, with Retry-After", limited, retryAfter)
	}
	// The daemon keeps working: a file change is applied, health is fine.
	a.write("web-01.yaml", web01)
	a.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	waitHealth(t, strings.TrimPrefix(a.base, "http://"), http.StatusOK)
}

// TestGoClient is the orchestrator's flow through the Go client.
func TestGoClient(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	ctx := context.Background()
	res, err := a.c.RegisterServerDNS(ctx, "web-07.example.com", netip.MustParseAddr("2001:db8::7"))
	if err != nil || res.RecordType != "AAAA" {
		t.Fatalf("RegisterServerDNS: %+v %v", res, err)
	}
	a.served("web-07.example.com", dns.TypeAAAA, set(t, "web-07.example.com 300 IN AAAA 2001:db8::7"))
	deadline := time.Now().Add(10 * time.Second)
	for ok := false; !ok; time.Sleep(25 * time.Millisecond) {
		if ok, err = a.c.VerifyDNSResolution(ctx, "web-07.example.com"); err != nil || !ok && time.Now().After(deadline) {
			t.Fatalf("VerifyDNSResolution: %v %v", ok, err)
		}
	}
	if _, err := a.c.UpdateDNSRecord(ctx, "web-07.example.com", "AAAA", "2001:db8::8"); err != nil {
		t.Fatal(err)
	}
	a.served("web-07.example.com", dns.TypeAAAA, set(t, "web-07.example.com 300 IN AAAA 2001:db8::8"))
	if err := a.c.UnregisterServerDNS(ctx, "web-07.example.com"); err != nil {
		t.Fatal(err)
	}
	a.served("web-07.example.com", dns.TypeAAAA, nil)
}

// TestCLIBothModes: register and unregister on the host (records dir) and
// remotely (--api), and `records list --json` in the seed's shape.
func TestCLIBothModes(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	if out, stderr, code := a.cli("register", "local-1.example.com", "192.0.2.41"); code != 0 {
		t.Fatalf("register (local): %d %s %s", code, out, stderr)
	}
	a.served("local-1.example.com", dns.TypeA, set(t, "local-1.example.com 300 IN A 192.0.2.41"))

	tokenFile := filepath.Join(a.dir, "tokens")
	if out, stderr, code := a.cli("register", "remote-1.example.com", "2001:db8::41", "--api", a.base, "--token-file", tokenFile); code != 0 {
		t.Fatalf("register (remote): %d %s %s", code, out, stderr)
	}
	a.served("remote-1.example.com", dns.TypeAAAA, set(t, "remote-1.example.com 300 IN AAAA 2001:db8::41"))

	out, _, code := a.cli("records", "list", "--json")
	var resp client.Response[[]client.Record]
	if err := json.NewDecoder(bytes.NewReader([]byte(out))).Decode(&resp); code != 0 || err != nil || !resp.Success {
		t.Fatalf("records list --json: %d %v: %s", code, err, out)
	}
	if len(resp.Data) != 2 {
		t.Errorf("list = %+v, want the two records", resp.Data)
	}

	if out, stderr, code := a.cli("unregister", "remote-1.example.com", "--api", a.base, "--token-file", tokenFile); code != 0 {
		t.Fatalf("unregister (remote): %d %s %s", code, out, stderr)
	}
	if out, stderr, code := a.cli("unregister", "local-1.example.com"); code != 0 {
		t.Fatalf("unregister (local): %d %s %s", code, out, stderr)
	}
	a.served("remote-1.example.com", dns.TypeAAAA, nil)
	a.served("local-1.example.com", dns.TypeA, nil)
}
