package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// `dnssync verify --json` (every record), `dnssync verify NAME --json`
// (here) and `dnssync verify NAME --json --api` (asked of the daemon) print
// one shape: client.Verification in the API's envelope, with the same keys,
// and the same entry for the same RRset at the same server.
func TestVerifyJSONOneShape(t *testing.T) {
	srv, addr := startDNS(t)
	e := newEnv(t, addr)
	e.write(t, "web.yaml", `records:
  - name: web-01.example.com
    type: A
    values: [192.0.2.10, 192.0.2.11]
  - name: web-01.example.com
    type: AAAA
    value: 2001:db8::10
  - name: mail.example.com
    type: A
    value: 192.0.2.25
`)
	srv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10", "web-01.example.com. 300 IN A 192.0.2.11",
		"web-01.example.com. 60 IN AAAA 2001:db8::10", "mail.example.com. 300 IN A 192.0.2.25")

	code, all, stderr := e.run(t, "verify", "--json")
	if code != exitError {
		t.Errorf("verify --json with a TTL not served: exit %d, want %d; stderr %q", code, exitError, stderr)
	}
	code, one, stderr := e.run(t, "verify", "--json", "web-01.example.com")
	if code != exitError {
		t.Errorf("verify NAME --json with a TTL not served: exit %d, want %d; stderr %q", code, exitError, stderr)
	}
	allV, allKeys := decodeVerification(t, "verify --json", all)
	oneV, oneKeys := decodeVerification(t, "verify NAME --json", one)
	if !reflect.DeepEqual(allKeys, oneKeys) {
		t.Errorf("keys differ:\nverify --json:      %v\nverify NAME --json: %v", allKeys, oneKeys)
	}

	if allV.Verified || allV.Name != "" || allV.Server != addr || !slices.Equal(allV.Servers, []string{addr}) || allV.Checked != 3 || len(allV.Records) != 3 {
		t.Fatalf("verify --json: %+v, want 3 RRsets checked at %s, not verified", allV, addr)
	}
	statuses := map[string]string{}
	for _, r := range allV.Records {
		statuses[r.Name+" "+r.RecordType+" at "+r.Server] = r.Status
	}
	wantStatuses := map[string]string{
		"mail.example.com A at " + addr:      "verified",
		"web-01.example.com A at " + addr:    "verified",
		"web-01.example.com AAAA at " + addr: "mismatch",
	}
	if !reflect.DeepEqual(statuses, wantStatuses) {
		t.Errorf("verify --json statuses %v, want %v", statuses, wantStatuses)
	}

	if oneV.Verified || oneV.Name != "web-01.example.com" || oneV.Server != addr || oneV.Checked != 2 {
		t.Errorf("verify NAME --json: %+v, want web-01's 2 RRsets at %s, not verified", oneV, addr)
	}
	var allAtName []client.RRsetStatus
	for _, r := range allV.Records {
		if r.Name == "web-01.example.com" {
			allAtName = append(allAtName, r)
		}
	}
	if !reflect.DeepEqual(oneV.Records, allAtName) {
		t.Errorf("verify NAME --json records\n%+v\ndiffer from verify --json's at that name\n%+v", oneV.Records, allAtName)
	}

	// Asked of the daemon's API, the answer is the same, byte for byte.
	remote := verifyAPI(t, e, addr)
	code, viaAPI, stderr := runArgs(t, "verify", "--json", "--api", remote, "web-01.example.com")
	if code != exitError || viaAPI != one {
		t.Errorf("verify NAME --json --api: exit %d (stderr %q), printed\n%s\nwant what the local check printed\n%s", code, stderr, viaAPI, one)
	}
}

// decodeVerification decodes out strictly: a key client.Verification does
// not have fails the test. It returns the decoded data and the keys of the
// envelope and of the data, e.g. "data.checked".
func decodeVerification(t *testing.T, what, out string) (client.Verification, []string) {
	t.Helper()
	var r client.Response[client.Verification]
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || !r.Success {
		t.Fatalf("%s: not a client.Response[client.Verification]: %v:\n%s", what, err, out)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(raw))
	var data map[string]json.RawMessage
	if err := json.Unmarshal(raw["data"], &data); err != nil {
		t.Fatalf("%s: data is not an object: %v", what, err)
	}
	for k := range data {
		keys = append(keys, "data."+k)
	}
	slices.Sort(keys)
	return r.Data, keys
}

// verifyAPI serves the records API over e's records dir, asking the DNS
// server at dnsAddr, as the daemon does; it returns the API's URL.
func verifyAPI(t *testing.T, e testEnv, dnsAddr string) string {
	t.Helper()
	opts := desired.Options{Dir: e.dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	if _, err := store.Scan(); err != nil {
		t.Fatal(err)
	}
	s, err := api.New(api.Options{Listen: api.Listen{Network: "tcp", Address: "127.0.0.1:0"}, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), Records: &api.RecordsOptions{
		Registry: &registry.Registry{Options: opts, Declared: store}, Declared: store,
		Resolver: &verify.Resolver{Addr: dnsAddr, Timeout: 2 * time.Second}, AutoRegister: true,
		WaitTimeout: time.Second, Rate: 100, Burst: 100,
	}})
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s.Handler())
	t.Cleanup(h.Close)
	return h.URL
}

// `dnssync verify NAME` run here and the API's verify are one check
// (verify.Name): a name declared nowhere and a name that could never be
// declared are refused in the same words, and exit 1 here.
func TestVerifyNameRefusedAsTheAPIRefuses(t *testing.T) {
	_, addr := startDNS(t)
	e := newEnv(t, addr)
	e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
	remote := verifyAPI(t, e, addr)
	for _, c := range []struct{ what, name string }{
		{"not declared", "nothing.example.com"},
		{"not declared, as typed", "Nothing.Example.com."},
		{"invalid", "a..example.com"},
		{"invalid character", "web_01!.example.com"},
	} {
		t.Run(c.what, func(t *testing.T) {
			resp, err := http.Get(remote + "/api/v1/dns/verify/" + url.PathEscape(c.name))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body client.Response[client.Verification]
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Success || body.Error == "" {
				t.Fatalf("API: %d, %+v (%v): want an error", resp.StatusCode, body, err)
			}
			code, out, stderr := e.run(t, "verify", c.name)
			want := "dnssync: verify " + c.name + ": " + body.Error + "\n"
			if code != exitError || out != "" || stderr != want {
				t.Errorf("here: exit %d, stdout %q, stderr %q; want exit %d and %q (the API's %d)", code, out, stderr, exitError, want, resp.StatusCode)
			}
			// Asked of the daemon, the CLI prints the API's words too.
			code, _, stderr = runArgs(t, "verify", "--api", remote, c.name)
			if code != exitError || !strings.HasSuffix(stderr, ": "+body.Error+"\n") {
				t.Errorf("--api: exit %d, stderr %q; want the API's %q", code, stderr, body.Error)
			}
		})
	}
}

// `dnssync verify` asks servers and transfers zones; it changes nothing,
// so the state it would need to apply (serials.json, held.json) does not
// stop it: with both unreadable it still checks every record and still
// finds the stale ones.
func TestVerifyWithoutApplyState(t *testing.T) {
	for _, c := range []struct {
		what  string
		spoil func(t *testing.T, stateDir string)
	}{
		{"held.json a directory, serials.json corrupt", func(t *testing.T, dir string) {
			spoilDir(t, filepath.Join(dir, "held.json"))
			spoilFile(t, filepath.Join(dir, "serials.json"), "{not json")
		}},
		{"held.json corrupt, serials.json a directory", func(t *testing.T, dir string) {
			spoilFile(t, filepath.Join(dir, "held.json"), "{not json")
			spoilDir(t, filepath.Join(dir, "serials.json"))
		}},
	} {
		t.Run(c.what, func(t *testing.T) {
			srv, addr := startDNS(t)
			e := newEnv(t, addr)
			e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
			srv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10")
			spoilDir(t, e.conf.Backend.StateDir)
			c.spoil(t, e.conf.Backend.StateDir)

			if code, out, stderr := e.run(t, "verify"); code != exitOK || out != "ok: 1 RRsets served as desired by 1 servers, none stale\n" {
				t.Errorf("verify: exit %d, stdout %q, stderr %q; want it verified", code, out, stderr)
			}
			srv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10", "old.example.com. 300 IN A 192.0.2.99")
			code, out, stderr := e.run(t, "verify")
			if code != exitError || !strings.HasPrefix(out, "STALE old.example.com. A at "+addr+": served 300 [192.0.2.99]") || strings.Count(out, "\n") != 1 {
				t.Errorf("verify with a stale record: exit %d, stdout %q, stderr %q; want it named STALE, exit 1", code, out, stderr)
			}
			// The held state is unknown, and the note says so: nothing
			// is deleted until it can be read.
			if !strings.Contains(out, "nothing is deleted until the changes held by the safety rules can be read: ") || !strings.Contains(out, "held.json") {
				t.Errorf("stale note %q does not say the held state cannot be read", out)
			}
		})
	}
}

// spoilDir and spoilFile put what a test needs where a state file goes.
func spoilDir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func spoilFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// With the rfc2136 backend, `dnssync verify` finds stale records among
// what owned.json says dnssync created, never another writer's, and needs
// neither the TSIG secret (a user other than dnssync's cannot read it:
// transfers then go unsigned, said on stderr) nor a readable held.json.
func TestVerifyStaleRFC2136WithoutSecret(t *testing.T) {
	srv, addr := startDNS(t)
	e := newEnv(t, addr)
	state := e.conf.Backend.StateDir
	e.configure(t, func(c *corednstest.Config) {
		c.Backend.Type, c.Backend.TSIGKey, c.Backend.TSIGAlgorithm = "rfc2136", "dnssync.", "hmac-sha256"
		c.Backend.TSIGSecretFile = filepath.Join(state, "missing.key")
	})
	e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
	spoilDir(t, state)
	spoilFile(t, filepath.Join(state, "owned.json"), `{"version": 1, "zones": {"example.com.": ["web-01.example.com. A", "old.example.com. A"]}}`)
	spoilFile(t, filepath.Join(state, "held.json"), "{not json")
	srv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10", "old.example.com. 300 IN A 192.0.2.99", "dhcp.example.com. 300 IN A 192.0.2.77")

	code, out, stderr := e.run(t, "verify")
	if code != exitError || !strings.HasPrefix(out, "STALE old.example.com. A at "+addr+": served 300 [192.0.2.99]") || strings.Count(out, "\n") != 1 {
		t.Errorf("verify: exit %d, stdout %q; want old.example.com (dnssync's) STALE and nothing else (dhcp is another writer's)", code, out)
	}
	if !strings.HasPrefix(stderr, "dnssync: verify: zone transfers unsigned: ") {
		t.Errorf("stderr %q does not say the transfers went unsigned", stderr)
	}
}

// TestVerifyJSONReadme: the README's example of the verification shape is
// what `dnssync verify --json` prints, as the README says, with [verify]
// nameservers set: given the same records, served the same way, the
// command prints the example (its servers' addresses aside).
func TestVerifyJSONReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\nEvery verification has one JSON shape:")
	_, block, ok2 := strings.Cut(section, "```json\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 || !strings.Contains(section[:strings.Index(section, "```json")], "`dnssync verify --json` with `[verify]\nnameservers") {
		t.Fatal("README has no JSON example of `dnssync verify --json` after \"Every verification has one JSON shape:\"")
	}
	readmeV, _ := decodeVerification(t, "the README's example", block)

	auth, authAddr := startDNS(t)
	res, resAddr := startDNS(t)
	e := newEnv(t, authAddr)
	e.configure(t, func(c *corednstest.Config) { c.Verify.Nameservers = []string{resAddr} })
	e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
	auth.serve(t, "web-01.example.com. 300 IN A 192.0.2.10", "old.example.com. 300 IN A 192.0.2.99")
	res.serve(t, "web-01.example.com. 120 IN A 192.0.2.9")
	code, out, stderr := e.run(t, "verify", "--json")
	if code != exitError {
		t.Errorf("verify --json: exit %d, want %d; stderr %q", code, exitError, stderr)
	}
	out = strings.NewReplacer(authAddr, readmeV.Server, resAddr, readmeV.Servers[len(readmeV.Servers)-1]).Replace(out)
	got, _ := decodeVerification(t, "verify --json", out)
	// The resolver's cache asks again in the 120 s its answer's TTL has
	// left: by then, in the README's clock.
	for i, r := range got.Records {
		if by, err := time.Parse(time.RFC3339, r.WillServeBy); err == nil {
			if left := time.Until(by); left < 118*time.Second || left > 121*time.Second {
				t.Errorf("%s at %s: will serve by %s, %v from now; want the 120 s its cache has left", r.Name, r.Server, r.WillServeBy, left)
			}
			for _, rr := range readmeV.Records {
				if rr.Server == r.Server && rr.Name == r.Name && rr.WillServeBy != "" {
					got.Records[i].WillServeBy = rr.WillServeBy
				}
			}
		}
	}
	// By name and type, then server: in the addresses the README shows.
	slices.SortStableFunc(got.Records, func(a, b client.RRsetStatus) int {
		return strings.Compare(a.Name+" "+a.RecordType+" "+a.Server, b.Name+" "+b.RecordType+" "+b.Server)
	})
	if !reflect.DeepEqual(got, readmeV) {
		t.Errorf("verify --json printed\n%+v\nthe README shows\n%+v", got, readmeV)
	}
}
