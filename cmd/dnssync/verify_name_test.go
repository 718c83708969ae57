package main

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// cachingDNS starts, on loopback, a resolver as its clients see it: it
// answers from its cache (no AA bit), name by name from answers (a record
// line, or "NXDOMAIN <soa ttl>" for a cached denial with its SOA, or
// "NXDOMAIN" without one).
func cachingDNS(t *testing.T, answers map[string]string) string {
	t.Helper()
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.RecursionAvailable = true
		a := answers[strings.ToLower(q.Question[0].Name)]
		switch {
		case strings.HasPrefix(a, "NXDOMAIN"):
			m.Rcode = dns.RcodeNameError
			if ttl, ok := strings.CutPrefix(a, "NXDOMAIN "); ok {
				soa, err := dns.NewRR("example.com. " + ttl + " IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300")
				if err != nil {
					panic(err)
				}
				m.Ns = append(m.Ns, soa)
			}
		case a != "":
			rr, err := dns.NewRR(a)
			if err != nil {
				panic(err)
			}
			if rr.Header().Rrtype == q.Question[0].Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		w.WriteMsg(m)
	})
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil { // the port is taken for TCP: another
			pc.Close()
			continue
		}
		for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
			started := make(chan struct{})
			srv.NotifyStartedFunc = func() { close(started) }
			go srv.ActivateAndServe()
			<-started
			t.Cleanup(func() { srv.Shutdown() })
		}
		return pc.LocalAddr().String()
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return ""
}

// addResolvers appends [[resolvers]] to the env's config file.
func addResolvers(t *testing.T, e testEnv, addrs ...string) {
	t.Helper()
	f, err := os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, a := range addrs {
		if _, err := fmt.Fprintf(f, "\n[[resolvers]]\naddress = %q\n", a); err != nil {
			t.Fatal(err)
		}
	}
}

// `dnssync verify NAME` asks every resolver too and says, per resolver,
// "served", or "will serve by T" from the TTL its cached answer carries
// (the old data's, or a cached denial's SOA's): a cache asks again then.
// Only an answer that will never turn into the declared one fails.
func TestVerifyNameResolvers(t *testing.T) {
	t.Parallel()
	auth, authAddr := startDNS(t)
	auth.serve(t, "web-01.example.com. 300 IN A 192.0.2.10")
	e := newEnv(t, authAddr)
	e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
	served := cachingDNS(t, map[string]string{"web-01.example.com.": "web-01.example.com. 120 IN A 192.0.2.10"})
	oldData := cachingDNS(t, map[string]string{"web-01.example.com.": "web-01.example.com. 7 IN A 192.0.2.9"})
	denial := cachingDNS(t, map[string]string{"web-01.example.com.": "NXDOMAIN 5"})
	addResolvers(t, e, served, oldData, denial)

	before := time.Now()
	code, out, stderr := e.run(t, "verify", "web-01.example.com")
	after := time.Now()
	if code != exitOK {
		t.Errorf("exit %d, want %d (lagging is not failing); stderr %q", code, exitOK, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 || lines[0] != "ok   web-01.example.com A: 300 [192.0.2.10]" ||
		lines[4] != "verified: web-01.example.com is served as declared by "+authAddr+", and every resolver serves it or will by the time shown" {
		t.Fatalf("stdout:\n%s", out)
	}
	want := map[string]string{
		served:  `^ok   web-01\.example\.com A at ` + regexp.QuoteMeta(served) + `: served$`,
		oldData: `^LAG  web-01\.example\.com A at ` + regexp.QuoteMeta(oldData) + `: will serve by (\S+) \(its cache holds 7 \[192\.0\.2\.9\] until then\)$`,
		denial:  `^LAG  web-01\.example\.com A at ` + regexp.QuoteMeta(denial) + `: will serve by (\S+) \(its cache holds - until then\)$`,
	}
	ttl := map[string]time.Duration{oldData: 7 * time.Second, denial: 5 * time.Second}
	for addr, re := range want {
		var m []string
		for _, l := range lines[1:4] {
			if m = regexp.MustCompile(re).FindStringSubmatch(l); m != nil {
				break
			}
		}
		if m == nil {
			t.Errorf("no line matching %s in\n%s", re, out)
			continue
		}
		if len(m) < 2 {
			continue
		}
		by, err := time.Parse(time.RFC3339, m[1])
		// RFC 3339 in seconds, rounded up: between the asking and a second later.
		if lo, hi := before.Add(ttl[addr]).Truncate(time.Second), after.Add(ttl[addr]+time.Second); err != nil || by.Before(lo) || by.After(hi) {
			t.Errorf("%s: will serve by %q (%v), want between %v and %v", addr, m[1], err, lo, hi)
		}
	}

	// A denial without a SOA carries no TTL: nothing says when it ends.
	gone := cachingDNS(t, map[string]string{"web-01.example.com.": "NXDOMAIN"})
	addResolvers(t, e, gone)
	code, out, _ = e.run(t, "verify", "web-01.example.com")
	if code != exitError || !strings.Contains(out, "FAIL web-01.example.com A at "+gone+": want 300 [192.0.2.10], served -\n") ||
		!strings.HasSuffix(out, "not verified: web-01.example.com is not served as declared by "+gone+"\n") {
		t.Errorf("a resolver that will not serve it: exit %d, stdout\n%s", code, out)
	}
}
