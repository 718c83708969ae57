package main

import (
	"strings"
	"testing"
)

// TestVerifyStale: `dnssync verify` names a record the server still
// serves that no records file declares any more (STALE, and "stale" in
// --json), and fails; the zone's own SOA, which the backend writes, is
// not stale.
func TestVerifyStale(t *testing.T) {
	srv, addr := startDNS(t)
	e := newEnv(t, addr)
	e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
	srv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10", "old.example.com. 300 IN A 192.0.2.99")

	code, out, stderr := e.run(t, "verify")
	want := "STALE old.example.com. A at " + addr + ": served 300 [192.0.2.99], declared by no records file (stale; the next pass that applies deletes it"
	if code != exitError || !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
		t.Errorf("verify: exit %d, stdout\n%s\nwant exit %d and one line starting %q; stderr %q", code, out, exitError, want, stderr)
	}

	code, out, _ = e.run(t, "verify", "--json")
	v, _ := decodeVerification(t, "verify --json", out)
	var stale []string
	for _, r := range v.Records {
		if r.Status == "stale" {
			stale = append(stale, r.Name+" "+r.RecordType+" "+strings.Join(r.Served, ",")+" want "+strings.Join(r.Want, ","))
		}
	}
	if code != exitError || v.Verified || len(stale) != 1 || stale[0] != "old.example.com A 192.0.2.99 want " || v.Checked != 2 {
		t.Errorf("verify --json: exit %d, verified %v, checked %d, stale %q; want exit 1, not verified, 2 checked, old.example.com stale", code, v.Verified, v.Checked, stale)
	}

	srv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10")
	if code, out, stderr := e.run(t, "verify"); code != exitOK || out != "ok: 1 RRsets served as desired by 1 servers, none stale\n" {
		t.Errorf("verify with nothing stale: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
