package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
)

// staleLine is what `dnssync verify` prints for old.example.*, applied
// from a records file since removed, while nothing has applied the
// removal.
func staleLine(name, addr string) string {
	return "STALE " + name + " A at " + addr + ": served 300 [192.0.2.99], declared by no records file (stale; the next pass that applies deletes it"
}

// staleRecords decodes `dnssync verify --json` strictly and returns its
// stale entries as "name type served".
func staleRecords(t *testing.T, out string) (client.Verification, []string) {
	t.Helper()
	var r client.Response[client.Verification]
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("verify --json: not a client.Verification: %v\n%s", err, out)
	}
	var stale []string
	for _, rec := range r.Data.Records {
		if rec.Status == "stale" {
			stale = append(stale, rec.Name+" "+rec.RecordType+" "+strings.Join(rec.Served, ","))
		}
	}
	return r.Data, stale
}

// TestStaleZonefile: a record applied from a file, the file then removed
// while no daemon runs: CoreDNS still serves it, and `dnssync verify`
// names it stale (text and --json) and exits 1. The zone's own SOA, apex
// NS and nameserver address, which dnssync writes, are not stale. Once
// applied, nothing is.
func TestStaleZonefile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("old.yaml", "records:\n  - name: old.example.com\n    type: A\n    value: 192.0.2.99\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	if out, stderr, code := e.cli("verify"); code != 0 || !strings.Contains(out, "none stale") {
		t.Fatalf("verify after apply: exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	e.remove("old.yaml")
	e.stillServed("old.example.com", dns.TypeA, set(t, "old.example.com 300 IN A 192.0.2.99"))

	out, stderr, code := e.cli("verify")
	if code != 1 || !strings.HasPrefix(out, staleLine("old.example.com.", e.dns.Addr)) || strings.Count(out, "\n") != 1 {
		t.Errorf("verify: exit %d, want 1 and one line, old.example.com stale; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	out, _, code = e.cli("verify", "--json")
	v, stale := staleRecords(t, out)
	if code != 1 || v.Verified || len(stale) != 1 || stale[0] != "old.example.com A 192.0.2.99" {
		t.Errorf("verify --json: exit %d, verified %v, stale %q; want 1, false, [old.example.com A 192.0.2.99]:\n%s", code, v.Verified, stale, out)
	}

	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.served("old.example.com", dns.TypeA, nil)
	if out, stderr, code := e.cli("verify"); code != 0 || !strings.Contains(out, "none stale") {
		t.Errorf("verify once applied: exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// TestStaleRFC2136: with the rfc2136 backend only what dnssync owns can
// be stale. A record dnssync created, whose file is gone, is; one another
// writer added by UPDATE is left alone, and is not.
func TestStaleRFC2136(t *testing.T) {
	t.Parallel()
	srv := startDynupdate(t)
	e := newRFC2136Env(t, srv)
	e.write("web-01.yaml", "records:\n  - name: web-01.example.org\n    type: A\n    value: 192.0.2.10\n")
	e.write("old.yaml", "records:\n  - name: old.example.org\n    type: A\n    value: 192.0.2.99\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	nsupdate(t, srv, []string{"theirs.example.org. 300 IN A 192.0.2.77"}, nil)
	e.served("theirs.example.org", dns.TypeA, set(t, "theirs.example.org 300 IN A 192.0.2.77"))
	e.remove("old.yaml")

	out, stderr, code := e.cli("verify")
	if code != 1 || !strings.HasPrefix(out, staleLine("old.example.org.", srv.Addr)) || strings.Count(out, "\n") != 1 {
		t.Errorf("verify: exit %d, want 1 and one line, old.example.org stale (not theirs); stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	out, _, _ = e.cli("verify", "--json")
	if _, stale := staleRecords(t, out); len(stale) != 1 || stale[0] != "old.example.org A 192.0.2.99" {
		t.Errorf("verify --json: stale %q, want only old.example.org:\n%s", stale, out)
	}
}

// TestStaleScheduledCheck: a daemon that only plans (auto_register =
// false) reports on its scheduled check a record served but declared no
// more, saying what would delete it; it deletes nothing.
func TestStaleScheduledCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("old.yaml", "records:\n  - name: old.example.com\n    type: A\n    value: 192.0.2.99\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.remove("old.yaml")
	off := false
	e.cfg.DNS.AutoRegister = &off
	e.writeConfig()
	d := e.start()
	d.waitLog("declared by no records file (stale)")
	d.waitLog("old.example.com. A at " + e.dns.Addr + ": served 300 [192.0.2.99], declared by no records file (stale; the next pass that applies deletes it")
	e.stillServed("old.example.com", dns.TypeA, set(t, "old.example.com 300 IN A 192.0.2.99"))
}
