package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

const web01 = `records:
  - name: web-01.example.com
    type: A
    value: 192.0.2.10
`

// TestFollowsRecordsDir: files created, edited and deleted are served
// within CoreDNS's reload tick.
func TestFollowsRecordsDir(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	d := e.start()

	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	e.write("web-01.yaml", `records:
  - name: web-01.example.com
    type: A
    values: [192.0.2.10, 192.0.2.11]
    ttl: 60
  - name: web-01.example.com
    type: AAAA
    value: 2001:DB8:0::10
`)
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 60 IN A 192.0.2.10", "web-01.example.com 60 IN A 192.0.2.11"))
	e.served("web-01.example.com", dns.TypeAAAA, set(t, "web-01.example.com 300 IN AAAA 2001:db8::10"))

	// A second file, another zone, the types beyond the first four.
	e.write("mail.yaml", `records:
  - name: example.org
    type: MX
    value: 10 mail.example.org
  - name: mail.example.org
    type: A
    value: 192.0.2.25
  - name: _sip._tcp.example.org
    type: SRV
    value: 10 5 5060 mail.example.org.
  - name: example.org
    type: CAA
    value: 0 issue "letsencrypt.org"
  - name: www.example.org
    type: CNAME
    value: mail.example.org
  - name: sub.example.org
    type: NS
    value: ns.sub.example.org
  - name: ns.sub.example.org
    type: A
    value: 192.0.2.53
  - name: 10.2.0.192.example.org
    type: PTR
    value: mail.example.org
`)
	e.served("example.org", dns.TypeMX, set(t, "example.org 300 IN MX 10 mail.example.org."))
	e.served("_sip._tcp.example.org", dns.TypeSRV, set(t, "_sip._tcp.example.org 300 IN SRV 10 5 5060 mail.example.org."))
	e.served("example.org", dns.TypeCAA, set(t, `example.org 300 IN CAA 0 issue "letsencrypt.org"`))
	e.served("www.example.org", dns.TypeCNAME, set(t, "www.example.org 300 IN CNAME mail.example.org."))
	e.served("sub.example.org", dns.TypeNS, set(t, "sub.example.org 300 IN NS ns.sub.example.org."))
	e.served("10.2.0.192.example.org", dns.TypePTR, set(t, "10.2.0.192.example.org 300 IN PTR mail.example.org."))

	// A TXT longer than one DNS string is split into 255-byte strings.
	long := strings.Repeat("a", 300)
	e.write("txt.yaml", fmt.Sprintf("records:\n  - name: _acme.example.com\n    type: TXT\n    value: %s\n", long))
	e.served("_acme.example.com", dns.TypeTXT, set(t, fmt.Sprintf(`_acme.example.com 300 IN TXT "%s" "%s"`, long[:255], long[255:])))

	// Deleting a file takes its records with it.
	e.remove("mail.yaml")
	e.served("mail.example.org", dns.TypeA, nil)
	e.served("example.org", dns.TypeMX, nil)
	e.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 60 IN A 192.0.2.10", "web-01.example.com 60 IN A 192.0.2.11"))

	if code, took := d.stop(); code != 0 || took > 5*time.Second {
		t.Errorf("SIGTERM: exit %d after %v, want 0 within 5s", code, took)
	}
}

// TestBadInputKeepsLastGood: every kind of bad file leaves the records it
// had (or the records in conflict) served, while good changes still apply.
func TestBadInputKeepsLastGood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("app.yaml", "records:\n  - name: app.example.com\n    type: A\n    value: 192.0.2.20\n")
	d := e.start()
	good := set(t, "web-01.example.com 300 IN A 192.0.2.10")
	app := set(t, "app.example.com 300 IN A 192.0.2.20")
	e.served("web-01.example.com", dns.TypeA, good)
	e.served("app.example.com", dns.TypeA, app)

	cases := []struct {
		name, file, content, logs string
	}{
		{"half-written", "web-01.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: [192.0", "web-01.yaml"},
		{"unknown key", "web-01.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    vaule: 192.0.2.99\n", "vaule"},
		{"bad address", "web-01.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.999\n", "192.0.2.999"},
		{"outside zones", "web-01.yaml", "records:\n  - name: web-01.example.net\n    type: A\n    value: 192.0.2.10\n", "example.net"},
		{"empty name", "web-01.yaml", "records:\n  - name: \"\"\n    type: A\n    value: 192.0.2.10\n", "web-01.yaml"},
		{"not yaml records", "web-01.yaml", "- just\n- a list\n", "web-01.yaml"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, d := e.in(t), d.in(t)
			e.writeInPlace(c.file, c.content)
			// A canary in another file proves a pass ran after the bad write.
			canary := fmt.Sprintf("192.0.2.%d", 100+i)
			e.write("canary.yaml", fmt.Sprintf("records:\n  - name: canary.example.com\n    type: A\n    value: %s\n", canary))
			e.served("canary.example.com", dns.TypeA, set(t, "canary.example.com 300 IN A "+canary))
			e.stillServed("web-01.example.com", dns.TypeA, good)
			d.waitLog(c.logs)
		})
	}
	// Fixing the file applies its new content.
	e.write("web-01.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.12\n")
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.12"))

	// Conflicts leave the name as served and the rest applies.
	e.write("app-ttl.yaml", "records:\n  - name: app.example.com\n    type: A\n    value: 192.0.2.21\n    ttl: 60\n")
	e.write("app-cname.yaml", "records:\n  - name: web-01.example.com\n    type: CNAME\n    value: app.example.com\n")
	e.write("canary.yaml", "records:\n  - name: canary.example.com\n    type: A\n    value: 192.0.2.200\n")
	e.served("canary.example.com", dns.TypeA, set(t, "canary.example.com 300 IN A 192.0.2.200"))
	e.stillServed("app.example.com", dns.TypeA, app)
	e.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.12"))
	e.stillServed("web-01.example.com", dns.TypeCNAME, nil)
	d.waitLog("app-ttl.yaml")
	d.waitLog("app-cname.yaml")

	// An empty records dir never deletes everything.
	for _, f := range []string{"web-01.yaml", "app.yaml", "app-ttl.yaml", "app-cname.yaml", "canary.yaml"} {
		e.remove(f)
	}
	d.waitLog("empty")
	e.stillServed("app.example.com", dns.TypeA, app)
	e.stillServed("canary.example.com", dns.TypeA, set(t, "canary.example.com 300 IN A 192.0.2.200"))
}

// TestInvalidAtStartHoldsDeletes: a file that is invalid when dnssync
// starts, with no good version known, must not cost its served records.
func TestInvalidAtStartHoldsDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	e.writeInPlace("web-01.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0")
	e.write("other.yaml", "records:\n  - name: other.example.com\n    type: A\n    value: 192.0.2.30\n")
	_, stderr, code := e.cli("apply")
	if code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "web-01.yaml") {
		t.Errorf("apply did not name the invalid file: %s", stderr)
	}
	e.served("other.example.com", dns.TypeA, set(t, "other.example.com 300 IN A 192.0.2.30"))
	e.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
}

// TestDriftPutBack: a hand edit of the zone file, serial bumped so that
// CoreDNS loads it, is undone by the scheduled pass.
func TestDriftPutBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	d := e.start()
	want := set(t, "web-01.example.com 300 IN A 192.0.2.10")
	e.served("web-01.example.com", dns.TypeA, want)

	path := filepath.Join(e.zones, "db.example.com")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zp := dns.NewZoneParser(strings.NewReader(string(b)), "", "")
	var out strings.Builder
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch r := rr.(type) {
		case *dns.SOA:
			r.Serial += 10
		case *dns.A:
			if r.Hdr.Name == "web-01.example.com." {
				r.A = []byte{192, 0, 2, 66}
			}
		}
		out.WriteString(rr.String() + "\n")
	}
	out.WriteString("rogue.example.com. 300 IN A 192.0.2.67\n")
	// Written whole and renamed in, so that CoreDNS never loads half of it.
	tmp := filepath.Join(e.dir, "hand-edit")
	if err := os.WriteFile(tmp, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	e.served("rogue.example.com", dns.TypeA, set(t, "rogue.example.com 300 IN A 192.0.2.67"))
	d.waitLog("rogue.example.com")
	e.served("web-01.example.com", dns.TypeA, want)
	e.served("rogue.example.com", dns.TypeA, nil)
}

// TestRestartWritesNothing: with nothing changed, neither `apply` nor a
// restarted daemon touches the zone file.
func TestRestartWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	path := filepath.Join(e.zones, "db.example.com")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := e.cli("apply")
	if code != 0 || !strings.Contains(out, "example.com.: in sync") {
		t.Fatalf("second apply: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	d := e.start()
	d.waitLog("first pass done")
	d.stop()
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || !os.SameFile(before, after) {
		t.Errorf("zone file rewritten with nothing changed (mtime %v -> %v)", before.ModTime(), after.ModTime())
	}
	if strings.Contains(d.out.String(), "change applied") {
		t.Errorf("daemon applied changes when in sync:\n%s", d.out.String())
	}
}

// TestPlanAndSafety: plan's exit codes, the refusal of a mass delete, and
// apply --force.
func TestPlanAndSafety(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("records:\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "  - name: host-%02d.example.com\n    type: A\n    value: 192.0.2.%d\n", i, i+1)
	}
	e.write("fleet.yaml", b.String())
	e.write("keep.yaml", web01)

	out, _, code := e.cli("plan")
	if code != 2 || !strings.Contains(out, "+ host-00.example.com.") {
		t.Fatalf("plan with pending changes: exit %d, want 2; output:\n%s", code, out)
	}
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	if out, _, code := e.cli("plan"); code != 0 {
		t.Fatalf("plan in sync: exit %d, want 0; output:\n%s", code, out)
	}
	e.served("host-11.example.com", dns.TypeA, set(t, "host-11.example.com 300 IN A 192.0.2.12"))

	e.remove("fleet.yaml")
	out, stderr, code := e.cli("plan")
	if code != 2 || !strings.Contains(out, "- host-03.example.com.") || !strings.Contains(stderr, "would be refused") {
		t.Fatalf("plan after delete: exit %d, want 2 and a note that apply would refuse it; output:\n%s\n%s", code, out, stderr)
	}
	_, stderr, code = e.cli("apply")
	if code != 1 || !strings.Contains(stderr, "--force") {
		t.Fatalf("unsafe apply: exit %d, want 1 and a hint at --force; stderr:\n%s", code, stderr)
	}
	e.stillServed("host-03.example.com", dns.TypeA, set(t, "host-03.example.com 300 IN A 192.0.2.4"))

	if _, stderr, code := e.cli("apply", "--force"); code != 0 {
		t.Fatalf("apply --force: exit %d: %s", code, stderr)
	}
	e.served("host-03.example.com", dns.TypeA, nil)
	e.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	// CoreDNS unreachable: plan is an error, not "in sync".
	e.dns.Stop()
	if _, stderr, code := e.cli("plan"); code != 1 || !strings.Contains(stderr, "axfr") {
		t.Fatalf("plan with CoreDNS down: exit %d, want 1; stderr:\n%s", code, stderr)
	}
}

// TestAutoRegisterOff: the daemon plans and reports, applies nothing.
func TestAutoRegisterOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("app.yaml", "records:\n  - name: app.example.com\n    type: A\n    value: 192.0.2.20\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	zoneFile := filepath.Join(e.zones, "db.example.com")
	before, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.DNS.AutoRegister = corednstest.Bool(false)
	e.writeConfig()
	e.write("web-01.yaml", web01)
	d := e.start()
	d.waitLog("changes pending")
	e.stillServed("web-01.example.com", dns.TypeA, nil)
	if after, _ := os.ReadFile(zoneFile); string(after) != string(before) {
		t.Errorf("zone file rewritten with auto_register = false")
	}
	if out, _, code := e.cli("plan"); code != 2 || !strings.Contains(out, "+ web-01.example.com.") {
		t.Errorf("plan: exit %d, want 2 showing the pending create:\n%s", code, out)
	}
}

// TestValidate names each problem with file and line, touching no DNS.
func TestValidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	if out, _, code := e.cli("validate"); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("validate good: exit %d: %s", code, out)
	}
	e.write("bad.yaml", "records:\n  - name: x.example.com\n    type: A\n    value: 192.0.2.1\n  - name: y.example.com\n    type: A\n    value: not-an-ip\n")
	out, stderr, code := e.cli("validate")
	if code == 0 || !strings.Contains(stderr, "bad.yaml:7") || strings.Contains(out, "bad.yaml") {
		t.Fatalf("validate bad: exit %d, want non-zero naming bad.yaml:7 on stderr only; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// TestConfigErrors: an HTTP coredns_url and unknown keys are refused with
// messages that say why.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct{ name, replace, with, want string }{
		{"http url", `coredns_url = "dns://`, `coredns_url = "http://`, "not HTTP"},
		{"unknown key", "[records]\n", "[records]\ndirectory = \"x\"\n", "records.directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.in(t)
			e.writeConfig()
			e.replaceConfig(c.replace, c.with) // a broken config: the writer writes only good ones
			_, stderr, code := e.cli("plan")
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, want 1 with %q; stderr:\n%s", code, c.want, stderr)
			}
		})
	}
}
