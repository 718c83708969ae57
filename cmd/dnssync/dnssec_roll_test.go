package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// daemonTakes does what the daemon's pass does with the request waiting:
// applies it to the keys and saves them with the roll.
func daemonTakes(t *testing.T, ks dnssec.KeyStore, now time.Time) *dnssec.Roll {
	t.Helper()
	keys, roll, err := ks.LoadRoll("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	req, err := ks.Request("example.com.")
	if err != nil || req == nil {
		t.Fatalf("no request waiting: %v", err)
	}
	keys, roll, err = dnssec.ApplyRequest("example.com.", keys, roll, *req, dnssec.DefaultPolicy(), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.SaveRoll("example.com.", keys, roll); err != nil {
		t.Fatal(err)
	}
	if err := ks.ClearRequest("example.com."); err != nil {
		t.Fatal(err)
	}
	return roll
}

func statusJSON(t *testing.T, e testEnv) (client.DNSSECStatus, string) {
	t.Helper()
	code, out, stderr := e.run(t, "dnssec", "status", "example.com", "--json")
	var resp client.Response[client.DNSSECStatus]
	if code != exitOK || json.Unmarshal([]byte(out), &resp) != nil || !resp.Success {
		t.Fatalf("dnssec status --json: exit %d: %s%s", code, out, stderr)
	}
	return resp.Data, out
}

// A CSK roll asked for from the CLI: the request is left for the daemon
// (mode 0600) and shown by status; asked again it is refused, as is a
// start while the roll is in progress and --ds-published before the roll
// asks for it; at the swap status says to run --ds-published, which is
// then accepted. Nothing private is printed.
func TestDNSSECRollCSK(t *testing.T) {
	t.Parallel()
	e, keys := signedEnv(t, false)
	ks := dnssec.KeyStore{Dir: filepath.Join(e.conf.Backend.StateDir, "keys")}
	old := keys[0].Tag()
	code, out, stderr := e.run(t, "dnssec", "roll", "example.com")
	if code != exitOK || !strings.Contains(out, "roll the CSK "+strconv.Itoa(int(old))+" of example.com") ||
		!strings.Contains(out, "at its next scheduled pass") || !strings.Contains(out, "dnssync dnssec roll example.com --ds-published") {
		t.Fatalf("dnssec roll: exit %d:\n%s%s", code, out, stderr)
	}
	req := filepath.Join(ks.Dir, "example.com", "roll-request.json")
	if fi, err := os.Stat(req); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("request file: %v, %v; want mode 0600", fi, err)
	}
	if _, out, _ := e.run(t, "dnssec", "status", "example.com"); !strings.Contains(out, "roll requested: start csk") {
		t.Errorf("status does not show the request:\n%s", out)
	}
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com"); code != exitError || !strings.Contains(stderr, "a request (start csk) is already waiting for the daemon") {
		t.Errorf("a second request: exit %d: %s", code, stderr)
	}

	now := time.Now()
	roll := daemonTakes(t, ks, now)
	st, _ := statusJSON(t, e)
	if st.Roll == nil || st.Roll.Kind != "csk" || st.Roll.Stage != "publish" || st.Roll.OldKeyTag != old || st.Roll.NewKeyTag != roll.New ||
		!strings.Contains(st.Roll.WaitingFor, "the daemon to write the zone") || st.RollRequested != "" || len(st.Keys) != 2 {
		t.Fatalf("status --json at publish: %+v", st.Roll)
	}
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com"); code != exitError || !strings.Contains(stderr, "a key roll is already in progress (csk "+strconv.Itoa(int(old))) {
		t.Errorf("a start while rolling: exit %d: %s", code, stderr)
	}
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com", "--ds-published"); code != exitError || !strings.Contains(stderr, "stage publish, where the parent's DS is not asked for") {
		t.Errorf("--ds-published at publish: exit %d: %s", code, stderr)
	}

	// The daemon writes the stage, sees it served, waits, and swaps.
	p := dnssec.DefaultPolicy()
	keys, roll, err := ks.LoadRoll("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	roll.Serial = 5
	roll.MarkServed(p, dnssec.ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, now)
	if keys, roll, err = dnssec.Advance(keys, roll, roll.NextAfter); err != nil {
		t.Fatal(err)
	}
	roll.Serial = 6
	roll.MarkServed(p, dnssec.ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, roll.StageAt)
	if err := ks.SaveRoll("example.com.", keys, roll); err != nil {
		t.Fatal(err)
	}
	code, out, _ = e.run(t, "dnssec", "status", "example.com")
	if code != exitOK || !strings.Contains(out, "stage: swap") || !strings.Contains(out, "serial: 6, served everywhere since") ||
		!strings.Contains(out, "waiting for: the parent's DS") || !strings.Contains(out, "`dnssync dnssec roll example.com --ds-published`") {
		t.Errorf("status at the swap:\n%s", out)
	}
	code, out, stderr = e.run(t, "dnssec", "roll", "example.com", "--ds-published")
	if code != exitOK || !strings.Contains(out, "serves the DS of the new csk "+strconv.Itoa(int(roll.New))) {
		t.Fatalf("--ds-published at the swap: exit %d: %s%s", code, out, stderr)
	}
	roll = daemonTakes(t, ks, time.Now())
	st, raw := statusJSON(t, e)
	if roll.DSPublished.IsZero() || st.Roll.DSPublished.IsZero() || !strings.Contains(st.Roll.WaitingFor, "the parent's old DS to leave every cache") {
		t.Errorf("after --ds-published: %+v", st.Roll)
	}
	for _, k := range keys {
		private := k.DNSKEY.PrivateKeyString(k.Signer)
		secret := strings.TrimSpace(strings.SplitN(strings.Split(private, "PrivateKey:")[1], "\n", 2)[0])
		if strings.Contains(raw, secret) || strings.Contains(out, secret) {
			t.Fatal("a private key was printed")
		}
	}
}

// A split zone rolls its ZSK by default and its KSK with --ksk; a CSK
// zone has no KSK to roll; the flags exclude each other.
func TestDNSSECRollKinds(t *testing.T) {
	t.Parallel()
	split, _ := signedEnv(t, true)
	if code, out, stderr := split.run(t, "dnssec", "roll", "example.com"); code != exitOK || !strings.Contains(out, "roll the ZSK") || !strings.Contains(out, "2. swap: the new ZSK signs the zone") {
		t.Errorf("split default: exit %d: %s%s", code, out, stderr)
	}
	split2, _ := signedEnv(t, true)
	if code, out, stderr := split2.run(t, "dnssec", "roll", "example.com", "--ksk"); code != exitOK || !strings.Contains(out, "roll the KSK") || !strings.Contains(out, "the CDS names the new KSK") {
		t.Errorf("split --ksk: exit %d: %s%s", code, out, stderr)
	}
	csk, _ := signedEnv(t, false)
	if code, _, stderr := csk.run(t, "dnssec", "roll", "example.com", "--ksk"); code != exitError || !strings.Contains(stderr, "the zone has no active ksk to roll (it is signed with csk)") {
		t.Errorf("csk --ksk: exit %d: %s", code, stderr)
	}
	if code, _, stderr := csk.run(t, "dnssec", "roll", "example.com", "--ksk", "--ds-published"); code != exitUsage {
		t.Errorf("--ksk --ds-published: exit %d: %s", code, stderr)
	}
	if code, _, stderr := csk.run(t, "dnssec", "roll", "example.com", "--ds-published"); code != exitError || !strings.Contains(stderr, "no key roll is in progress") {
		t.Errorf("--ds-published with no roll: exit %d: %s", code, stderr)
	}
}
