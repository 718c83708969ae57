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

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/zones"
)

// catalogZone is the catalog the daemon maintains in these tests.
const catalogZone = "catalog.invalid"

// catalogFollowDeadline bounds each consumer's pick-up and drop: the
// issue wants them within seconds of the API call.
const catalogFollowDeadline = 20 * time.Second

// catalogConsumer is one of the three real consumers of the daemon's
// catalog, configured in dnssync as a [[secondaries]] entry with no zones
// list (it serves every managed zone, the catalog too).
type catalogConsumer struct {
	kind corednstest.Kind
	srv  *corednstest.Server
}

// TestCatalogConsumersFollowTheAPI (issue 13, "Catalog zone" and "End to
// end"): the daemon (zonefile backend, a CoreDNS `auto` primary, [catalog]
// zone = "catalog.invalid", the API on) and one catalog consumer of each
// kind (BIND 9.18, Knot, CoreDNS), each a [[secondaries]] entry. The
// config's zone is served by all three. A zone added through the API is
// served by the primary and verified, appears in the catalog (its PTR
// under zones.catalog.invalid at the primary), and every consumer serves
// it, SOA and the record registered for it through the records API,
// within seconds and with no restart or change of its config. Its record
// unregistered and the zone removed through the API, it leaves the
// catalog and every consumer answers REFUSED for it. `dnssync verify
// --json` then passes with a [[resolvers]] entry configured: the
// catalog's records are asked of the primary only (no resolver can
// resolve catalog.invalid), and Knot, which refuses queries for the
// catalog it interprets, is judged by its members, not reported lagging.
// The times each consumer took are logged.
func TestCatalogConsumersFollowTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.cfg.Catalog = catalogZone
	e.writeConfig()
	e.write("web-01.yaml", web01)
	// The consumers transfer the catalog as they start: dnssync writes it
	// (and example.com) first.
	if out, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, stderr)
	}
	waitUntil(t, "the primary serves the catalog", func() string { return servesSOA(e.dns.Addr, catalogZone) })

	var consumers []catalogConsumer
	for _, k := range []corednstest.Kind{corednstest.BIND, corednstest.Knot, corednstest.CoreDNS} {
		srv := corednstest.StartCatalogConsumer(t, k, corednstest.CatalogConsumer{Primary: e.dns.Addr, Catalog: catalogZone})
		consumers = append(consumers, catalogConsumer{kind: k, srv: srv})
		e.cfg.Secondaries = append(e.cfg.Secondaries, srv.Addr)
	}
	e.cfg.Resolvers = []corednstest.Resolver{{Address: startShippedResolver(t, e.dns.Addr).Addr, Name: "resolver"}}
	c := e.withAPITokens(t)
	// No scheduled pass within the test: zones.d's watcher (a change
	// triggers a pass at once) must carry every step.
	e.cfg.Verify.Schedule = "@every 1h"
	e.writeConfig()
	d := e.start()
	d.waitLog("first pass done")

	serial, _, err := soa(e.dns.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range consumers {
		waitUntil(t, cc.kind.String()+" serves the config's zone", func() string {
			return servesAt(cc.srv.Addr, "example.com", serial, "web-01.example.com", "192.0.2.10")
		})
	}

	// Added through the API, with a record through the records API.
	const zone, host, addr = "staging.example.net", "www.staging.example.net", "192.0.2.80"
	ctx := context.Background()
	added := time.Now()
	ch, err := c.AddZone(ctx, client.Zone{Name: zone}, true)
	if err != nil || ch.Status != "verified" {
		t.Fatalf("add zone %s: %+v, %v; want verified", zone, ch, err)
	}
	zoneVerified := time.Since(added)
	soaAt := waitEach(t, consumers, "serves "+zone, func(a string) string { return servesSOA(a, zone) })
	registered := time.Now()
	w, err := c.Register(ctx, client.WriteRequest{Name: host, RecordType: "A", Value: addr}, true)
	if err != nil || w.Status != "verified" {
		t.Fatalf("register %s: %+v, %v; want verified", host, w, err)
	}
	e.served(host, dns.TypeA, set(t, host+" 300 IN A "+addr))
	member := zones.CatalogID(zone) + ".zones." + catalogZone
	waitUntil(t, "the catalog lists "+zone, func() string { return servesPTR(e.dns.Addr, member, zone) })
	zoneSerial, _, err := soa(e.dns.Addr, zone)
	if err != nil || zoneSerial == 0 {
		t.Fatalf("primary's SOA of %s: serial %d, %v", zone, zoneSerial, err)
	}
	recAt := waitEach(t, consumers, "serves "+host, func(a string) string { return servesAt(a, zone, zoneSerial, host, addr) })

	v, code := verifyJSON(t, e)
	if code != 0 || !v.Verified {
		t.Errorf("verify --json with the catalog and its consumers: exit %d, verified %v, want exit 0:\n%+v\n%+v", code, v.Verified, v.Records, v.Zones)
	}
	for _, r := range v.Records {
		if r.Server != e.dns.Addr && dns.IsSubDomain(catalogZone+".", dns.Fqdn(r.Name)) {
			t.Errorf("verify asked %s for the catalog's %s %s: only the primary serves it", r.Server, r.Name, r.RecordType)
		}
	}

	// Removed through the API once its record is gone.
	if _, err := c.Unregister(ctx, host, "A", true); err != nil {
		t.Fatalf("unregister %s: %v", host, err)
	}
	removed := time.Now()
	if _, err := c.RemoveZone(ctx, zone, false); err != nil {
		t.Fatalf("remove zone %s: %v", zone, err)
	}
	waitUntil(t, "the catalog drops "+zone, func() string {
		if s := servesPTR(e.dns.Addr, member, ""); s != "" {
			return s
		}
		return servesSOA(e.dns.Addr, catalogZone)
	})
	leftCatalog := time.Since(removed)
	dropAt := waitEach(t, consumers, "drops "+zone, func(a string) string { return refuses(a, zone) })
	for _, cc := range consumers {
		if s := servesAt(cc.srv.Addr, "example.com", serialNow(t, e.dns.Addr, "example.com"), "web-01.example.com", "192.0.2.10"); s != "" {
			t.Errorf("%s after the removal, example.com: %s", cc.kind, s)
		}
	}
	t.Logf("zone added and verified at the primary in %v; left the catalog %v after its removal", zoneVerified.Round(time.Millisecond), leftCatalog.Round(time.Millisecond))
	for _, cc := range consumers {
		t.Logf("%s: served %s (SOA) %v after the add was sent, its record %v after the register was sent; REFUSED %v after the removal was sent",
			cc.kind, zone, soaAt[cc.kind].Sub(added).Round(time.Millisecond), recAt[cc.kind].Sub(registered).Round(time.Millisecond),
			dropAt[cc.kind].Sub(removed).Round(time.Millisecond))
	}
}

// withAPITokens turns e's API on (a free port, a token file) and returns a
// client of it; the caller writes the config and starts the daemon.
func (e *env) withAPITokens(t *testing.T) *client.Client {
	t.Helper()
	addr := apiPort(t)
	tokens := filepath.Join(e.dir, "tokens")
	if err := os.WriteFile(tokens, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.API = &corednstest.API{Listen: addr, TokenFile: tokens}
	return client.New("http://"+addr, strings.SplitN(testToken, ":", 2)[1])
}

// waitUntil polls cond ("" when met, else what was seen) until
// catalogFollowDeadline, and returns when it was met.
func waitUntil(t *testing.T, what string, cond func() string) time.Time {
	t.Helper()
	deadline := time.Now().Add(catalogFollowDeadline)
	var last string
	for time.Now().Before(deadline) {
		if last = cond(); last == "" {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v (last: %s)", what, catalogFollowDeadline, last)
	return time.Time{}
}

// waitEach polls cond ("" when met, else what was seen) at every
// consumer's address, all in turn, until each met it or
// catalogFollowDeadline passed; it returns when each met it.
func waitEach(t *testing.T, cs []catalogConsumer, what string, cond func(addr string) string) map[corednstest.Kind]time.Time {
	t.Helper()
	deadline := time.Now().Add(catalogFollowDeadline)
	met := map[corednstest.Kind]time.Time{}
	last := map[corednstest.Kind]string{}
	for len(met) < len(cs) && time.Now().Before(deadline) {
		for _, c := range cs {
			if _, ok := met[c.kind]; ok {
				continue
			}
			if last[c.kind] = cond(c.srv.Addr); last[c.kind] == "" {
				met[c.kind] = time.Now()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	missed := false
	for _, c := range cs {
		if _, ok := met[c.kind]; !ok {
			t.Errorf("%s %s: not within %v (last: %s)", c.kind, what, catalogFollowDeadline, last[c.kind])
			missed = true
		}
	}
	if missed {
		t.FailNow()
	}
	return met
}

// ask asks addr for name's records of type qtype, without recursion.
func ask(addr, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	return in, err
}

// servesSOA: "" when addr answers zone's SOA, else what it answered.
func servesSOA(addr, zone string) string {
	in, err := ask(addr, zone, dns.TypeSOA)
	switch {
	case err != nil:
		return err.Error()
	case in.Rcode != dns.RcodeSuccess || len(in.Answer) != 1 || in.Answer[0].Header().Rrtype != dns.TypeSOA:
		return fmt.Sprintf("SOA %s: %s %v", zone, dns.RcodeToString[in.Rcode], in.Answer)
	}
	return ""
}

// servesAt: "" when addr answers zone's SOA at serial and name's A with
// the one address a, else what it answered.
func servesAt(addr, zone string, serial uint32, name, a string) string {
	got, rcode, err := soa(addr, zone)
	if err != nil || rcode != dns.RcodeSuccess || got != serial {
		return fmt.Sprintf("SOA %s: serial %d, %s (%v), want %d", zone, got, dns.RcodeToString[rcode], err, serial)
	}
	in, err := ask(addr, name, dns.TypeA)
	if err != nil {
		return err.Error()
	}
	if len(in.Answer) != 1 {
		return fmt.Sprintf("%s A: %s %v", name, dns.RcodeToString[in.Rcode], in.Answer)
	}
	if rr, ok := in.Answer[0].(*dns.A); !ok || rr.A.String() != a {
		return fmt.Sprintf("%s A: %v, want %s", name, in.Answer, a)
	}
	return ""
}

// servesPTR: "" when addr answers name's PTR with target ("" for none:
// NXDOMAIN or no data), else what it answered.
func servesPTR(addr, name, target string) string {
	in, err := ask(addr, name, dns.TypePTR)
	if err != nil {
		return err.Error()
	}
	if target == "" {
		if len(in.Answer) == 0 && (in.Rcode == dns.RcodeNameError || in.Rcode == dns.RcodeSuccess) {
			return ""
		}
		return fmt.Sprintf("%s PTR: %s %v, want none", name, dns.RcodeToString[in.Rcode], in.Answer)
	}
	if len(in.Answer) == 1 {
		if p, ok := in.Answer[0].(*dns.PTR); ok && p.Ptr == dns.Fqdn(target) {
			return ""
		}
	}
	return fmt.Sprintf("%s PTR: %s %v, want %s", name, dns.RcodeToString[in.Rcode], in.Answer, target)
}

// refuses: "" when addr answers zone's SOA with REFUSED (it serves the
// zone no more), else what it answered.
func refuses(addr, zone string) string {
	in, err := ask(addr, zone, dns.TypeSOA)
	switch {
	case err != nil:
		return err.Error()
	case in.Rcode != dns.RcodeRefused:
		return fmt.Sprintf("SOA %s: %s %v, want REFUSED", zone, dns.RcodeToString[in.Rcode], in.Answer)
	}
	return ""
}

// serialNow is the serial addr serves for zone now.
func serialNow(t *testing.T, addr, zone string) uint32 {
	t.Helper()
	s, _, err := soa(addr, zone)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
