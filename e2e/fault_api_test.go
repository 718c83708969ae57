package e2e

// The fault suite's API cases: what an attacker, or an unlucky crowd of
// writers, can do through the HTTP API and the CLI beside it. Each case
// runs a real daemon and CoreDNS and checks what CoreDNS serves, what
// records.d holds and what the audit log says.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// apiToken is testToken's secret, as a client sends it.
var apiToken = strings.SplitN(testToken, ":", 2)[1]

// raw sends one request as given (no token unless in header) and returns
// the status, the body and the response's headers.
func (a *apiEnv) raw(method, path string, body io.Reader, header ...string) (int, string, http.Header) {
	a.t.Helper()
	code, b, h, err := a.send(method, path, body, header...)
	if err != nil {
		a.t.Fatal(err)
	}
	return code, b, h
}

// send is raw failing no test, for goroutines (only a test's own goroutine
// may end it).
func (a *apiEnv) send(method, path string, body io.Reader, header ...string) (int, string, http.Header, error) {
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return 0, "", nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header, nil
}

// TestFaultAPIHealthzHidesSecrets: a record file that is a symlink to a
// secret must not make /readyz, which needs no token, say anything but
// the status and the reasons' kinds, nor /healthz (liveness) say anything
// about it at all. With the token, /readyz's reasons' messages are there
// for the operator.
func TestFaultAPIHealthzHidesSecrets(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	const secret = "FAKE-SECRET-b7e1d04c"
	secretFile := filepath.Join(a.dir, "tsig.key")
	// Shaped like YAML that fails to load, the way a parser would quote it.
	content := "key: \"dnssync\" {\n  algorithm hmac-sha256;\n  secret: \"" + secret + "\"; [\n};\n"
	if err := os.WriteFile(secretFile, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secretFile, filepath.Join(a.records, "leak.yaml")); err != nil {
		t.Fatal(err)
	}
	// A file written after the symlink: once it is served, a pass has
	// seen the symlink too.
	a.write("web-01.yaml", web01)
	a.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	deadline := time.Now().Add(10 * time.Second)
	var detailed string
	for {
		code, body, _ := a.raw("GET", "/readyz", nil, "Authorization", "Bearer "+apiToken)
		if code == http.StatusServiceUnavailable && strings.Contains(body, "leak.yaml") {
			detailed = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz with the token never named leak.yaml: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(detailed, `"message"`) {
		t.Errorf("/readyz with the token has no messages: %s", detailed)
	}
	for _, c := range []struct {
		name   string
		path   string
		header []string
	}{
		{"healthz", "/healthz", nil},
		{"healthz, token", "/healthz", []string{"Authorization", "Bearer " + apiToken}},
		{"readyz", "/readyz", nil},
		{"readyz, wrong token", "/readyz", []string{"Authorization", "Bearer wrong-wrong-wrong-wrong"}},
	} {
		code, body, _ := a.raw("GET", c.path, nil, c.header...)
		for _, leak := range []string{secret, "tsig.key", a.dir, `"message"`, "leak.yaml"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s without a token: %d, body holds %q: %s", c.name, code, leak, body)
			}
		}
		if c.path == "/readyz" && (code != http.StatusServiceUnavailable || !strings.Contains(body, `"kind":"invalid_files"`)) {
			t.Errorf("%s: %d %s; want 503 with the reasons' kinds", c.name, code, body)
		}
		if c.path == "/healthz" && (code != http.StatusOK || strings.Contains(body, "kind")) {
			t.Errorf("%s: %d %s; want 200, alive, and no reasons (a bad file is no reason to restart)", c.name, code, body)
		}
	}
}

// TestFaultAPICLIAndAPIWritersLoseNothing: twenty `dnssync register`
// processes and twenty API requests add values to one name at once. Every
// one of them is acknowledged, in records.d, served, and audited.
func TestFaultAPICLIAndAPIWritersLoseNothing(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{rate: 1000, burst: 100})
	const n = 20
	const name = "pool.example.com"
	var wg sync.WaitGroup
	cliCodes, apiCodes := make([]int, n), make([]int, n)
	cliErrs := make([]string, n)
	for i := range n {
		wg.Add(2)
		// Goroutines: helpers that fail no test (run, send), errors kept.
		go func() {
			defer wg.Done()
			var err error
			if _, cliErrs[i], cliCodes[i], err = a.run("register", name, fmt.Sprintf("10.9.1.%d", i+1)); err != nil {
				cliErrs[i] = err.Error()
			}
		}()
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"name":%q,"record_type":"A","value":"10.9.2.%d"}`, name, i+1)
			var err error
			if apiCodes[i], _, _, err = a.send("POST", "/api/v1/dns/records", strings.NewReader(body), "Authorization", "Bearer "+apiToken); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if cliCodes[i] != 0 {
			t.Errorf("dnssync register 10.9.1.%d: exit %d: %s", i+1, cliCodes[i], cliErrs[i])
		}
		if apiCodes[i] != http.StatusCreated {
			t.Errorf("POST 10.9.2.%d: %d, want 201", i+1, apiCodes[i])
		}
	}

	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("10.9.1.%d", i+1), fmt.Sprintf("10.9.2.%d", i+1))
	}
	b, err := os.ReadFile(filepath.Join(a.records, "api-"+name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Records []struct{ Values []string }
	}
	if err := yaml.Unmarshal(b, &file); err != nil || len(file.Records) != 1 {
		t.Fatalf("the API's file: %v\n%s", err, b)
	}
	var missing []string
	for _, v := range want {
		if !slices.Contains(file.Records[0].Values, v) {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged values lost from records.d: %v", len(missing), len(want), missing)
	}
	var rrs []string
	for _, v := range want {
		rrs = append(rrs, name+" 300 IN A "+v)
	}
	a.served(name, dns.TypeA, set(t, rrs...))

	kinds := map[string]int{}
	for _, ev := range readAudit(t, a.audit) {
		switch {
		case ev["kind"] == "cli" && ev["action"] == "register" && ev["result"] == "accepted" && ev["user"] != nil && ev["uid"] != nil:
			kinds["cli"]++
		case ev["kind"] == "api" && ev["method"] == "POST" && ev["status"] == 201.0 && ev["client"] == "127.0.0.1":
			kinds["api"]++
		}
	}
	if kinds["cli"] != n || kinds["api"] != n {
		t.Errorf("audit: %d cli and %d api writes, want %d of each", kinds["cli"], kinds["api"], n)
	}
}

// longName253 is a valid name of 253 octets in example.com.
var longName253 = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 49) + ".example.com"

// TestFaultAPILongName: a name of the longest length DNS allows is
// registered, served, updated and unregistered through the API, and its
// file's name fits the file system.
func TestFaultAPILongName(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	name := longName253
	if len(name) != 253 {
		t.Fatalf("name of %d octets", len(name))
	}
	code, body := a.do("POST", "/api/v1/dns/records?wait=verified", fmt.Sprintf(`{"name":%q,"record_type":"A","value":"192.0.2.53"}`, name))
	if code != http.StatusCreated || body["data"].(map[string]any)["status"] != "verified" {
		t.Fatalf("register: %d %v", code, body)
	}
	a.served(name, dns.TypeA, set(t, name+". 300 IN A 192.0.2.53"))
	files, _ := filepath.Glob(filepath.Join(a.records, "api-*.yaml"))
	if len(files) != 1 || len(filepath.Base(files[0])) > 255 {
		t.Fatalf("the API's files: %v", files)
	}
	code, body = a.do("GET", "/api/v1/dns/records?name="+url.QueryEscape(name), "")
	if list, _ := body["data"].([]any); code != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["name"] != name {
		t.Errorf("list: %d %v", code, body)
	}

	code, body = a.do("PUT", "/api/v1/dns/records/"+url.PathEscape(name)+"?wait=verified", `{"record_type":"A","value":"192.0.2.54"}`)
	if code != http.StatusOK || body["data"].(map[string]any)["status"] != "verified" {
		t.Fatalf("update: %d %v", code, body)
	}
	a.served(name, dns.TypeA, set(t, name+". 300 IN A 192.0.2.54"))

	code, body = a.do("DELETE", "/api/v1/dns/records/"+url.PathEscape(name)+"?wait=verified", "")
	if code != http.StatusOK || body["data"].(map[string]any)["status"] != "verified" {
		t.Fatalf("unregister: %d %v", code, body)
	}
	a.served(name, dns.TypeA, nil)
	if files, _ := filepath.Glob(filepath.Join(a.records, "api-*")); len(files) != 0 {
		t.Errorf("left in records.d: %v", files)
	}
}

// TestFaultAPIHostileRequests: hostile bodies, names and headers are each
// refused with the status the contract names; afterwards records.d holds
// only valid files and every record registered before is still served.
func TestFaultAPIHostileRequests(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{rate: 1000, burst: 200})
	a.write("person.yaml", "records:\n  - name: db.example.com\n    type: A\n    value: 192.0.2.5\n")
	if code, body := a.do("POST", "/api/v1/dns/records", `{"name":"web-01.example.com","record_type":"A","value":"192.0.2.10"}`); code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, body)
	}
	a.served("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.5"))
	a.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	post := func(name string) string {
		b, err := json.Marshal(client.WriteRequest{Name: name, RecordType: "A", Value: "192.0.2.66"})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name, method, path, body string
		header                   []string
		code                     int
		msg                      string
	}{
		{"oversized body", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"TXT","value":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "larger"},
		{"oversized string", "POST", "/api/v1/dns/records", `{"name":"` + strings.Repeat("x", 200000), nil, 413, "larger"},
		{"not JSON", "POST", "/api/v1/dns/records", "name=a.example.com&value=192.0.2.1", nil, 400, "bad JSON"},
		{"empty body", "POST", "/api/v1/dns/records", "", nil, 400, "bad JSON"},
		{"unknown field", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"A","value":"192.0.2.1","owner":"x"}`, nil, 400, "owner"},
		{"trailing data", "POST", "/api/v1/dns/records", post("a.example.com") + `{"name":"b.example.com"}`, nil, 400, "more than one"},
		{"deep nesting", "POST", "/api/v1/dns/records", `{"name":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, nil, 400, "bad JSON"},
		{"name a number", "POST", "/api/v1/dns/records", `{"name":7,"record_type":"A","value":"192.0.2.1"}`, nil, 400, "name"},
		{"ttl a string", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"A","value":"192.0.2.1","ttl":"300"}`, nil, 400, "ttl"},
		{"ttl negative", "POST", "/api/v1/dns/records", `{"name":"a.example.com","record_type":"A","value":"192.0.2.1","ttl":-1}`, nil, 400, "ttl"},
		{"huge name", "POST", "/api/v1/dns/records", post(strings.Repeat("a.", 2000) + "example.com"), nil, 422, "name"},
		{"long label", "POST", "/api/v1/dns/records", post(strings.Repeat("a", 64) + ".example.com"), nil, 422, "name"},
		{"NUL in name", "POST", "/api/v1/dns/records", post("a\x00.example.com"), nil, 422, "name"},
		{"control char in name", "POST", "/api/v1/dns/records", post("a\x07b.example.com"), nil, 422, "name"},
		{"space in name", "POST", "/api/v1/dns/records", post("a b.example.com"), nil, 422, "name"},
		{"traversal in name", "POST", "/api/v1/dns/records", post("../x"), nil, 422, "name"},
		{"traversal to a file", "POST", "/api/v1/dns/records", post("../../../etc/passwd"), nil, 422, "name"},
		{"slash in name", "POST", "/api/v1/dns/records", post("a/b.example.com"), nil, 422, "name"},
		{"%00 in path", "PUT", "/api/v1/dns/records/a%00.example.com", `{"record_type":"A","value":"192.0.2.1"}`, nil, 422, "name"},
		{"%2e%2e%2f in path", "PUT", "/api/v1/dns/records/%2e%2e%2fx", `{"record_type":"A","value":"192.0.2.1"}`, nil, 422, "name"},
		{"encoded traversal, delete", "DELETE", "/api/v1/dns/records/..%2f..%2fetc%2fpasswd", "", nil, 422, "name"},
		{"encoded traversal, verify", "GET", "/api/v1/dns/verify/%2e%2e%2fapi-web-01.example.com.yaml", "", nil, 422, "name"},
		{"person's records, delete", "DELETE", "/api/v1/dns/records/db.example.com", "", nil, 409, "person.yaml"},
		{"browser", "POST", "/api/v1/dns/records", post("a.example.com"), []string{"Origin", "https://evil.example"}, 403, "browser"},
		{"browser, preflight", "OPTIONS", "/api/v1/dns/records", "", []string{"Origin", "https://evil.example"}, 405, ""},
	}
	for _, c := range cases {
		header := append([]string{"Authorization", "Bearer " + apiToken}, c.header...)
		code, body, _ := a.raw(c.method, c.path, strings.NewReader(c.body), header...)
		if code != c.code || !strings.Contains(body, c.msg) {
			if len(body) > 300 {
				body = body[:300] + "..."
			}
			t.Errorf("%s: %d %s; want %d with %q", c.name, code, body, c.code, c.msg)
		}
	}

	// records.d holds what it held, and the lock: nothing else, nothing invalid.
	entries, err := os.ReadDir(a.records)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".dnssync.lock") {
			names = append(names, e.Name())
		}
	}
	if want := []string{"api-web-01.example.com.yaml", "person.yaml"}; !slices.Equal(names, want) {
		t.Errorf("records.d holds %v, want %v", names, want)
	}
	if out, stderr, code := a.cli("validate"); code != 0 {
		t.Errorf("validate after the attack: %d %s %s", code, out, stderr)
	}
	a.stillServed("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.5"))
	a.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	for _, n := range []string{"a.example.com", "b.example.com"} {
		if got, err := a.res.Query(context.Background(), n, dns.TypeA); err != nil || got != nil {
			t.Errorf("%s served after refused requests: %v %v", n, got, err)
		}
	}
	waitHealth(t, strings.TrimPrefix(a.base, "http://"), http.StatusOK)
}

// TestFaultAPIFailedLogins: the Bearer scheme in any case works; refused
// requests are audited with the client's address and never the token or
// the body; a stream of wrong tokens is cut off with 429 and Retry-After
// after a few 401s, while the daemon keeps serving.
func TestFaultAPIFailedLogins(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{rate: 1000, burst: 200})
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		if code, body, _ := a.raw("GET", "/api/v1/dns/records", nil, "Authorization", scheme+" "+apiToken); code != http.StatusOK {
			t.Errorf("%s TOKEN: %d %s", scheme, code, body)
		}
	}
	const bodySecret = "BODY-CONTENT-5a1f"
	for _, c := range []struct {
		body string
		code int
	}{
		{`{"name":"` + bodySecret, 400},
		{`{"name":"a.example.com","record_type":"TXT","value":"` + strings.Repeat(bodySecret, 20000) + `"}`, 413},
	} {
		if code, body, _ := a.raw("POST", "/api/v1/dns/records", strings.NewReader(c.body), "Authorization", "Bearer "+apiToken); code != c.code {
			t.Errorf("refused body: %d %s, want %d", code, body, c.code)
		}
	}

	const wrong = "wrong-token-0123456789"
	codes := map[int]int{}
	retryAfter := ""
	for range 200 {
		code, _, h := a.raw("GET", "/api/v1/dns/records", nil, "Authorization", "Bearer "+wrong)
		codes[code]++
		if code == http.StatusTooManyRequests {
			retryAfter = h.Get("Retry-After")
		}
	}
	if codes[http.StatusUnauthorized] > 20 || codes[http.StatusTooManyRequests] < 180 || retryAfter == "" {
		t.Errorf("200 wrong tokens answered %v (Retry-After %q); want a few 401s, then 429s", codes, retryAfter)
	}
	// The probes count their failures apart: /readyz keeps its answer.
	if code, body, _ := a.raw("GET", "/readyz", nil, "Authorization", "Bearer "+apiToken); code != http.StatusOK || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("/readyz with the token from a limited address: %d %s", code, body)
	}

	trail, err := os.ReadFile(a.audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{apiToken, wrong, bodySecret} {
		if strings.Contains(string(trail), leak) {
			t.Errorf("the audit log holds %q", leak)
		}
	}
	statuses := map[float64]int{}
	for _, ev := range readAudit(t, a.audit) {
		if ev["kind"] == "api" && ev["client"] == "127.0.0.1" && strings.HasPrefix(fmt.Sprint(ev["result"]), "refused") {
			statuses[ev["status"].(float64)]++
		}
	}
	// The 429s are audited too, but only the first in a minute: a guessing
	// loop cannot fill the disk.
	if statuses[400] != 1 || statuses[413] != 1 || statuses[401] != codes[http.StatusUnauthorized] || statuses[429] != 1 {
		t.Errorf("audited refusals by status %v; want one 400, one 413, %d 401s and one 429", statuses, codes[http.StatusUnauthorized])
	}

	// The daemon keeps working.
	a.write("web-01.yaml", web01)
	a.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
}

// within sends one request with the token, giving up after d: a request
// that hangs is a failure of its own, not a test that never ends.
func (a *apiEnv) within(d time.Duration, method, path, body string) (int, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := (&http.Client{Timeout: d}).Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: no answer within %s: %v", method, path, d, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// peakRSS is a process's peak resident memory (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// TestFaultAPINonRegularAPIFiles: an API file replaced by a FIFO, or by a
// link to a huge sparse file, is refused at once with 503 naming the file;
// the daemon neither blocks (holding records.d's lock, which would stall
// every API write) nor reads the file into memory; other names are
// written and served meanwhile.
func TestFaultAPINonRegularAPIFiles(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	fifo := filepath.Join(a.records, "api-fifo1.example.com.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(a.records, ".big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: no disk, 1 GiB to a reader
		t.Fatal(err)
	}
	f.Close()
	if err := os.Symlink(".big", filepath.Join(a.records, "api-big.example.com.yaml")); err != nil {
		t.Fatal(err)
	}
	before := peakRSS(t, a.d.cmd.Process.Pid)
	for _, c := range []struct{ name, file, why string }{
		{"fifo1.example.com", "api-fifo1.example.com.yaml", "FIFO"},
		{"big.example.com", "api-big.example.com.yaml", "larger than"},
	} {
		code, body := a.within(15*time.Second, "POST", "/api/v1/dns/records", fmt.Sprintf(`{"name":%q,"record_type":"A","value":"192.0.2.80"}`, c.name))
		if code != http.StatusServiceUnavailable || !strings.Contains(body, c.file) || !strings.Contains(body, c.why) {
			t.Errorf("POST %s: %d %s; want 503 naming %s", c.name, code, body, c.file)
		}
	}
	if grew := peakRSS(t, a.d.cmd.Process.Pid) - before; grew > 256<<20 {
		t.Errorf("the daemon's peak memory grew by %d MiB", grew>>20)
	}
	code, body := a.within(15*time.Second, "POST", "/api/v1/dns/records?wait=verified", `{"name":"web-02.example.com","record_type":"A","value":"192.0.2.81"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST of another name: %d %s", code, body)
	}
	a.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.81"))
	for _, p := range []string{fifo, filepath.Join(a.records, "api-big.example.com.yaml")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}

// TestFaultAPILockFileFIFO: a FIFO planted as records.d's lock file makes
// `dnssync register` fail at once, naming it (it used to block in open()
// for ten minutes, deaf to SIGTERM); nothing is written.
func TestFaultAPILockFileFIFO(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lock := filepath.Join(e.records, ".dnssync.lock")
	if err := syscall.Mkfifo(lock, 0o666); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, stderr, code := e.cli("register", "web-01.example.com", "192.0.2.10")
	if code == 0 || !strings.Contains(stderr, lock) || !strings.Contains(stderr, "not a regular file") {
		t.Errorf("register with a FIFO as the lock: exit %d, stderr %q", code, stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("register took %s to give up", d)
	}
	if files, _ := filepath.Glob(filepath.Join(e.records, "api-*")); len(files) != 0 {
		t.Errorf("written without the lock: %v", files)
	}
}

// TestFaultAPILockNotOpenToOthers: records.d is readable by every user
// (0755), but its lock file is not: a local user who is not a writer of
// records.d cannot open it, so cannot flock it and stall every write.
func TestFaultAPILockNotOpenToOthers(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	if code, body := a.within(15*time.Second, "POST", "/api/v1/dns/records", `{"name":"web-03.example.com","record_type":"A","value":"192.0.2.82"}`); code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, body)
	}
	lock := filepath.Join(a.records, ".dnssync.lock")
	fi, err := os.Stat(lock)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		t.Errorf("records.d's lock file is mode %04o: every user can open it", perm)
	}
	if os.Geteuid() != 0 {
		return // the attack below needs another user
	}
	// As the attacker: records.d reachable by all, as installed.
	for _, d := range []string{filepath.Dir(a.dir), a.dir, a.records} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("flock", "-n", "-x", lock, "true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("user nobody took records.d's lock (%s)", out)
	} else if !strings.Contains(string(out), "ermission denied") {
		t.Errorf("flock as nobody: %v %s; want permission denied", err, out)
	}
}

// TestFaultAPIStaleProbeKeepsTheAPI: a monitoring probe sending a stale
// token to /readyz, again and again, keeps getting its answer, and the
// orchestrator on the same address still writes with the right token: a
// probe's failed logins count apart from the API's.
func TestFaultAPIStaleProbeKeepsTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	for i := range 30 {
		code, body, _ := a.raw("GET", "/readyz", nil, "Authorization", "Bearer stale-token-0123456789")
		if code != http.StatusOK || strings.Contains(body, `"message"`) {
			t.Fatalf("probe %d with a stale token: %d %s", i, code, body)
		}
	}
	code, body := a.within(15*time.Second, "POST", "/api/v1/dns/records?wait=verified", `{"name":"web-04.example.com","record_type":"A","value":"192.0.2.84"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST with the right token after stale probes: %d %s", code, body)
	}
	a.served("web-04.example.com", dns.TypeA, set(t, "web-04.example.com 300 IN A 192.0.2.84"))
	probes := 0
	for _, ev := range readAudit(t, a.audit) {
		if ev["path"] == "/readyz" && strings.Contains(fmt.Sprint(ev["result"]), "invalid bearer token") {
			probes++
		}
	}
	if probes != 1 {
		t.Errorf("%d audit lines for 30 stale probes in a few seconds, want 1", probes)
	}
}

// TestFaultAPITokenFileMode: a token file that every user can read is
// refused by check-config (and so by the start), as a TSIG secret is.
func TestFaultAPITokenFileMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tokens := filepath.Join(e.dir, "tokens")
	if err := os.WriteFile(tokens, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.API = &corednstest.API{Listen: "127.0.0.1:0", TokenFile: tokens}
	e.writeConfig()
	if out, stderr, code := e.cli("check-config"); code != 0 {
		t.Fatalf("check-config with a 0600 token file: %d %s %s", code, out, stderr)
	}
	if err := os.Chmod(tokens, 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := e.cli("check-config")
	if code == 0 || !strings.Contains(stderr, "readable by every user") || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("check-config with a 0644 token file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if strings.Contains(out+stderr, apiToken) {
		t.Error("check-config printed the token")
	}
}

// TestFaultAPIApplyAudited: `dnssync apply` follows the CLI's rule for the
// audit log: it applies nothing when it cannot open the file, and when the
// change is made but its lines cannot be written (a full disk: /dev/full)
// it says "applied, but not audited" and exits 1.
func TestFaultAPIApplyAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.cfg.Audit.File = filepath.Join(e.dir, "no-such-dir", "audit.log")
	e.writeConfig()
	_, stderr, code := e.cli("apply")
	if code != 1 || !strings.Contains(stderr, "nothing applied") {
		t.Errorf("apply without an audit file: exit %d, stderr %q", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(e.zones, "db.*")); len(files) != 0 {
		t.Errorf("applied without an audit trail: %v", files)
	}
	e.cfg.Audit.File = "/dev/full"
	e.writeConfig()
	_, stderr, code = e.cli("apply")
	if code != 1 || !strings.Contains(stderr, "applied, but not audited") {
		t.Errorf("apply with an audit file that cannot be written: exit %d, stderr %q", code, stderr)
	}
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
}
