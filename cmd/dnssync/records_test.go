package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// testEnv is a config and an empty records dir for one test.
type testEnv struct {
	cfg, dir string
	conf     corednstest.Config // what cfg holds; change it with configure
}

// newEnv writes a config managing example.com whose authoritative server
// is dnsAddr (nothing listens there unless a test starts a fake).
func newEnv(t *testing.T, dnsAddr string) testEnv {
	t.Helper()
	tmp := t.TempDir()
	e := testEnv{cfg: filepath.Join(tmp, "dnssync.toml"), dir: filepath.Join(tmp, "records.d")}
	if err := os.Mkdir(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if dnsAddr == "" {
		dnsAddr = "127.0.0.1:1"
	}
	e.conf = corednstest.Config{
		DNS:     corednstest.DNS{Addr: dnsAddr, TTL: 300},
		Records: corednstest.Records{Dir: e.dir},
		Backend: corednstest.Backend{ZoneDir: filepath.Join(tmp, "zones"), StateDir: filepath.Join(tmp, "state")},
		Zones:   []string{"example.com"},
	}
	if err := e.conf.Write(e.cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// configure changes the env's config with change and writes it again,
// through the one writer.
func (e *testEnv) configure(t *testing.T, change func(*corednstest.Config)) {
	t.Helper()
	change(&e.conf)
	if err := e.conf.Write(e.cfg); err != nil {
		t.Fatal(err)
	}
}

// write puts a person's record file into the records dir.
func (e testEnv) write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs dnssync with --config appended.
func (e testEnv) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runArgs(t, append(args, "--config", e.cfg)...)
}

func runArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// list returns `records list --json`, decoded.
func (e testEnv) list(t *testing.T) []client.Record {
	t.Helper()
	code, out, stderr := e.run(t, "records", "list", "--json")
	if code != exitOK {
		t.Fatalf("records list: exit %d: %s", code, stderr)
	}
	var r client.Response[[]client.Record]
	if err := json.Unmarshal([]byte(out), &r); err != nil || !r.Success {
		t.Fatalf("records list --json: %v: %s", err, out)
	}
	return r.Data
}

func TestRegisterPicksType(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []client.Record // after the command
		wantErr  string          // in stderr
	}{
		{
			name:     "IPv4 is A",
			args:     []string{"register", "Web-01.example.com.", "192.168.1.10"},
			wantCode: exitOK,
			want:     []client.Record{{Name: "web-01.example.com", RecordType: "A", Value: "192.168.1.10", TTL: 300, Source: "api-web-01.example.com.yaml"}},
		},
		{
			name:     "IPv6 is AAAA",
			args:     []string{"register", "web-01.example.com", "2001:db8::10"},
			wantCode: exitOK,
			want:     []client.Record{{Name: "web-01.example.com", RecordType: "AAAA", Value: "2001:db8::10", TTL: 300, Source: "api-web-01.example.com.yaml"}},
		},
		{
			name:     "IPv4-mapped is refused with advice",
			args:     []string{"register", "web-01.example.com", "::ffff:192.168.1.10"},
			wantCode: exitError,
			wantErr:  "write it as plain IPv4",
		},
		{
			name:     "not an address needs --type",
			args:     []string{"register", "www.example.com", "web-01.example.com"},
			wantCode: exitUsage,
			wantErr:  "pass --type",
		},
		{
			name:     "flags before the arguments",
			args:     []string{"register", "--type", "cname", "--ttl", "60", "www.example.com", "web-01.example.com"},
			wantCode: exitOK,
			want:     []client.Record{{Name: "www.example.com", RecordType: "CNAME", Value: "web-01.example.com.", TTL: 60, Source: "api-www.example.com.yaml"}},
		},
		{
			name:     "flags between and after",
			args:     []string{"register", "_acme-challenge.example.com", "--type", "TXT", "token with spaces", "--ttl", "0"},
			wantCode: exitOK,
			want:     []client.Record{{Name: "_acme-challenge.example.com", RecordType: "TXT", Value: "token with spaces", TTL: 0, Source: "api-_acme-challenge.example.com.yaml"}},
		},
		{
			name:     "-- ends the flags",
			args:     []string{"register", "--type", "TXT", "--config", "CONFIG", "--", "t.example.com", "--not-a-flag"},
			wantCode: exitOK,
			want:     []client.Record{{Name: "t.example.com", RecordType: "TXT", Value: "--not-a-flag", TTL: 300, Source: "api-t.example.com.yaml"}},
		},
		{
			name:     "outside every zone",
			args:     []string{"register", "web.example.org", "192.0.2.1"},
			wantCode: exitError,
			wantErr:  "dnssync: register web.example.org: invalid record: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "")
			args := tt.args
			if i := slices.Index(args, "CONFIG"); i >= 0 {
				args = slices.Clone(args)
				args[i] = e.cfg
			} else {
				args = append(args, "--config", e.cfg)
			}
			code, out, stderr := runArgs(t, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tt.wantCode, out, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantErr)
			}
			got := e.list(t)
			if tt.want == nil {
				tt.want = []client.Record{}
			}
			if !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("records\n got %+v\nwant %+v", got, tt.want)
			}
			if code == exitOK && !strings.Contains(out, "the daemon applies it") {
				t.Errorf("stdout %q does not say what happens next", out)
			}
		})
	}
}

func TestRegisterTwiceIsUnchanged(t *testing.T) {
	e := newEnv(t, "")
	for i, want := range []string{"registered web-01.example.com A 192.168.1.10 (ttl 300): accepted\n", "unchanged: web-01.example.com A 192.168.1.10 (ttl 300)\n  records.d already says so"} {
		code, out, stderr := e.run(t, "register", "web-01.example.com", "192.168.1.10")
		if code != exitOK || !strings.HasPrefix(out, want) {
			t.Errorf("run %d: exit %d, stdout %q (want prefix %q), stderr %q", i, code, out, want, stderr)
		}
	}
}

func TestAutoRegisterOffSaysApply(t *testing.T) {
	e := newEnv(t, "")
	e.configure(t, func(c *corednstest.Config) { c.DNS.AutoRegister = corednstest.Bool(false) })
	code, out, stderr := e.run(t, "register", "web-01.example.com", "192.168.1.10")
	if code != exitOK || !strings.Contains(out, "`dnssync apply` applies it") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

const personsFile = `# kept by hand
records:
  - name: web.example.com
    type: A
    value: 192.0.2.1
`

func TestPersonsFileIsProtected(t *testing.T) {
	e := newEnv(t, "")
	e.write(t, "web.yaml", personsFile)
	for _, args := range [][]string{
		{"register", "web.example.com", "192.0.2.2"},
		{"update", "web.example.com", "192.0.2.2"},
		{"unregister", "web.example.com"},
		{"unregister", "web.example.com", "--type", "A"},
		{"register", "web.example.com", "--type", "CNAME", "other.example.com"},
	} {
		code, out, stderr := e.run(t, args...)
		want := fmt.Sprintf("dnssync: %s web.example.com: declared by a file the API did not write: web.example.com is declared in %s:3; change that file instead\n",
			args[0], filepath.Join(e.dir, "web.yaml"))
		if code != exitError || stderr != want {
			t.Errorf("%v: exit %d, stdout %q, stderr\n got %q\nwant %q", args, code, out, stderr, want)
		}
	}
	// Another type at the name is the API's to add.
	if code, _, stderr := e.run(t, "register", "web.example.com", "2001:db8::1"); code != exitOK {
		t.Errorf("AAAA beside a person's A: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(e.dir, "web.yaml")); string(b) != personsFile {
		t.Errorf("the person's file changed:\n%s", b)
	}
}

func TestUpdateReplacesRRset(t *testing.T) {
	e := newEnv(t, "")
	for _, args := range [][]string{
		{"register", "app.example.com", "192.0.2.1", "--ttl", "60"},
		{"register", "app.example.com", "192.0.2.2"},
		{"register", "app.example.com", "2001:db8::1"},
	} {
		if code, _, stderr := e.run(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if got := e.list(t); len(got) != 3 {
		t.Fatalf("after three registers: %+v", got)
	}
	code, out, stderr := e.run(t, "update", "app.example.com", "192.0.2.9")
	if code != exitOK || !strings.HasPrefix(out, "updated app.example.com A 192.0.2.9 (ttl 60): accepted\n") {
		t.Fatalf("update: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	want := []client.Record{
		{Name: "app.example.com", RecordType: "A", Value: "192.0.2.9", TTL: 60, Source: "api-app.example.com.yaml"}, // TTL kept
		{Name: "app.example.com", RecordType: "AAAA", Value: "2001:db8::1", TTL: 300, Source: "api-app.example.com.yaml"},
	}
	if got := e.list(t); !reflect.DeepEqual(got, want) {
		t.Errorf("after update\n got %+v\nwant %+v", got, want)
	}
	code, out, _ = e.run(t, "update", "app.example.com", "192.0.2.9")
	if code != exitOK || out != "unchanged: app.example.com A 192.0.2.9 (ttl 60)\n  records.d already says so; nothing written\n  file: "+filepath.Join(e.dir, "api-app.example.com.yaml")+"\n" {
		t.Errorf("same update again: exit %d, stdout %q", code, out)
	}
}

func TestUnregisterLastRecordRemovesFile(t *testing.T) {
	e := newEnv(t, "")
	path := filepath.Join(e.dir, "api-web-01.example.com.yaml")
	e.run(t, "register", "web-01.example.com", "192.168.1.10")
	e.run(t, "register", "web-01.example.com", "2001:db8::10")

	code, out, stderr := e.run(t, "unregister", "--type", "a", "web-01.example.com")
	if code != exitOK || !strings.HasPrefix(out, "unregistered web-01.example.com A: accepted\n") || !strings.HasSuffix(out, "\n  file: "+path+"\n") {
		t.Fatalf("unregister A: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file gone while AAAA is left: %v", err)
	}
	code, out, stderr = e.run(t, "unregister", "web-01.example.com", "--type", "AAAA")
	if code != exitOK || !strings.HasPrefix(out, "unregistered web-01.example.com AAAA: accepted\n") || !strings.HasSuffix(out, "\n  file: "+path+", removed (nothing left in it)\n") {
		t.Fatalf("unregister AAAA: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the API's file is still there after its last record: %v", err)
	}
	if got := e.list(t); len(got) != 0 {
		t.Errorf("records left: %+v", got)
	}
	code, _, stderr = e.run(t, "unregister", "web-01.example.com")
	if code != exitError || !strings.Contains(stderr, "dnssync: unregister web-01.example.com: no such record: web-01.example.com (not written through the API)") {
		t.Errorf("unregister again: exit %d, stderr %q", code, stderr)
	}
}

func TestUnregisterEveryType(t *testing.T) {
	e := newEnv(t, "")
	e.run(t, "register", "web-01.example.com", "192.168.1.10")
	e.run(t, "register", "web-01.example.com", "2001:db8::10")
	code, out, stderr := e.run(t, "unregister", "web-01.example.com")
	if code != exitOK || !strings.HasPrefix(out, "unregistered web-01.example.com: accepted\n") || !strings.Contains(out, ", removed (nothing left in it)\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestRecordsListJSONShape(t *testing.T) {
	e := newEnv(t, "")
	long := strings.Repeat("x", 250) + `"quoted" \back café ` + strings.Repeat("y", 100)
	e.write(t, "people.yaml", `records:
  - name: example.com
    type: MX
    value: 10 Mail.example.com
  - name: example.com
    type: TXT
    value: '`+long+`'
`)
	e.run(t, "register", "web-01.example.com", "192.168.1.10")

	code, out, stderr := e.run(t, "records", "list", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The exact shape, field names and order included.
	var raw struct {
		Success *bool             `json:"success"`
		Data    []json.RawMessage `json:"data"`
		Error   *string           `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil || raw.Success == nil || !*raw.Success || raw.Error != nil {
		t.Fatalf("not {\"success\": true, \"data\": [...]}: %v\n%s", err, out)
	}
	want := []string{
		`{"name":"example.com","record_type":"MX","value":"10 mail.example.com.","ttl":300,"source":"people.yaml"}`,
		`{"name":"example.com","record_type":"TXT","value":` + jsonString(long) + `,"ttl":300,"source":"people.yaml"}`,
		`{"name":"web-01.example.com","record_type":"A","value":"192.168.1.10","ttl":300,"source":"api-web-01.example.com.yaml"}`,
	}
	if len(raw.Data) != len(want) {
		t.Fatalf("got %d records, want %d:\n%s", len(raw.Data), len(want), out)
	}
	for i, w := range want {
		var compact bytes.Buffer
		json.Compact(&compact, raw.Data[i])
		if compact.String() != w {
			t.Errorf("record %d\n got %s\nwant %s", i, compact.String(), w)
		}
	}
}

func TestRecordsListEmpty(t *testing.T) {
	e := newEnv(t, "")
	code, out, stderr := e.run(t, "records", "--json", "list")
	if code != exitOK || strings.Join(strings.Fields(out), "") != `{"success":true,"data":[]}` {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestRecordsListTable(t *testing.T) {
	e := newEnv(t, "")
	e.run(t, "register", "web-01.example.com", "192.168.1.10")
	e.write(t, "bad.yaml", "records:\n  - name: x.example.com\n    type: A\n    value: nope\n")
	code, out, stderr := e.run(t, "records", "list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME TYPE TTL VALUE SOURCE" ||
		strings.Join(strings.Fields(lines[1]), " ") != "web-01.example.com A 300 192.168.1.10 api-web-01.example.com.yaml" {
		t.Errorf("table:\n%s", out)
	}
	if !strings.Contains(stderr, "invalid: "+filepath.Join(e.dir, "bad.yaml")+":4:") {
		t.Errorf("the invalid file is not reported: %q", stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	e := newEnv(t, "")
	for _, args := range [][]string{
		{"register"},
		{"register", "web.example.com"},
		{"register", "web.example.com", "192.0.2.1", "extra"},
		{"register", "web.example.com", "192.0.2.1", "--ttl", "-1"},
		{"register", "web.example.com", "192.0.2.1", "--ttl", "4294967296"},
		{"register", "web.example.com", "192.0.2.1", "--wait"},
		{"register", "web.example.com", "192.0.2.1", "--token-file", "/dev/null"},
		{"update", "web.example.com", "not-an-address"},
		{"unregister"},
		{"records"},
		{"records", "show"},
		{"records", "list", "extra"},
		{"verify", "a.example.com", "b.example.com"},
		{"verify", "--api", "http://127.0.0.1:8053"},
	} {
		if code, _, stderr := e.run(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, exitUsage, stderr)
		}
	}
	if code, _, _ := e.run(t, "register", "--api", "ftp://x", "web.example.com", "192.0.2.1"); code != exitError {
		t.Errorf("bad --api: exit %d", code)
	}
}

// fakeDNS is an authoritative server answering from a map.
type fakeDNS struct {
	mu  sync.Mutex
	rrs map[string][]dns.RR // "name. TYPE"
}

// startDNS serves f over UDP, and over TCP on the same port for zone
// transfers (`dnssync verify` transfers each zone to find stale records).
func startDNS(t *testing.T) (*fakeDNS, string) {
	t.Helper()
	f := &fakeDNS{rrs: map[string][]dns.RR{}}
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc, err := net.ListenPacket("udp", l.Addr().String())
		if err != nil { // the port is taken for UDP: another
			l.Close()
			continue
		}
		for _, srv := range []*dns.Server{{PacketConn: pc}, {Listener: l}} {
			started := make(chan struct{})
			srv.Handler, srv.NotifyStartedFunc = dns.HandlerFunc(f.answer), func() { close(started) }
			go srv.ActivateAndServe()
			<-started
			t.Cleanup(func() { srv.Shutdown() })
		}
		return f, pc.LocalAddr().String()
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return nil, ""
}

func (f *fakeDNS) answer(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	name := strings.ToLower(q.Question[0].Name)
	f.mu.Lock()
	if q.Question[0].Qtype == dns.TypeAXFR {
		// The zone whole, between its SOA: what is served, by transfer.
		soa, _ := dns.NewRR(name + " 3600 IN SOA ns1." + name + " hostmaster." + name + " 1 3600 600 604800 300")
		m.Answer = append(m.Answer, soa)
		for _, rrs := range f.rrs {
			if dns.IsSubDomain(name, rrs[0].Header().Name) {
				m.Answer = append(m.Answer, rrs...)
			}
		}
		m.Answer = append(m.Answer, soa)
	} else {
		m.Answer = f.rrs[name+" "+dns.TypeToString[q.Question[0].Qtype]]
	}
	f.mu.Unlock()
	w.WriteMsg(m)
}

func (f *fakeDNS) serve(t *testing.T, rrs ...string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.rrs)
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		k := rr.Header().Name + " " + dns.TypeToString[rr.Header().Rrtype]
		f.rrs[k] = append(f.rrs[k], rr)
	}
}

func TestVerifyName(t *testing.T) {
	srv, addr := startDNS(t)
	e := newEnv(t, addr)
	e.run(t, "register", "web-01.example.com", "192.168.1.10")
	e.run(t, "register", "web-01.example.com", "2001:db8::10")
	e.run(t, "register", "web-01.example.com", "192.168.1.11")

	srv.serve(t, "web-01.example.com. 300 IN A 192.168.1.11", "web-01.example.com. 300 IN A 192.168.1.10", "web-01.example.com. 300 IN AAAA 2001:db8::10")
	code, out, stderr := e.run(t, "verify", "web-01.example.com")
	want := "ok   web-01.example.com A: 300 [192.168.1.10, 192.168.1.11]\n" +
		"ok   web-01.example.com AAAA: 300 [2001:db8::10]\n" +
		"verified: web-01.example.com is served as declared by " + addr + "\n"
	if code != exitOK || out != want {
		t.Errorf("all served: exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr, out, want)
	}

	srv.serve(t, "web-01.example.com. 60 IN A 192.168.1.10")
	code, out, _ = e.run(t, "verify", "web-01.example.com")
	want = "FAIL web-01.example.com A: want 300 [192.168.1.10, 192.168.1.11], served 60 [192.168.1.10]\n" +
		"FAIL web-01.example.com AAAA: want 300 [2001:db8::10], served -\n" +
		"not verified: web-01.example.com is not served as declared by " + addr + "\n"
	if code != exitError || out != want {
		t.Errorf("not served: exit %d, stdout\n%s\nwant\n%s", code, out, want)
	}

	code, out, _ = e.run(t, "verify", "--json", "web-01.example.com")
	var r client.Response[client.Verification]
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitError || !r.Success || r.Data.Verified || len(r.Data.Records) != 2 ||
		r.Data.Records[0].ServedTTL != 60 || r.Data.Records[1].Served == nil {
		t.Errorf("--json: exit %d, %v:\n%s", code, err, out)
	}

	code, _, stderr = e.run(t, "verify", "nothing.example.com")
	if code != exitError || stderr != "dnssync: verify nothing.example.com: nothing.example.com is not declared in records.d\n" {
		t.Errorf("unknown name: exit %d, stderr %q", code, stderr)
	}
}

func TestVerifyNameTXT(t *testing.T) {
	srv, addr := startDNS(t)
	e := newEnv(t, addr)
	text := `v=spf1 "a" ` + strings.Repeat("z", 300)
	e.run(t, "register", "--type", "TXT", "example.com", text)
	rr := &dns.TXT{Hdr: dns.RR_Header{Name: "example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300},
		Txt: []string{`v=spf1 \"a\" ` + strings.Repeat("z", 255-11), strings.Repeat("z", 300-(255-11))}}
	srv.serve(t, rr.String())
	code, out, stderr := e.run(t, "verify", "example.com")
	if code != exitOK || !strings.Contains(out, "ok   example.com TXT: 300 ["+text+"]") {
		t.Errorf("exit %d, stderr %q, stdout\n%s", code, stderr, out)
	}
}

// The remote mode end to end is the e2e tests'; this checks the wiring.
func TestRemoteMode(t *testing.T) {
	var mu sync.Mutex
	var got []string
	status, body := http.StatusCreated, `{"success":true,"data":{"name":"web-01.example.com","record_type":"A","value":"192.168.1.10","ttl":300,"status":"accepted"}}`
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, fmt.Sprintf("%s %s %s %s", r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), strings.TrimSpace(string(b))))
		w.WriteHeader(status)
		io.WriteString(w, body)
		mu.Unlock()
	}))
	defer api.Close()
	tokens := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(tokens, []byte("# orchestrators\norch:0123456789abcdef-secret\nother:fedcba9876543210-secret\n"), 0o600)

	code, out, stderr := runArgs(t, "register", "--api", api.URL, "--token-file", tokens, "web-01.example.com", "192.168.1.10", "--wait")
	if code != exitPending || out != "registered web-01.example.com A 192.168.1.10 (ttl 300): accepted\n" {
		t.Errorf("register --wait, still pending: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	want := `POST /api/v1/dns/records?wait=verified Bearer 0123456789abcdef-secret {"name":"web-01.example.com","record_type":"A","value":"192.168.1.10"}`
	if len(got) != 1 || got[0] != want {
		t.Errorf("request\n got %q\nwant %q", got, want)
	}

	status, body = http.StatusConflict, `{"success":false,"error":"web-01.example.com is declared in records.d/web.yaml:3; change that file instead"}`
	code, _, stderr = runArgs(t, "unregister", "web-01.example.com", "--api", api.URL, "--type", "A")
	if code != exitError || stderr != "dnssync: unregister web-01.example.com: api: 409 Conflict: web-01.example.com is declared in records.d/web.yaml:3; change that file instead\n" {
		t.Errorf("409: exit %d, stderr %q", code, stderr)
	}
	if got[1] != "DELETE /api/v1/dns/records/web-01.example.com?type=A  " {
		t.Errorf("request %q", got[1])
	}
}

// withAudit adds [audit] file to e's config and returns the file's path.
func (e testEnv) withAudit(t *testing.T, path string) string {
	t.Helper()
	f, err := os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "\n[audit]\nfile = %q\n", path); err != nil {
		t.Fatal(err)
	}
	return path
}

// auditLines reads the audit file as JSON objects.
func auditLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// Every local write goes to the audit file the daemon uses, as kind "cli"
// with the user, whether it changed something, nothing, or was refused.
func TestLocalWritesAudited(t *testing.T) {
	e := newEnv(t, "")
	path := e.withAudit(t, filepath.Join(filepath.Dir(e.dir), "audit.log"))
	e.write(t, "web.yaml", personsFile)
	for _, args := range [][]string{
		{"register", "app.example.com", "192.0.2.10"},
		{"register", "app.example.com", "192.0.2.10"},
		{"update", "app.example.com", "192.0.2.11"},
		{"register", "web.example.com", "192.0.2.2"}, // a person's name: refused
		{"unregister", "app.example.com"},
	} {
		e.run(t, args...)
	}
	lines := auditLines(t, path)
	want := []struct{ action, result string }{
		{"register", "accepted"}, {"register", "unchanged"}, {"update", "accepted"}, {"register", "declared by a file"}, {"unregister", "accepted"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d audit lines, want %d: %v", len(lines), len(want), lines)
	}
	uid := float64(os.Getuid())
	for i, w := range want {
		l := lines[i]
		if l["kind"] != "cli" || l["action"] != w.action || !strings.HasPrefix(fmt.Sprint(l["result"]), w.result) || l["uid"] != uid || l["user"] == "" || l["name"] == nil || l["time"] == nil {
			t.Errorf("line %d = %v, want action %s result %s", i, l, w.action, w.result)
		}
	}
}

// A write that could not be audited is not made.
func TestLocalWriteNeedsTheAuditFile(t *testing.T) {
	e := newEnv(t, "")
	e.withAudit(t, filepath.Join(filepath.Dir(e.dir), "no-such-dir", "audit.log"))
	code, _, stderr := e.run(t, "register", "app.example.com", "192.0.2.10")
	if code != exitError || !strings.Contains(stderr, "audit") || !strings.Contains(stderr, "nothing written") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(e.dir, "*.yaml")); len(files) != 0 {
		t.Errorf("written without an audit trail: %v", files)
	}
}

// A write made whose audit line cannot be written (a full disk, here
// /dev/full: opening works, writing fails) stays made, says so, and exits
// non-zero: the gap in the trail is not silent.
func TestLocalWriteNotAuditedExitsNonZero(t *testing.T) {
	e := newEnv(t, "")
	e.withAudit(t, "/dev/full")
	code, stdout, stderr := e.run(t, "register", "app.example.com", "192.0.2.10")
	if code != exitError || !strings.Contains(stderr, "written, but not audited") || !strings.Contains(stdout, "registered app.example.com") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, the write reported and \"written, but not audited\"", code, stdout, stderr, exitError)
	}
	if files, _ := filepath.Glob(filepath.Join(e.dir, "api-*.yaml")); len(files) != 1 {
		t.Errorf("the write was undone: %v", files)
	}
	code, _, stderr = e.run(t, "unregister", "app.example.com")
	if code != exitError || !strings.Contains(stderr, "written, but not audited") {
		t.Errorf("unregister: exit %d, stderr %q", code, stderr)
	}
}

// Concurrent local commands (each with a registry of its own, as separate
// processes have) lose no value: they share records.d's lock.
func TestConcurrentLocalRegisters(t *testing.T) {
	e := newEnv(t, "")
	path := e.withAudit(t, filepath.Join(filepath.Dir(e.dir), "audit.log"))
	const n = 12
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, _ = e.run(t, "register", "pool.example.com", fmt.Sprintf("192.0.2.%d", 100+i))
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != exitOK {
			t.Errorf("command %d: exit %d", i, c)
		}
	}
	var values []string
	for _, r := range e.list(t) {
		values = append(values, r.Value)
	}
	if len(values) != n {
		t.Errorf("%d of %d values in records.d: %v", len(values), n, values)
	}
	if lines := auditLines(t, path); len(lines) != n {
		t.Errorf("%d audit lines, want %d", len(lines), n)
	}
}

// check-config with the rfc2136 backend probes state_dir (owned.json is
// replaced there after every change), as the README says: a state_dir
// that can never be written fails the start, not the first change.
func TestCheckConfigRFC2136ProbesStateDir(t *testing.T) {
	tmp := t.TempDir()
	secret := filepath.Join(tmp, "tsig.key")
	if err := os.WriteFile(secret, []byte("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	records := filepath.Join(tmp, "records.d")
	if err := os.Mkdir(records, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stateDir string
		code     int
	}{
		{filepath.Join(tmp, "state"), exitOK},
		// Reads find no owned.json there (so loading the state passes),
		// but no directory can be made: /proc takes none, even from root.
		{"/proc/self/dnssync-test/state", exitError},
	} {
		cfg := filepath.Join(tmp, "dnssync.toml")
		if err := (corednstest.Config{
			DNS:     corednstest.DNS{Addr: "127.0.0.1:1"},
			Records: corednstest.Records{Dir: records},
			Backend: corednstest.Backend{Type: "rfc2136", TSIGKey: "dnssync.", TSIGSecretFile: secret, StateDir: c.stateDir},
			Zones:   []string{"example.com"},
		}).Write(cfg); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runArgs(t, "check-config", "--config", cfg)
		if code != c.code || c.code != exitOK && (!strings.HasPrefix(stderr, "dnssync: ") || !strings.Contains(stderr, "backend.state_dir")) {
			t.Errorf("state_dir %s: exit %d, stdout %q, stderr %q; want exit %d", c.stateDir, code, stdout, stderr, c.code)
		}
	}
}
