package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// resolverMargin is what the deadlines below allow beyond the TTL a cache
// may keep an answer for: one query and the cache's second-granular clock.
const resolverMargin = 2 * time.Second

// newResolverEnv is newEnv with the zones' negative_ttl and soa_ttl set,
// the daemon serving web-01, and a caching CoreDNS (systemd's
// Corefile.resolver: cache and forward) in front of the primary.
func newResolverEnv(t *testing.T, ttls corednstest.ZoneTTLs) (*env, *verify.Resolver) {
	t.Helper()
	e := newEnv(t)
	e.cfg.ZoneTTLs = ttls
	e.writeConfig()
	e.write("web-01.yaml", web01)
	e.start()
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	cache := startShippedResolver(t, e.dns.Addr)
	return e, &verify.Resolver{Addr: cache.Addr, Timeout: time.Second, Recurse: true}
}

// startShippedResolver starts CoreDNS with systemd/Corefile.resolver, the
// file operators install, its addresses made loopback ones: a port of its
// own instead of 53, 127.0.0.1 only, and primary as the managed zones'
// authoritative server (and, since no site resolver is reachable from a
// test, as every other name's: it refuses them, which the `loop` check
// takes for no loop). Each edit must find its text: a shipped file that
// changed its shape fails here, not silently untested.
func startShippedResolver(t *testing.T, primary string) *corednstest.Server {
	t.Helper()
	b, err := os.ReadFile("../systemd/Corefile.resolver")
	if err != nil {
		t.Fatal(err)
	}
	corefile := string(b)
	for _, r := range []struct {
		old, new string
		n        int
	}{
		{"example.com:53 example.org:53 {", "example.com:PORT example.org:PORT {", 1},
		{".:53 {", ".:PORT {", 1},
		{"bind 127.0.0.1 ::1", "bind 127.0.0.1", 2},
		{"forward . 192.0.2.53 192.0.2.54", "forward . " + primary, 1},
		{"forward . 192.0.2.1 192.0.2.2", "forward . " + primary, 1},
	} {
		if got := strings.Count(corefile, r.old); got != r.n {
			t.Fatalf("systemd/Corefile.resolver has %q %d times, want %d: update the test's loopback edits", r.old, got, r.n)
		}
		corefile = strings.ReplaceAll(corefile, r.old, r.new)
	}
	return corednstest.Start(t, corefile)
}

// TestResolverVerifyConfigured: with a caching resolver (the shipped
// Corefile.resolver) in [[resolvers]], `dnssync verify NAME` says, while
// the resolver still holds the old answer, "will serve by T" (T: when the
// old answer's TTL, counted from its caching, runs out), and "served" once
// it has; --json, and the daemon's check (--api), say the same of it; and
// `dnssync verify` (every record) counts it lagging, not failed.
func TestResolverVerifyConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cache := startShippedResolver(t, e.dns.Addr)
	e.cfg.Resolvers = []corednstest.Resolver{{Address: cache.Addr, Name: "resolver-a"}}
	api := "http://" + e.withAPI(t)
	const name = "api.example.com"
	const oldTTL = 10 // long enough to check while the cache holds it
	e.write("api.yaml", fmt.Sprintf("records:\n  - name: %s\n    type: A\n    value: 192.0.2.30\n    ttl: %d\n", name, oldTTL))
	e.start()
	old := set(t, fmt.Sprintf("%s %d IN A 192.0.2.30", name, oldTTL))
	e.served(name, dns.TypeA, old)
	res := &verify.Resolver{Addr: cache.Addr, Timeout: time.Second, Recurse: true}
	servedThrough(t, res, name, dns.TypeA, old, time.Now().Add(10*time.Second))

	e.write("api.yaml", fmt.Sprintf("records:\n  - name: %s\n    type: A\n    value: 192.0.2.31\n    ttl: 5\n", name))
	e.served(name, dns.TypeA, set(t, name+" 5 IN A 192.0.2.31"))
	// The old answer may have been cached (again) by any client of the
	// resolver (the daemon's own checks, with flags of their own, make
	// entries of their own) up to the moment the primary served the new
	// one: it runs out by now+oldTTL at the latest.
	cached := time.Now()

	// The cache still holds the old answer: LAG, exit 0.
	lag := regexp.MustCompile(`(?m)^LAG  ` + regexp.QuoteMeta(name) + ` A at resolver-a \(` + regexp.QuoteMeta(cache.Addr) + `\): will serve by (\S+) `)
	out, stderr, code := e.cli("verify", name)
	m := lag.FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "ok   "+name+" A: 5 [192.0.2.31]\n") {
		t.Fatalf("verify %s while the resolver holds the old answer: exit %d, want 0 and a LAG line for %s\n%s%s", name, code, cache.Addr, out, stderr)
	}
	by, err := time.Parse(time.RFC3339, m[1])
	if bound := cached.Add(oldTTL * time.Second); err != nil || by.After(bound.Add(time.Second)) || by.Before(time.Now()) {
		t.Fatalf("will serve by %s: want a time to come, and no later than when the old answer runs out, %s", m[1], bound.Format(time.RFC3339))
	}

	// --json, here and asked of the daemon: the same entry for the
	// resolver (its time may be a second later: asked a moment later).
	for _, args := range [][]string{{"verify", name, "--json"}, {"verify", name, "--json", "--api", api}} {
		out, stderr, code := e.cli(args...)
		r, ok := resolverEntry(t, out, cache.Addr)
		jby, err := time.Parse(time.RFC3339, r.WillServeBy)
		if code != 0 || !ok || r.Status != "lagging" || r.Verified || err != nil || jby.Before(by) || jby.After(by.Add(time.Second)) ||
			!slices.Equal(r.Served, []string{"192.0.2.30"}) || !slices.Equal(r.Want, []string{"192.0.2.31"}) {
			t.Errorf("%v: exit %d, resolver entry %+v (found %v), want lagging, will serve by %s\n%s%s", args, code, r, ok, m[1], out, stderr)
		}
	}
	if out, stderr, code := e.cli("verify"); code != 0 || !strings.Contains(out, "LAG  "+name+". A at "+cache.Addr) {
		t.Errorf("verify (every record) while the resolver holds the old answer: exit %d, want 0 and a LAG line\n%s%s", code, out, stderr)
	}

	// Once that time has passed: served.
	deadline := by.Add(resolverMargin)
	for {
		out, stderr, code = e.cli("verify", name)
		if code == 0 && strings.Contains(out, "ok   "+name+" A at resolver-a ("+cache.Addr+"): served\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("verify %s after %s: exit %d, want the resolver served\n%s%s", name, m[1], code, out, stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, args := range [][]string{{"verify", name, "--json"}, {"verify", name, "--json", "--api", api}} {
		out, stderr, code := e.cli(args...)
		if r, ok := resolverEntry(t, out, cache.Addr); code != 0 || !ok || r.Status != "verified" || !r.Verified || r.WillServeBy != "" {
			t.Errorf("%v once served: exit %d, resolver entry %+v, want verified\n%s%s", args, code, r, out, stderr)
		}
	}
}

// resolverEntry decodes `verify NAME --json` and returns its one entry
// for the server at addr.
func resolverEntry(t *testing.T, out, addr string) (client.RRsetStatus, bool) {
	t.Helper()
	var v client.Response[client.Verification]
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Errorf("verify --json: %v\n%s", err, out)
		return client.RRsetStatus{}, false
	}
	if !slices.Contains(v.Data.Servers, addr) {
		t.Errorf("verify --json asked %v, not the resolver %s", v.Data.Servers, addr)
	}
	for _, r := range v.Data.Records {
		if r.Server == addr {
			return r, true
		}
	}
	return client.RRsetStatus{}, false
}

// TestResolverSeesNewName: a name asked for through a caching resolver
// before it was registered (the resolver caches the NXDOMAIN) is answered
// by the resolver once the negative TTL that verify predicts has passed,
// and that prediction, read from the primary's negative answer, is the
// zone's negative_ttl even though soa_ttl is far longer: the SOA is
// rendered so that CoreDNS's cache, which keeps a denial for the SOA
// record's TTL, keeps it for negative_ttl.
func TestResolverSeesNewName(t *testing.T) {
	t.Parallel()
	const negativeTTL = 5
	e, cache := newResolverEnv(t, corednstest.ZoneTTLs{NegativeTTL: negativeTTL, SOATTL: 3600})
	const name = "new-01.example.com"

	predicted := verify.NegativeTTL(negativeSOA(t, e.dns.Addr, name))
	if predicted != negativeTTL*time.Second {
		t.Fatalf("predicted negative caching time %v, want the configured negative_ttl %ds", predicted, negativeTTL)
	}

	if got, err := cache.Query(context.Background(), name, dns.TypeA); err != nil || got != nil {
		t.Fatalf("resolver before registration: %v (err %v), want NXDOMAIN", got, err)
	}
	cached := time.Now() // the denial is cached by now, and expires by cached+predicted

	e.write("new-01.yaml", `records:
  - name: new-01.example.com
    type: A
    value: 192.0.2.20
    ttl: 5
`)
	want := set(t, "new-01.example.com 5 IN A 192.0.2.20")
	e.served(name, dns.TypeA, want)
	primary := time.Now()
	by := willServeBy(t, cache, want, cached.Add(predicted))

	seen := servedThrough(t, cache, name, dns.TypeA, want, latest(by, primary).Add(resolverMargin))
	t.Logf("new name served through the resolver %v after its NXDOMAIN was cached (predicted at most %v)", seen.Sub(cached).Round(time.Millisecond), predicted)
}

// TestResolverSeesChangedRecord: a record the resolver has cached (TTL 5)
// is answered changed by the resolver within that TTL of its caching.
func TestResolverSeesChangedRecord(t *testing.T) {
	t.Parallel()
	e, cache := newResolverEnv(t, corednstest.ZoneTTLs{})
	const name = "api.example.com"
	e.write("api.yaml", "records:\n  - name: api.example.com\n    type: A\n    value: 192.0.2.30\n    ttl: 5\n")
	old := set(t, "api.example.com 5 IN A 192.0.2.30")
	e.served(name, dns.TypeA, old)
	servedThrough(t, cache, name, dns.TypeA, old, time.Now().Add(10*time.Second))
	cached := time.Now()                              // cached by now, and expires by cached+TTL
	predicted := time.Duration(old.TTL) * time.Second // what the resolver may hold the old set for

	e.write("api.yaml", "records:\n  - name: api.example.com\n    type: A\n    value: 192.0.2.31\n    ttl: 5\n")
	changed := set(t, "api.example.com 5 IN A 192.0.2.31")
	e.served(name, dns.TypeA, changed)
	primary := time.Now()
	by := willServeBy(t, cache, changed, cached.Add(predicted))

	seen := servedThrough(t, cache, name, dns.TypeA, changed, latest(by, primary).Add(resolverMargin))
	t.Logf("changed record served through the resolver %v after the old one was cached (TTL %v)", seen.Sub(cached).Round(time.Millisecond), predicted)
}

// willServeBy checks want at the resolver as `dnssync verify NAME` does
// (no history: the TTL its cached answer carries) and returns when the
// check says the resolver will serve it: now, when it does already. That
// time must not be past bound (when what the resolver cached runs out,
// by the TTLs: the old set's, or the zone's negative TTL), give or take
// the second the report rounds to.
func willServeBy(t *testing.T, r *verify.Resolver, want *rrset.Set, bound time.Time) time.Time {
	t.Helper()
	now := time.Now()
	rep := verify.CheckAll(context.Background(), []*verify.Resolver{r}, map[rrset.Key]*rrset.Set{want.Key: want}, nil, now, nil)
	if len(rep.Results) != 1 {
		t.Fatalf("check of %s at the resolver: %v", want.Key, rep.Results)
	}
	switch res := rep.Results[0]; res.Status {
	case verify.StatusVerified: // the cache ran out already
		t.Logf("%s served through the resolver already at the first check", want.Key)
		return now
	case verify.StatusLagging:
		if res.By.After(bound.Add(time.Second)) {
			t.Fatalf("resolver will serve %s by %v, past what it may have cached: %v", want.Key, res.By, bound)
		}
		t.Logf("%s: the resolver will serve it by %v (%v from now)", want.Key, res.By.Format(time.StampMilli), res.By.Sub(now).Round(time.Millisecond))
		return res.By
	default:
		t.Fatalf("check of %s at the resolver: %s, want served or lagging", want.Key, res)
		return time.Time{}
	}
}

// negativeSOA asks the authoritative server at addr for name and returns
// the SOA of its negative answer, as a cache receives it.
func negativeSOA(t *testing.T, addr, name string) *dns.SOA {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	if err != nil {
		t.Fatalf("ask %s for %s: %v", addr, name, err)
	}
	if in.Rcode != dns.RcodeNameError {
		t.Fatalf("%s answers %s with %s, want NXDOMAIN", addr, name, dns.RcodeToString[in.Rcode])
	}
	for _, rr := range in.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa
		}
	}
	t.Fatalf("%s: NXDOMAIN for %s without a SOA: %v", addr, name, in)
	return nil
}

// servedThrough polls the resolver until it answers want's data (with a
// TTL counting down from want's: a cache's answer), failing the test at
// deadline; it returns when it first did.
func servedThrough(t *testing.T, r *verify.Resolver, name string, typ uint16, want *rrset.Set, deadline time.Time) time.Time {
	t.Helper()
	var got *rrset.Set
	var err error
	for {
		got, err = r.Query(context.Background(), name, typ)
		now := time.Now()
		if err == nil && got != nil && slices.Equal(got.Values(), want.Values()) && got.TTL <= want.TTL {
			return now
		}
		if now.After(deadline) {
			t.Fatalf("resolver %s: %s %s is %v (err %v), want %v by %s", r.Addr, name, dns.TypeToString[typ], got, err, want, deadline.Format(time.StampMilli))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// latest is the later of a and b.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
