package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// nsupdate sends an UPDATE as a person with the key would: foreign to
// dnssync.
func nsupdate(t *testing.T, srv updateServer, insert, remove []string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetUpdate("example.org.")
	for _, r := range remove {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatal(err)
		}
		m.RemoveRRset([]dns.RR{rr})
	}
	for _, r := range insert {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatal(err)
		}
		m.Insert([]dns.RR{rr})
	}
	m.SetTsig("dnssync.", dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{"dnssync.": srv.secret}}
	resp, _, err := c.Exchange(m, srv.Addr)
	if err != nil || resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("nsupdate: %v %v", err, resp)
	}
}

func serial(t *testing.T, e *env) uint32 {
	t.Helper()
	s, err := e.res.Serial(context.Background(), "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRFC2136CoreDNS(t *testing.T) {
	t.Parallel()
	testRFC2136(t, startDynupdate(t))
}

func TestRFC2136BIND(t *testing.T) {
	t.Parallel()
	testRFC2136(t, startBIND(t))
}

func TestRFC2136Knot(t *testing.T) {
	t.Parallel()
	testRFC2136(t, startKnot(t))
}

// testRFC2136 is the behaviour every RFC 2136 server must show.
func testRFC2136(t *testing.T, srv updateServer) {
	e := newRFC2136Env(t, srv)
	long := strings.Repeat("x", 400)
	e.write("web-01.yaml", `records:
  - name: web-01.example.org
    type: A
    value: 192.0.2.10
  - name: alias.example.org
    type: CNAME
    value: web-01.example.org
`)
	e.write("txt.yaml", "records:\n  - name: _dkim.example.org\n    type: TXT\n    value: "+long+"\n")
	d := e.start()
	e.served("web-01.example.org", dns.TypeA, set(t, "web-01.example.org 300 IN A 192.0.2.10"))
	e.served("alias.example.org", dns.TypeCNAME, set(t, "alias.example.org 300 IN CNAME web-01.example.org."))
	e.served("_dkim.example.org", dns.TypeTXT, set(t, fmt.Sprintf(`_dkim.example.org 300 IN TXT "%s" "%s"`, long[:255], long[255:])))
	// The seed's records are not dnssync's: a TXT at a name dnssync uses
	// and a whole other name stay.
	e.stillServed("seed.example.org", dns.TypeA, set(t, "seed.example.org 60 IN A 192.0.2.1"))
	e.stillServed("web-01.example.org", dns.TypeTXT, set(t, `web-01.example.org 60 IN TXT "seeded by hand"`))

	t.Run("update and type change", func(t *testing.T) {
		e := e.in(t)
		e.write("web-01.yaml", `records:
  - name: web-01.example.org
    type: A
    values: [192.0.2.10, 192.0.2.11]
    ttl: 120
  - name: alias.example.org
    type: A
    value: 192.0.2.12
`)
		e.served("web-01.example.org", dns.TypeA, set(t, "web-01.example.org 120 IN A 192.0.2.10", "web-01.example.org 120 IN A 192.0.2.11"))
		e.served("alias.example.org", dns.TypeA, set(t, "alias.example.org 300 IN A 192.0.2.12"))
		e.stillServed("alias.example.org", dns.TypeCNAME, nil)
		// And back: A to CNAME in one UPDATE.
		e.write("web-01.yaml", `records:
  - name: web-01.example.org
    type: A
    values: [192.0.2.10, 192.0.2.11]
    ttl: 120
  - name: alias.example.org
    type: CNAME
    value: web-01.example.org
`)
		e.served("alias.example.org", dns.TypeCNAME, set(t, "alias.example.org 300 IN CNAME web-01.example.org."))
		e.stillServed("alias.example.org", dns.TypeA, nil)
	})

	t.Run("foreign records left alone", func(t *testing.T) {
		e, d := e.in(t), d.in(t)
		nsupdate(t, srv, []string{"dhcp-7.example.org 60 IN A 192.0.2.77"}, nil)
		e.remove("txt.yaml")
		e.served("_dkim.example.org", dns.TypeTXT, nil)
		e.stillServed("dhcp-7.example.org", dns.TypeA, set(t, "dhcp-7.example.org 60 IN A 192.0.2.77"))
		e.stillServed("seed.example.org", dns.TypeA, set(t, "seed.example.org 60 IN A 192.0.2.1"))
		// A desired set that collides with a foreign one is reported, not taken.
		e.write("seed.yaml", "records:\n  - name: seed.example.org\n    type: A\n    value: 192.0.2.99\n")
		d.waitLog("not dnssync's")
		e.stillServed("seed.example.org", dns.TypeA, set(t, "seed.example.org 60 IN A 192.0.2.1"))
		e.remove("seed.yaml")
	})

	t.Run("owned drift put back", func(t *testing.T) {
		e := e.in(t)
		nsupdate(t, srv, []string{"web-01.example.org 120 IN A 192.0.2.66"}, []string{"web-01.example.org 120 IN A 192.0.2.10"})
		e.stillServed("web-01.example.org", dns.TypeA, set(t, "web-01.example.org 120 IN A 192.0.2.66"))
		e.served("web-01.example.org", dns.TypeA, set(t, "web-01.example.org 120 IN A 192.0.2.10", "web-01.example.org 120 IN A 192.0.2.11"))
	})

	t.Run("restart sends nothing when in sync", func(t *testing.T) {
		e := e.in(t)
		d.in(t).stop() // the parent's daemon; this subtest runs its own
		before := serial(t, e)
		d := e.start()
		d.waitLog("first pass done")
		if got := serial(t, e); got != before {
			t.Errorf("serial %d -> %d: a restart in sync sent an UPDATE", before, got)
		}
		if strings.Contains(d.out.String(), "update sent") {
			t.Errorf("a restart in sync sent an UPDATE:\n%s", d.out.String())
		}
	})

	t.Run("lost state adopts only what matches", func(t *testing.T) {
		e := e.in(t)
		d.in(t).stop() // the parent's daemon, if the subtest above did not run
		if err := os.Remove(filepath.Join(e.dir, "state", "owned.json")); err != nil {
			t.Fatal(err)
		}
		e.write("dhcp.yaml", "records:\n  - name: dhcp-7.example.org\n    type: A\n    value: 192.0.2.78\n")
		d := e.start()
		d.waitLog("first pass done")
		// web-01 matches records.d: adopted; dhcp-7 differs: foreign, left alone.
		e.stillServed("dhcp-7.example.org", dns.TypeA, set(t, "dhcp-7.example.org 60 IN A 192.0.2.77"))
		d.waitLog("not dnssync's")
		e.write("web-01.yaml", "records:\n  - name: web-01.example.org\n    type: A\n    value: 192.0.2.13\n")
		e.served("web-01.example.org", dns.TypeA, set(t, "web-01.example.org 300 IN A 192.0.2.13"))
		e.remove("dhcp.yaml")
	})
}

// TestRFC2136ServerRestartHealed: CoreDNS dynupdate without a database
// forgets every update on restart; the scheduled pass puts it all back.
func TestRFC2136ServerRestartHealed(t *testing.T) {
	t.Parallel()
	srv := startDynupdate(t)
	e := newRFC2136Env(t, srv)
	e.write("web-01.yaml", "records:\n  - name: web-01.example.org\n    type: A\n    value: 192.0.2.10\n")
	d := e.start()
	want := set(t, "web-01.example.org 300 IN A 192.0.2.10")
	e.served("web-01.example.org", dns.TypeA, want)
	const created = "action=create name=web-01.example.org."
	// The change is logged while its verification runs: it may be served
	// a moment before the line is written.
	d.waitLog(created)
	if n := strings.Count(d.out.String(), created); n != 1 {
		t.Fatalf("created %d times before the restart, want 1", n)
	}
	srv.Restart(t)
	// The restart forgets the record; the scheduled pass creates it again.
	d.waitLogCount(created, 2)
	e.served("web-01.example.org", dns.TypeA, want)
}

// TestRFC2136BadSecret: a wrong secret is a clear error naming what to check.
func TestRFC2136BadSecret(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(*testing.T) updateServer{"coredns": startDynupdate, "bind": startBIND, "knot": startKnot} {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			srv.secret = newSecret(t)
			e := newRFC2136Env(t, srv)
			e.write("web-01.yaml", "records:\n  - name: web-01.example.org\n    type: A\n    value: 192.0.2.10\n")
			_, stderr, code := e.cli("apply")
			if code != 1 || !strings.Contains(stderr, "tsig_secret_file") {
				t.Fatalf("apply with a wrong secret: exit %d, want 1 and advice on the key; stderr:\n%s", code, stderr)
			}
			e.stillServed("web-01.example.org", dns.TypeA, nil)
		})
	}
}

// TestRFC2136SecretPermissions: a world-readable secret is refused.
func TestRFC2136SecretPermissions(t *testing.T) {
	t.Parallel()
	srv := startDynupdate(t)
	e := newRFC2136Env(t, srv)
	if err := os.Chmod(filepath.Join(e.dir, "tsig.secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := e.cli("plan")
	if code != 1 || !strings.Contains(stderr, "chmod 600") {
		t.Fatalf("plan with a world-readable secret: exit %d; stderr:\n%s", code, stderr)
	}
}
