package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// servedZone is example.com as a server serves it before dnssync, with
// the SOA, NS and nameserver address the test config's [[zones]] makes
// (its defaults), so that a plan after the import has nothing to change.
const servedZone = `$ORIGIN example.com.
@         300 IN SOA ns1 hostmaster 2024010101 3600 600 604800 300
@        3600 IN NS  ns1
ns1      3600 IN A   127.0.0.1
@         300 IN MX  10 mail
@         300 IN TXT "v=spf1 mx -all"
mail      300 IN A   192.0.2.25
web-01    300 IN A   192.0.2.10
web-01    300 IN A   192.0.2.11
_acme-challenge.web-01 60 IN TXT "say \"hi\"; \\o/"
www       300 IN CNAME web-01
*.apps    300 IN A   192.0.2.99
`

func parseZone(t *testing.T, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "example.com.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

// axfrServer is a primary that transfers one zone over TCP; with a TSIG
// secret it transfers only to requests signed with key "dnssync.".
type axfrServer struct {
	addr string
	mu   sync.Mutex
	rrs  []dns.RR // the zone, SOA first
	// signed counts the transfers it answered to a correctly signed request.
	signed int
}

func startAXFR(t *testing.T, zone []dns.RR, tsigSecret string) *axfrServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &axfrServer{addr: l.Addr().String(), rrs: zone}
	started := make(chan struct{})
	srv := &dns.Server{Listener: l, NotifyStartedFunc: func() { close(started) }}
	if tsigSecret != "" {
		srv.TsigSecret = map[string]string{"dnssync.": tsigSecret}
	}
	srv.Handler = dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		if tsigSecret != "" && (q.IsTsig() == nil || w.TsigStatus() != nil) {
			m := new(dns.Msg)
			m.SetRcode(q, dns.RcodeRefused)
			w.WriteMsg(m)
			return
		}
		if q.Question[0].Qtype != dns.TypeAXFR {
			m := new(dns.Msg)
			m.SetRcode(q, dns.RcodeNotImplemented)
			w.WriteMsg(m)
			return
		}
		s.mu.Lock()
		rrs := append(slices.Clone(s.rrs), s.rrs[0])
		if tsigSecret != "" {
			s.signed++
		}
		s.mu.Unlock()
		ch := make(chan *dns.Envelope, 1)
		ch <- &dns.Envelope{RR: rrs}
		close(ch)
		tr := new(dns.Transfer)
		tr.Out(w, q, ch)
	})
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

// recordFiles lists records.d's files (no dotfiles).
func recordFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestImportThenPlanInSync: an import of the zone as served, then plan
// against the same server: in sync, exit 0; from a zone file likewise.
func TestImportThenPlanInSync(t *testing.T) {
	srv := startAXFR(t, parseZone(t, servedZone), "")
	wantFiles := []string{"%2A.apps.example.com.yaml", "_acme-challenge.web-01.example.com.yaml", "example.com.yaml",
		"mail.example.com.yaml", "web-01.example.com.yaml", "www.example.com.yaml"}
	t.Run("transfer", func(t *testing.T) {
		e := newEnv(t, srv.addr)
		code, out, stderr := e.run(t, "import", "example.com")
		if code != exitOK {
			t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
		}
		if want := "imported 8 records in 7 RRsets of example.com., in 6 files in " + e.dir + "\n"; out != want {
			t.Errorf("stdout %q, want %q", out, want)
		}
		for _, s := range []string{"skipped: example.com. SOA", "skipped: example.com. NS", "skipped: ns1.example.com. A"} {
			if !strings.Contains(stderr, s) {
				t.Errorf("stderr does not say %q:\n%s", s, stderr)
			}
		}
		if strings.Contains(stderr, "note:") {
			t.Errorf("notes, with nothing to note:\n%s", stderr)
		}
		if got := recordFiles(t, e.dir); !slices.Equal(got, wantFiles) {
			t.Errorf("records.d: %v, want %v", got, wantFiles)
		}
		code, out, stderr = e.run(t, "plan")
		if code != exitOK || !strings.HasPrefix(out, "example.com.: in sync\n") {
			t.Errorf("plan after import: exit %d\n%s%s", code, out, stderr)
		}
	})
	t.Run("zone file", func(t *testing.T) {
		e := newEnv(t, srv.addr)
		zf := filepath.Join(t.TempDir(), "db.example.com")
		if err := os.WriteFile(zf, []byte(servedZone), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := e.run(t, "import", "example.com.", "--from-file", zf, "--group-by", "label")
		if code != exitOK {
			t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
		}
		want := []string{"apps.example.com.yaml", "example.com.yaml", "mail.example.com.yaml", "web-01.example.com.yaml", "www.example.com.yaml"}
		if got := recordFiles(t, e.dir); !slices.Equal(got, want) {
			t.Errorf("records.d: %v, want %v", got, want)
		}
		b, err := os.ReadFile(filepath.Join(e.dir, "web-01.example.com.yaml"))
		if err != nil || !strings.Contains(string(b), "# Imported by `dnssync import` from zone file "+zf+".") {
			t.Errorf("web-01's file does not say where it came from: %v\n%s", err, b)
		}
		code, out, stderr = e.run(t, "plan")
		if code != exitOK || !strings.HasPrefix(out, "example.com.: in sync\n") {
			t.Errorf("plan after import: exit %d\n%s%s", code, out, stderr)
		}
	})
}

// TestImportRefusesToOverwrite: one file in the way, and nothing at all
// is written; the error names it. A dry run says the same.
func TestImportRefusesToOverwrite(t *testing.T) {
	srv := startAXFR(t, parseZone(t, servedZone), "")
	e := newEnv(t, srv.addr)
	mine := "records: []\n"
	e.write(t, "www.example.com.yaml", mine)
	for _, args := range [][]string{{"import", "example.com"}, {"import", "example.com", "--dry-run"}} {
		code, out, stderr := e.run(t, args...)
		path := filepath.Join(e.dir, "www.example.com.yaml")
		if code != exitError || !strings.Contains(stderr, path+" already exists") {
			t.Errorf("%v: exit %d, stderr %q; want 1 naming %s", args, code, stderr, path)
		}
		if strings.Contains(out, "==>") {
			t.Errorf("%v printed files:\n%s", args, out)
		}
		if got := recordFiles(t, e.dir); !slices.Equal(got, []string{"www.example.com.yaml"}) {
			t.Errorf("%v: records.d holds %v", args, got)
		}
		if b, _ := os.ReadFile(path); string(b) != mine {
			t.Errorf("%v changed the file in the way: %q", args, b)
		}
	}
}

// TestImportDryRun prints every file with its path and content, and
// writes nothing.
func TestImportDryRun(t *testing.T) {
	srv := startAXFR(t, parseZone(t, servedZone), "")
	e := newEnv(t, srv.addr)
	code, out, stderr := e.run(t, "import", "example.com", "--dry-run", "--group-by", "zone")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := recordFiles(t, e.dir); len(got) > 0 {
		t.Errorf("a dry run wrote %v", got)
	}
	for _, want := range []string{
		"==> " + filepath.Join(e.dir, "example.com.yaml") + " <==\n# Imported by `dnssync import` from a transfer of example.com. from " + srv.addr + ", serial 2024010101.\n",
		"  - name: _acme-challenge.web-01.example.com\n    type: TXT\n    value: say \"hi\"; \\o/\n    ttl: 60\n",
		"  - name: web-01.example.com\n    type: A\n    values: [192.0.2.10, 192.0.2.11]\n    ttl: 300\n",
		"dry run: would write 8 records in 7 RRsets of example.com., in 1 file in " + e.dir + "; nothing written\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks\n%s\n--- output:\n%s", want, out)
		}
	}
}

// TestImportUnsupported: a record records.d cannot declare stops the
// import (nothing written) unless --skip-unsupported.
func TestImportUnsupported(t *testing.T) {
	zone := servedZone + "host 300 IN SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789\n"
	srv := startAXFR(t, parseZone(t, zone), "")
	e := newEnv(t, srv.addr)
	code, _, stderr := e.run(t, "import", "example.com")
	if code != exitError || !strings.Contains(stderr, "unsupported: host.example.com. SSHFP: records.d does not take it") ||
		!strings.Contains(stderr, "1 RRset cannot be imported") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if got := recordFiles(t, e.dir); len(got) > 0 {
		t.Errorf("written: %v", got)
	}
	code, _, stderr = e.run(t, "import", "example.com", "--skip-unsupported")
	if code != exitOK || !strings.Contains(stderr, "not imported: host.example.com. SSHFP") {
		t.Errorf("--skip-unsupported: exit %d, stderr:\n%s", code, stderr)
	}
	if got := recordFiles(t, e.dir); len(got) != 6 {
		t.Errorf("--skip-unsupported wrote %v", got)
	}
}

// TestImportTSIG: with the rfc2136 backend the transfer is signed with
// its key, as the daemon's are; a server that wants another key refuses.
func TestImportTSIG(t *testing.T) {
	const secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
	for _, tt := range []struct {
		name, serverSecret string
		wantCode           int
	}{
		{"the key", secret, exitOK},
		{"another key", "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcg==", exitError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startAXFR(t, parseZone(t, servedZone), tt.serverSecret)
			tmp := t.TempDir()
			secretFile := filepath.Join(tmp, "tsig.key")
			if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(tmp, "records.d")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := corednstest.Config{
				DNS:     corednstest.DNS{Addr: srv.addr, TTL: 300},
				Records: corednstest.Records{Dir: dir},
				Backend: corednstest.Backend{Type: "rfc2136", TSIGKey: "dnssync", TSIGAlgorithm: "hmac-sha256", TSIGSecretFile: secretFile, StateDir: filepath.Join(tmp, "state")},
				Zones:   []string{"example.com"},
			}
			path := filepath.Join(tmp, "dnssync.toml")
			if err := cfg.Write(path); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runArgs(t, "import", "example.com", "--config", path)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out, stderr)
			}
			if tt.wantCode != exitOK {
				if !strings.Contains(stderr, "TSIG") && !strings.Contains(stderr, "REFUSED") {
					t.Errorf("stderr does not say the transfer was refused: %s", stderr)
				}
				return
			}
			srv.mu.Lock()
			signed := srv.signed
			srv.mu.Unlock()
			if signed != 1 {
				t.Errorf("%d signed transfers, want 1", signed)
			}
			// rfc2136: the server keeps its SOA, NS and every address;
			// ns1's address is an ordinary record then.
			if got := recordFiles(t, dir); !slices.Contains(got, "ns1.example.com.yaml") {
				t.Errorf("records.d: %v, want ns1's address imported", got)
			}
		})
	}
}

// TestImportCommandLine: what is wrong with the command line is exit 64;
// a zone the config does not manage is exit 1.
func TestImportCommandLine(t *testing.T) {
	e := newEnv(t, "")
	for _, tt := range []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"import"}, exitUsage, "want ZONE"},
		{[]string{"import", "example.com", "--group-by", "host"}, exitUsage, `--group-by: unknown grouping "host" (want name, label, zone)`},
		{[]string{"import", "example.com", "--from-file", "x", "--server", "127.0.0.1:53"}, exitUsage, "exclude each other"},
		{[]string{"import", "exa mple.com"}, exitUsage, "is not a zone name"},
		{[]string{"import", "example.net"}, exitError, "zone example.net. is not managed"},
		{[]string{"import", "example.com", "--from-file", filepath.Join(e.dir, "missing.zone")}, exitError, "no such file"},
		{[]string{"export", "example.net"}, exitError, "zone example.net. is not managed"},
		{[]string{"export"}, exitUsage, "want ZONE"},
	} {
		code, _, stderr := e.run(t, tt.args...)
		if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
			t.Errorf("%v: exit %d, stderr %q; want %d saying %q", tt.args, code, stderr, tt.wantCode, tt.wantErr)
		}
	}
}

// TestExport prints records.d and [[zones]] as a zone file.
func TestExport(t *testing.T) {
	e := newEnv(t, "")
	e.write(t, "web.yaml", `records:
  - name: web-01.example.com
    type: A
    values: [192.0.2.10, 192.0.2.11]
  - name: web-01.example.com
    type: TXT
    value: say "hi"
    ttl: 60
`)
	code, out, stderr := e.run(t, "export", "example.com", "--serial", "2026010101")
	want := "; zone example.com. as dnssync serves it: records.d and [[zones]], exported by `dnssync export`\n" +
		"example.com.\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2026010101 3600 600 604800 300\n" + // min(soa_ttl, negative_ttl)
		"example.com.\t3600\tIN\tNS\tns1.example.com.\n" +
		"ns1.example.com.\t3600\tIN\tA\t127.0.0.1\n" +
		"web-01.example.com.\t300\tIN\tA\t192.0.2.10\n" +
		"web-01.example.com.\t300\tIN\tA\t192.0.2.11\n" +
		"web-01.example.com.\t60\tIN\tTXT\t\"say \\\"hi\\\"\"\n"
	if code != exitOK || out != want || stderr != "" {
		t.Errorf("exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr, out, want)
	}
	code, out, _ = e.run(t, "export", "example.com")
	today := time.Now().UTC().Format("20060102") + "00"
	if code != exitOK || !strings.Contains(out, "hostmaster.example.com. "+today+" ") {
		t.Errorf("default serial: exit %d, want %s in\n%s", code, today, out)
	}
}

// TestExportRefusesPartialState: an invalid file or a conflict is listed
// on stderr as plan lists it, stdout stays empty, exit 1.
func TestExportRefusesPartialState(t *testing.T) {
	for _, tt := range []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"invalid file", map[string]string{"bad.yaml": "records:\n  - name: web.example.com\n    type: A\n    value: not-an-address\n"},
			"bad.yaml:4: invalid A value"},
		{"conflict", map[string]string{
			"a.yaml": "records:\n  - name: web.example.com\n    type: A\n    value: 192.0.2.1\n    ttl: 60\n",
			"b.yaml": "records:\n  - name: web.example.com\n    type: A\n    value: 192.0.2.2\n    ttl: 300\n"},
			"conflict: web.example.com.: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "")
			for name, content := range tt.files {
				e.write(t, name, content)
			}
			code, out, stderr := e.run(t, "export", "example.com")
			if code != exitError || out != "" || !strings.Contains(stderr, tt.wantErr) || !strings.Contains(stderr, "nothing printed") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, and %q", code, out, stderr, tt.wantErr)
			}
		})
	}
}

// TestImportBesideRecordsDir: an import adds to records.d as plan reads
// it. A set a file declares already as served (here the API's file) is
// skipped, not declared twice; a set declared otherwise is a conflict
// that stops the import (nothing written) unless --skip-unsupported; an
// invalid file in records.d stops it, since what that file declares is
// unknown. Afterwards plan holds no conflict.
func TestImportBesideRecordsDir(t *testing.T) {
	srv := startAXFR(t, parseZone(t, servedZone), "")
	api := "records:\n  - name: web-01.example.com\n    type: A\n    values: [192.0.2.10, 192.0.2.11]\n    ttl: 300\n"
	t.Run("declared as served", func(t *testing.T) {
		e := newEnv(t, srv.addr)
		e.write(t, "api-web-01.example.com.yaml", api)
		code, out, stderr := e.run(t, "import", "example.com")
		if code != exitOK {
			t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
		}
		if want := "skipped: web-01.example.com. A: already declared by " + filepath.Join(e.dir, "api-web-01.example.com.yaml") + "\n"; !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		if slices.Contains(recordFiles(t, e.dir), "web-01.example.com.yaml") {
			t.Errorf("web-01's set was declared again: records.d %v", recordFiles(t, e.dir))
		}
		code, out, stderr = e.run(t, "plan")
		if code != exitOK || !strings.HasPrefix(out, "example.com.: in sync\n") {
			t.Errorf("plan after import: exit %d\n%s%s", code, out, stderr)
		}
	})
	t.Run("declared otherwise", func(t *testing.T) {
		e := newEnv(t, srv.addr)
		e.write(t, "mail.yaml", "records:\n  - name: mail.example.com\n    type: A\n    value: 192.0.2.25\n    ttl: 600\n")
		code, _, stderr := e.run(t, "import", "example.com")
		if code != exitError || !strings.Contains(stderr, "conflict: mail.example.com. A: records.d declares it otherwise (600 [192.0.2.25] in "+filepath.Join(e.dir, "mail.yaml")) ||
			!strings.Contains(stderr, "1 RRset cannot be imported") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
		if got := recordFiles(t, e.dir); !slices.Equal(got, []string{"mail.yaml"}) {
			t.Errorf("written: %v", got)
		}
		code, _, stderr = e.run(t, "import", "example.com", "--skip-unsupported")
		if code != exitOK || !strings.Contains(stderr, "not imported: mail.example.com. A: records.d declares it otherwise") {
			t.Errorf("--skip-unsupported: exit %d, stderr:\n%s", code, stderr)
		}
		if slices.Contains(recordFiles(t, e.dir), "mail.example.com.yaml") {
			t.Errorf("mail's set was declared again: records.d %v", recordFiles(t, e.dir))
		}
		code, out, stderr := e.run(t, "plan")
		if code != exitPending || strings.Contains(out+stderr, "conflict") || !strings.Contains(out, "mail.example.com.") {
			t.Errorf("plan: exit %d, want 2 for mail's TTL (records.d's 600) and no conflict\n%s%s", code, out, stderr)
		}
	})
	t.Run("invalid file", func(t *testing.T) {
		e := newEnv(t, srv.addr)
		e.write(t, "broken.yaml", "records: [\n")
		code, _, stderr := e.run(t, "import", "example.com")
		if code != exitError || !strings.Contains(stderr, filepath.Join(e.dir, "broken.yaml")) || !strings.Contains(stderr, "nothing written") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
		if got := recordFiles(t, e.dir); !slices.Equal(got, []string{"broken.yaml"}) {
			t.Errorf("written: %v", got)
		}
	})
}

// TestImportCNAMEBesideData: a CNAME beside other data at one name (no
// server should serve it, a zone file can say it) is unsupported, both
// sets with the loader's reason; with --skip-unsupported the rest is
// imported and plan holds no conflict.
func TestImportCNAMEBesideData(t *testing.T) {
	srv := startAXFR(t, parseZone(t, servedZone), "")
	e := newEnv(t, srv.addr)
	zf := filepath.Join(t.TempDir(), "db.example.com")
	if err := os.WriteFile(zf, []byte(servedZone+"www 300 IN TXT \"beside the CNAME\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := e.run(t, "import", "example.com", "--from-file", zf)
	for _, want := range []string{"unsupported: www.example.com. CNAME: the loader would hold this name", "unsupported: www.example.com. TXT: the loader would hold this name", "CNAME beside other data"} {
		if code != exitError || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	if got := recordFiles(t, e.dir); len(got) > 0 {
		t.Errorf("written: %v", got)
	}
	code, _, stderr = e.run(t, "import", "example.com", "--from-file", zf, "--skip-unsupported")
	if code != exitOK || slices.Contains(recordFiles(t, e.dir), "www.example.com.yaml") {
		t.Errorf("--skip-unsupported: exit %d, records.d %v, stderr:\n%s", code, recordFiles(t, e.dir), stderr)
	}
	code, out, stderr := e.run(t, "plan")
	if strings.Contains(out+stderr, "conflict") {
		t.Errorf("plan after import: exit %d, a conflict:\n%s%s", code, out, stderr)
	}
}
