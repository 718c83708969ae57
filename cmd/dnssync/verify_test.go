package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api"
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
