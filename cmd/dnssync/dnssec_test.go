package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// signedEnv is an env whose example.com is signed, with keys made as the
// daemon makes them (split: a KSK and a ZSK, so that ds shows only the
// KSK's).
func signedEnv(t *testing.T, split bool) (testEnv, []*dnssec.Key) {
	t.Helper()
	e := newEnv(t, "")
	e.configure(t, func(c *corednstest.Config) { c.DNSSEC = true })
	p := dnssec.DefaultPolicy()
	p.Split = split
	keys, err := dnssec.KeyStore{Dir: filepath.Join(e.conf.Backend.StateDir, "keys")}.Ensure("example.com.", p, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return e, keys
}

// ds prints, one per line, exactly the DS records dnssec.DS makes of the
// active key-signing key (not the ZSK), each a record dns.NewRR parses;
// --json carries the same in the envelope.
func TestDNSSECDS(t *testing.T) {
	t.Parallel()
	e, keys := signedEnv(t, true)
	code, out, stderr := e.run(t, "dnssec", "ds", "example.com")
	if code != exitOK || stderr != "" {
		t.Fatalf("dnssec ds: exit %d: %s", code, stderr)
	}
	want, err := dnssec.DS("example.com.", keys, 3600, time.Now())
	if err != nil || len(want) != 1 {
		t.Fatalf("dnssec.DS = %v, %v", want, err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("dnssec ds printed %d lines, want 1:\n%s", len(lines), out)
	}
	rr, err := dns.NewRR(lines[0])
	if err != nil {
		t.Fatalf("%q does not parse: %v", lines[0], err)
	}
	ds, ok := rr.(*dns.DS)
	if !ok || ds.Hdr.Name != "example.com." || ds.KeyTag != want[0].KeyTag || ds.DigestType != dns.SHA256 || !strings.EqualFold(ds.Digest, want[0].Digest) {
		t.Errorf("dnssec ds printed %v, want %v", rr, want[0])
	}
	var ksk *dnssec.Key
	for _, k := range keys {
		if k.Role == dnssec.KSK {
			ksk = k
		}
	}
	if ds.KeyTag != ksk.Tag() {
		t.Errorf("DS of key %d, want the KSK's %d", ds.KeyTag, ksk.Tag())
	}

	code, out, stderr = e.run(t, "dnssec", "ds", "example.com", "--json")
	var resp client.Response[[]client.DSRecord]
	if code != exitOK || json.Unmarshal([]byte(out), &resp) != nil || !resp.Success || len(resp.Data) != 1 {
		t.Fatalf("dnssec ds --json: exit %d: %s%s", code, out, stderr)
	}
	got := resp.Data[0]
	if got.Zone != "example.com" || got.KeyTag != ds.KeyTag || got.Algorithm != dns.ECDSAP256SHA256 || got.DigestType != dns.SHA256 ||
		got.Digest != ds.Digest || got.Record != lines[0] {
		t.Errorf("dnssec ds --json = %+v, want the record %q", got, lines[0])
	}
	for _, k := range []string{`"key_tag"`, `"algorithm"`, `"digest_type"`, `"digest"`, `"record"`} {
		if !strings.Contains(out, k) {
			t.Errorf("dnssec ds --json has no %s:\n%s", k, out)
		}
	}
}

// status lists each key without anything secret, and says plainly that
// no roll is in progress.
func TestDNSSECStatus(t *testing.T) {
	t.Parallel()
	e, keys := signedEnv(t, false)
	code, out, stderr := e.run(t, "dnssec", "status", "example.com")
	tag := keys[0].Tag()
	if code != exitOK || !strings.Contains(out, "csk") || !strings.Contains(out, "ECDSAP256SHA256") || !strings.Contains(out, "active") ||
		!strings.Contains(out, "roll: none in progress") {
		t.Errorf("dnssec status: exit %d:\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, "\n"+strconv.Itoa(int(tag))+" ") {
		t.Errorf("dnssec status does not list key %d:\n%s", tag, out)
	}
	private := keys[0].DNSKEY.PrivateKeyString(keys[0].Signer)
	secret := strings.TrimSpace(strings.SplitN(strings.Split(private, "PrivateKey:")[1], "\n", 2)[0])
	if strings.Contains(out, secret) {
		t.Fatal("dnssec status printed the private key")
	}

	code, out, stderr = e.run(t, "dnssec", "status", "example.com", "--json")
	var resp client.Response[client.DNSSECStatus]
	if code != exitOK || json.Unmarshal([]byte(out), &resp) != nil || !resp.Success {
		t.Fatalf("dnssec status --json: exit %d: %s%s", code, out, stderr)
	}
	st := resp.Data
	if st.Zone != "example.com" || st.Roll != nil || !strings.Contains(out, `"roll": null`) || len(st.Keys) != 1 {
		t.Fatalf("dnssec status --json = %+v", st)
	}
	k := st.Keys[0]
	if k.KeyTag != tag || k.Role != "csk" || k.Algorithm != dns.ECDSAP256SHA256 || k.State != "active" ||
		!k.Active.Equal(keys[0].Active) || !k.Retired.IsZero() || strings.Contains(out, `"retired"`) || strings.Contains(out, secret) {
		t.Errorf("dnssec status --json key = %+v:\n%s", k, out)
	}
}

// The refusals: a zone not signed, a signed zone without keys yet (ds
// only: status shows none), a zone not managed are errors (1) saying so;
// a bad command line is a usage error (64).
func TestDNSSECRefusals(t *testing.T) {
	t.Parallel()
	plain := newEnv(t, "")
	for _, sub := range []string{"ds", "status"} {
		code, out, stderr := plain.run(t, "dnssec", sub, "example.com")
		if code != exitError || out != "" || !strings.Contains(stderr, "dnssync: dnssec "+sub+" example.com: not signed: set dnssec = true") {
			t.Errorf("dnssec %s of an unsigned zone: exit %d: %s%s", sub, code, out, stderr)
		}
		code, _, stderr = plain.run(t, "dnssec", sub, "other.example")
		if code != exitError || !strings.Contains(stderr, "zone other.example") || !strings.Contains(stderr, "is not managed") {
			t.Errorf("dnssec %s of an unknown zone: exit %d: %s", sub, code, stderr)
		}
	}

	fresh := newEnv(t, "")
	fresh.configure(t, func(c *corednstest.Config) { c.DNSSEC = true })
	code, out, stderr := fresh.run(t, "dnssec", "ds", "example.com")
	if code != exitError || out != "" || !strings.Contains(stderr, "no keys yet: the daemon makes them on its first write") {
		t.Errorf("dnssec ds before any key: exit %d: %s%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(fresh.conf.Backend.StateDir, "keys")); !os.IsNotExist(err) {
		t.Errorf("dnssec ds made the key directory (%v): it must only read", err)
	}
	code, out, _ = fresh.run(t, "dnssec", "status", "example.com")
	if code != exitOK || !strings.Contains(out, "keys: none yet") {
		t.Errorf("dnssec status before any key: exit %d:\n%s", code, out)
	}

	for _, args := range [][]string{{"dnssec"}, {"dnssec", "nope"}, {"dnssec", "ds"}, {"dnssec", "ds", "a.example", "b.example"},
		{"dnssec", "status"}, {"dnssec", "ds", "bad..zone"}, {"dnssec", "status", "example.com", "--nope"}} {
		if code, _, stderr := plain.run(t, args...); code != exitUsage || !strings.Contains(stderr, "--help' for usage") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}
