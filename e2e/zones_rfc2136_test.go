package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// Zones added and removed at run time with the rfc2136 backend, which
// cannot create a zone: the server must serve it first. dnssync asks
// (SOA) before it writes zones.d, and names what to add on the server
// when the answer is no.

const (
	absentZone = "absent.example.net"  // declared on no server
	dynZone    = "staging.example.net" // a second zone the primary takes UPDATEs for
)

func TestZonesRFC2136BIND(t *testing.T) {
	t.Parallel()
	testZonesRFC2136(t, corednstest.BIND)
}

func TestZonesRFC2136Knot(t *testing.T) {
	t.Parallel()
	testZonesRFC2136(t, corednstest.Knot)
}

// testZonesRFC2136 is what a zone added through the API must show with a
// primary of kind k: refused, with the remedy, when the server does not
// serve it; managed, written to and verified when it does; retired, with
// a warning that the server still serves it, when removed.
func testZonesRFC2136(t *testing.T, k corednstest.Kind) {
	srv := startTwoZonePrimary(t, k)
	e := newRFC2136Env(t, srv)
	a := withRecordsAPI(t, e)
	zonesDir := filepath.Join(e.dir, "zones.d")

	t.Run("not served: refused with the remedy", func(t *testing.T) {
		a := a.in(t)
		code, env := a.do("POST", "/api/v1/dns/zones", fmt.Sprintf(`{"name":%q}`, absentZone))
		msg, _ := env["error"].(string)
		if code != http.StatusUnprocessableEntity || env["success"] != false {
			t.Fatalf("POST zone the server does not serve: %d %v, want 422", code, env)
		}
		for _, want := range []string{"does not serve zone " + absentZone, `BIND: zone "` + absentZone + `"`, "Knot: zone: [{domain: " + absentZone, "CoreDNS: a server block " + absentZone} {
			if !strings.Contains(msg, want) {
				t.Errorf("422 message lacks %q:\n%s", want, msg)
			}
		}
		if _, err := os.Stat(filepath.Join(zonesDir, absentZone+".yaml")); !os.IsNotExist(err) {
			t.Errorf("zones.d/%s.yaml after a refused add: %v", absentZone, err)
		}
		_, stderr, code := a.cli("zones", "add", absentZone)
		if code != 1 || !strings.Contains(stderr, msg) {
			t.Errorf("dnssync zones add %s: exit %d, want 1 and the API's message\n%s\nstderr:\n%s", absentZone, code, msg, stderr)
		}
		if _, err := os.Stat(filepath.Join(zonesDir, absentZone+".yaml")); !os.IsNotExist(err) {
			t.Errorf("zones.d/%s.yaml after a refused local add: %v", absentZone, err)
		}
		if _, env := a.do("GET", "/api/v1/dns/zones", ""); strings.Contains(fmt.Sprint(env["data"]), absentZone) {
			t.Errorf("GET zones lists the refused zone: %v", env["data"])
		}
	})

	served := t.Run("served: managed, written, verified", func(t *testing.T) {
		a := a.in(t)
		body := fmt.Sprintf(`{"name":%q,"nameservers":["ns.%s"],"nameserver_addresses":["192.0.2.53"]}`, dynZone, dynZone)
		code, env := a.do("POST", "/api/v1/dns/zones", body)
		if code != http.StatusCreated || env["success"] != true {
			t.Fatalf("POST zone the server serves: %d %v, want 201", code, env)
		}
		if data, _ := env["data"].(map[string]any); data["source"] != dynZone+".yaml" {
			t.Errorf("POST zone data = %v", env["data"])
		}
		if _, err := os.Stat(filepath.Join(zonesDir, dynZone+".yaml")); err != nil {
			t.Fatalf("zones.d after the add: %v", err)
		}
		a.d.waitLog("zones added")
		registerWhenManaged(a, "app."+dynZone, "192.0.2.40")
		a.served("app."+dynZone, dns.TypeA, set(t, "app."+dynZone+" 300 IN A 192.0.2.40"))
		// The seed's records are not dnssync's and stay.
		a.stillServed("seed."+dynZone, dns.TypeA, set(t, "seed."+dynZone+" 60 IN A 192.0.2.1"))
		if out, stderr, code := a.cli("verify"); code != 0 {
			t.Errorf("dnssync verify: exit %d\n%s%s", code, out, stderr)
		}
	})

	// A zones.d file declaring the config's zone is a conflict: GET zones
	// lists the zones in force only (its data stays a list), and the
	// conflict is where every zones.d problem is, /readyz and validate.
	t.Run("conflict: at readyz and validate, not in the list", func(t *testing.T) {
		a := a.in(t)
		clash := filepath.Join(zonesDir, "example.org.yaml")
		if err := os.MkdirAll(zonesDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(clash, []byte("zone:\n  name: example.org\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		eventually(t, "readyz names the conflicting file", func() string {
			code, env := a.do("GET", "/readyz", "")
			msg := fmt.Sprint(env["reasons"])
			if code != http.StatusServiceUnavailable || !strings.Contains(msg, "invalid_zone_files") ||
				!strings.Contains(msg, "zones.d/example.org.yaml:") || strings.Contains(msg, a.dir) {
				return fmt.Sprintf("readyz %d, reasons %s", code, msg)
			}
			return ""
		})
		if _, stderr, code := a.cli("validate"); code != 1 || !strings.Contains(stderr, "example.org.yaml:") || !strings.Contains(stderr, "declared in config [[zones]] #1 too") {
			t.Errorf("dnssync validate: exit %d, want 1 naming both sources; stderr:\n%s", code, stderr)
		}
		_, env := a.do("GET", "/api/v1/dns/zones", "")
		list, _ := env["data"].([]any)
		var found []string
		for _, z := range list {
			if m, _ := z.(map[string]any); m["name"] == "example.org" {
				found = append(found, fmt.Sprint(m["source"]))
			}
		}
		if len(found) != 1 || found[0] != "config" {
			t.Errorf("GET zones: example.org from %v, want once, from config: %v", found, env["data"])
		}
		if err := os.Remove(clash); err != nil {
			t.Fatal(err)
		}
		eventually(t, "readyz ok again", func() string {
			if code, env := a.do("GET", "/readyz", ""); code != http.StatusOK {
				return fmt.Sprintf("readyz %d, reasons %v", code, env["reasons"])
			}
			return ""
		})
	})

	if !served {
		return // nothing to remove
	}
	t.Run("removed: retired, the server still serves it", func(t *testing.T) {
		a := a.in(t)
		if code, env := a.do("DELETE", "/api/v1/dns/zones/"+dynZone, ""); code != http.StatusConflict {
			t.Errorf("DELETE a zone with records: %d %v, want 409", code, env)
		}
		a.unregister("app." + dynZone)
		if code, env := a.do("DELETE", "/api/v1/dns/zones/"+dynZone, ""); code != http.StatusOK || env["success"] != true {
			t.Fatalf("DELETE zone: %d %v", code, env)
		}
		if _, err := os.Stat(filepath.Join(zonesDir, dynZone+".yaml")); !os.IsNotExist(err) {
			t.Errorf("zones.d/%s.yaml after the removal: %v", dynZone, err)
		}
		a.d.waitLog("zone retired")
		var warned bool
		for _, l := range strings.Split(a.d.out.String(), "\n") {
			if strings.Contains(l, "the server still serves it") && strings.Contains(l, dynZone) {
				warned = true
			}
		}
		if !warned {
			t.Errorf("no warning that the server still serves %s:\n%s", dynZone, a.d.out.String())
		}
		if _, env := a.do("GET", "/api/v1/dns/zones", ""); strings.Contains(fmt.Sprint(env["data"]), dynZone) {
			t.Errorf("GET zones lists the removed zone: %v", env["data"])
		}
		// The server's zone is untouched: dnssync cannot delete it.
		a.stillServed("seed."+dynZone, dns.TypeA, set(t, "seed."+dynZone+" 60 IN A 192.0.2.1"))
	})
}

// registerWhenManaged registers name A value through the records API,
// waiting until it is verified, once the daemon has taken the new zone:
// until its pass reads zones.d, the name is in no managed zone (422).
func registerWhenManaged(a *apiEnv, name, value string) {
	a.t.Helper()
	body := fmt.Sprintf(`{"name":%q,"record_type":"A","value":%q,"ttl":300}`, name, value)
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, env := a.do("POST", "/api/v1/dns/records?wait=verified", body)
		if code == http.StatusCreated && env["success"] == true {
			return
		}
		if code != http.StatusUnprocessableEntity || time.Now().After(deadline) {
			a.t.Fatalf("register %s: %d %v", name, code, env)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually polls cond until it says nothing, failing t with its last
// word after a deadline.
func eventually(t *testing.T, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		last := cond()
		if last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s: %s", what, last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// startTwoZonePrimary starts a primary of kind k taking signed UPDATEs for
// example.org (the config's zone) and dynZone, each from a seed with a
// record dnssync did not create.
func startTwoZonePrimary(t *testing.T, k corednstest.Kind) updateServer {
	t.Helper()
	z := corednstest.UpdateZone{Zone: "example.org", Seed: seedZone, KeyName: "dnssync.", Secret: newSecret(t)}
	spec := z.Spec(k)
	spec.Files[dynZone+".zone"] = fmt.Sprintf(`%[1]s. 60 IN SOA ns.%[1]s. hostmaster.%[1]s. 1 3600 600 86400 60
%[1]s. 60 IN NS ns.%[1]s.
ns.%[1]s. 60 IN A 192.0.2.53
seed.%[1]s. 60 IN A 192.0.2.1
`, dynZone)
	spec.Zones = append(spec.Zones, dynZone)
	switch k {
	case corednstest.BIND:
		spec.Conf += fmt.Sprintf(`zone "%[1]s" {
    type primary;
    file "DIR/%[1]s.zone";
    update-policy { grant %[2]s zonesub ANY; };
};
`, dynZone, z.KeyName)
	case corednstest.Knot:
		// The zone list is the template's own: one more entry after
		// example.org's, with the same update ACL.
		first := "  - domain: example.org\n    acl: [updater]\n"
		if !strings.Contains(spec.Conf, first) {
			t.Fatalf("knot.conf template changed; no zone entry %q in:\n%s", first, spec.Conf)
		}
		spec.Conf = strings.Replace(spec.Conf, first, first+"  - domain: "+dynZone+"\n    acl: [updater]\n", 1)
	default:
		t.Fatalf("no two-zone primary of kind %v", k)
	}
	return updateServer{Server: corednstest.StartSpec(t, spec), secret: z.Secret}
}
