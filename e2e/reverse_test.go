package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// The reverse zones of these tests: a /24 and the nibble zone of
// 2001:db8::/32, both `reverse: true` in zones.d.
const (
	rev4 = "2.0.192.in-addr.arpa"
	rev6 = "8.b.d.0.1.0.0.2.ip6.arpa"
)

// declareReverse writes zones.d (the default, beside records.d) with the
// two reverse zones, their nameserver in example.com.
func (e *env) declareReverse() {
	e.t.Helper()
	dir := filepath.Join(e.dir, "zones.d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	for _, z := range []string{rev4, rev6} {
		body := fmt.Sprintf("zone:\n  name: %s\n  nameservers: [ns1.example.com]\n  reverse: true\n", z)
		if err := os.WriteFile(filepath.Join(dir, z+".yaml"), []byte(body), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// withRecordsAPI turns the records API on, writes the config and starts
// the daemon, returned once its first pass is done.
func withRecordsAPI(t *testing.T, e *env) *apiEnv {
	t.Helper()
	addr := apiPort(t)
	tokens := filepath.Join(e.dir, "tokens")
	if err := os.WriteFile(tokens, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &apiEnv{env: e, base: "http://" + addr, audit: filepath.Join(e.dir, "audit.log")}
	e.cfg.API = &corednstest.API{Listen: addr, TokenFile: tokens}
	e.cfg.Audit.File = a.audit
	e.writeConfig()
	a.d = e.start()
	a.d.waitLog("first pass done")
	a.c = client.New(a.base, strings.SplitN(testToken, ":", 2)[1])
	return a
}

// ptrAt asks addr what `dig -x ip` asks: the PTR targets (sorted) and
// their TTL; none when the name has no PTR.
func ptrAt(addr, ip string) (targets []string, ttl uint32, err error) {
	name, err := dns.ReverseAddr(ip)
	if err != nil {
		return nil, 0, err
	}
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypePTR)
	in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	if err != nil {
		return nil, 0, err
	}
	if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
		return nil, 0, fmt.Errorf("rcode %s", dns.RcodeToString[in.Rcode])
	}
	for _, rr := range in.Answer {
		if p, ok := rr.(*dns.PTR); ok {
			targets, ttl = append(targets, p.Ptr), p.Hdr.Ttl
		}
	}
	slices.Sort(targets)
	return targets, ttl, nil
}

// waitPTR polls every server until `dig -x ip` answers want (none: no
// PTR) with TTL ttl (0: any), failing t after the deadline.
func waitPTR(t *testing.T, servers []string, ip string, ttl uint32, want ...string) {
	t.Helper()
	for _, s := range servers {
		deadline := time.Now().Add(20 * time.Second)
		var (
			got []string
			gt  uint32
			err error
		)
		for {
			got, gt, err = ptrAt(s, ip)
			if err == nil && slices.Equal(got, want) && (ttl == 0 || len(want) == 0 || gt == ttl) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("dig -x %s @%s: %q TTL %d (err %v), want %q TTL %d", ip, s, got, gt, err, want, ttl)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// register posts one record through the records API and waits until it is
// verified.
func (a *apiEnv) register(name, typ, value string, ttl int) {
	a.t.Helper()
	body := fmt.Sprintf(`{"name":%q,"record_type":%q,"value":%q,"ttl":%d}`, name, typ, value, ttl)
	if code, env := a.do("POST", "/api/v1/dns/records?wait=verified", body); code != http.StatusCreated || env["success"] != true {
		a.t.Fatalf("register %s %s %s: %d %v", name, typ, value, code, env)
	}
}

// unregister deletes every record of name through the records API.
func (a *apiEnv) unregister(name string) {
	a.t.Helper()
	if code, env := a.do("DELETE", "/api/v1/dns/records/"+name+"?wait=verified", ""); code != http.StatusOK || env["success"] != true {
		a.t.Fatalf("unregister %s: %d %v", name, code, env)
	}
}

// TestReverseZonesZonefile: with the zonefile backend, a host registered
// through the API with an A and an AAAA record is answered by `dig -x`
// for both addresses, on the primary and on a BIND secondary; the rules of
// shared addresses, `ptr: false` and explicit PTRs hold; unregistered, its
// PTRs go from both.
func TestReverseZonesZonefile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.declareReverse()
	e.writeConfig()
	d := e.start() // creates the zones the secondary transfers
	for _, z := range []string{"example.com", rev4, rev6} {
		waitSOA(t, e.dns.Addr, z)
	}
	d.stop()
	sec := corednstest.StartSecondary(t, corednstest.BIND, corednstest.Secondary{Primary: e.dns.Addr, Zones: []string{"example.com", rev4, rev6}})
	e.cfg.Secondaries = []string{sec.Addr}
	a := withRecordsAPI(t, e)
	testReverse(t, a, []string{e.dns.Addr, sec.Addr})
}

// TestReverseZonesRFC2136: the same through UPDATEs to a BIND primary
// serving the forward zone and both reverse zones as dynamic zones.
func TestReverseZonesRFC2136(t *testing.T) {
	t.Parallel()
	srv := startReversePrimary(t)
	e := newRFC2136Env(t, srv)
	e.cfg.Zones = []string{"example.com"}
	e.declareReverse()
	a := withRecordsAPI(t, e)
	testReverse(t, a, []string{srv.Addr})
}

// testReverse is what reverse zones must show whatever the backend.
func testReverse(t *testing.T, a *apiEnv, servers []string) {
	a.register("web.example.com", "A", "192.0.2.10", 300)
	a.register("web.example.com", "AAAA", "2001:db8::10", 600)
	waitPTR(t, servers, "192.0.2.10", 300, "web.example.com.")
	waitPTR(t, servers, "2001:db8::10", 600, "web.example.com.")

	// A second name at the address: both, the lowest TTL.
	a.register("alias.example.com", "A", "192.0.2.10", 120)
	waitPTR(t, servers, "192.0.2.10", 120, "alias.example.com.", "web.example.com.")

	// ptr: false gets none; an explicit PTR wins over the derived one.
	a.write("hand.yaml", `records:
  - name: quiet.example.com
    type: A
    value: 192.0.2.20
    ptr: false
  - name: db.example.com
    type: A
    value: 192.0.2.30
  - name: 30.2.0.192.in-addr.arpa
    type: PTR
    value: custom.example.net
  - name: loud.example.com
    type: A
    value: 192.0.2.21
`)
	waitPTR(t, servers, "192.0.2.21", 300, "loud.example.com.")
	waitPTR(t, servers, "192.0.2.30", 300, "custom.example.net.")
	waitPTR(t, servers, "192.0.2.20", 0) // written with the others: no PTR
	a.served("quiet.example.com", dns.TypeA, set(t, "quiet.example.com 300 IN A 192.0.2.20"))

	// Unregistered: its PTRs go; the other name at the address stays.
	a.unregister("web.example.com")
	waitPTR(t, servers, "2001:db8::10", 0)
	waitPTR(t, servers, "192.0.2.10", 120, "alias.example.com.")
	a.unregister("alias.example.com")
	waitPTR(t, servers, "192.0.2.10", 0)
	waitPTR(t, servers, "192.0.2.21", 300, "loud.example.com.")
}

// startReversePrimary starts a BIND primary taking signed UPDATEs for
// example.com and the two reverse zones, each seeded with SOA and NS.
func startReversePrimary(t *testing.T) updateServer {
	t.Helper()
	secret := newSecret(t)
	conf := fmt.Sprintf(`options {
    directory "DIR";
    listen-on port PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file "DIR/named.pid";
    session-keyfile "DIR/session.key";
    recursion no;
    allow-transfer { any; };
    dnssec-validation no;
    notify no;
};
controls { };
key "dnssync." { algorithm hmac-sha256; secret "%s"; };
`, secret)
	files := map[string]string{}
	zs := []string{"example.com", rev4, rev6}
	for _, z := range zs {
		conf += fmt.Sprintf(`zone "%s" {
    type primary;
    file "DIR/%s.zone";
    update-policy { grant dnssync. zonesub ANY; };
};
`, z, z)
		files[z+".zone"] = fmt.Sprintf(`%s. 60 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 60
%s. 60 IN NS ns1.example.com.
`, z, z)
	}
	files["example.com.zone"] += "ns1.example.com. 60 IN A 127.0.0.1\n"
	s := corednstest.StartSpec(t, corednstest.Spec{Kind: corednstest.BIND, Conf: conf, Files: files, Zones: zs})
	return updateServer{Server: s, secret: secret}
}

// waitSOA polls addr until it answers zone's SOA.
func waitSOA(t *testing.T, addr, zone string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, rcode, err := soa(addr, zone)
		if err == nil && rcode == dns.RcodeSuccess {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no SOA of %s (rcode %d, err %v)", addr, zone, rcode, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReverseSafety: removing many hosts at once is held in their forward
// zone, and their PTRs with them, though the reverse zone, holding
// another zone's hosts' PTRs too, would let that many deletions through
// on its own count; a new host still gets its PTR. Forced, both go.
func TestReverseSafety(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // example.com and example.org
	e.declareReverse()
	e.writeConfig()
	hosts := func(zone string, from, to, base int) string {
		var b strings.Builder
		b.WriteString("records:\n")
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "  - name: h%d.%s\n    type: A\n    value: 192.0.2.%d\n", i, zone, base+i)
		}
		return b.String()
	}
	e.write("com.yaml", hosts("example.com", 0, 12, 10))
	e.write("org.yaml", hosts("example.org", 0, 40, 100))
	d := e.start()
	waitPTR(t, []string{e.dns.Addr}, "192.0.2.10", 300, "h0.example.com.")
	waitPTR(t, []string{e.dns.Addr}, "192.0.2.139", 300, "h39.example.org.")

	// 5 of example.com's 12 hosts go, in one write, and a new host comes.
	e.write("com.yaml", hosts("example.com", 5, 12, 10)+"  - name: new.example.com\n    type: A\n    value: 192.0.2.99\n")
	waitPTR(t, []string{e.dns.Addr}, "192.0.2.99", 300, "new.example.com.")
	d.waitLog("plan refused")
	stillThere := func(when string) {
		t.Helper()
		for i := range 5 {
			e.stillServed(fmt.Sprintf("h%d.example.com", i), dns.TypeA, set(t, fmt.Sprintf("h%d.example.com 300 IN A 192.0.2.%d", i, 10+i)))
			if got, _, err := ptrAt(e.dns.Addr, fmt.Sprintf("192.0.2.%d", 10+i)); err != nil || !slices.Equal(got, []string{fmt.Sprintf("h%d.example.com.", i)}) {
				t.Errorf("%s: PTR of h%d, whose removal is held: %q (err %v)", when, i, got, err)
			}
		}
	}
	stillThere("daemon")
	d.stop()
	// A process of its own, its first pass a full one: the same.
	if _, stderr, code := e.cli("apply"); code == 0 || !strings.Contains(stderr, "refused") {
		t.Errorf("apply with the removal held: exit %d, want non-zero naming the refusal; stderr:\n%s", code, stderr)
	}
	stillThere("apply")

	if _, stderr, code := e.cli("apply", "--force"); code != 0 {
		t.Fatalf("apply --force: %d %s", code, stderr)
	}
	for i := range 5 {
		e.served(fmt.Sprintf("h%d.example.com", i), dns.TypeA, nil)
		waitPTR(t, []string{e.dns.Addr}, fmt.Sprintf("192.0.2.%d", 10+i), 0)
	}
	waitPTR(t, []string{e.dns.Addr}, "192.0.2.15", 300, "h5.example.com.")
}
