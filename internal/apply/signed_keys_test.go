package apply

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// TestSignedKeysLostNotReplaced (review finding): a zone served signed
// whose key store is lost (state_dir restored without keys/, a new
// machine, a wiped directory) or holds none of the keys it is served with
// (another zone's backup) is not written: new keys would make the zone
// bogus for every resolver that holds the parent's DS. The error names the
// served keys and the way out, and the zone file is left as served.
func TestSignedKeysLostNotReplaced(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		lose func(t *testing.T, keyDir string)
	}{
		{"store gone", func(t *testing.T, keyDir string) {
			if err := os.RemoveAll(keyDir); err != nil {
				t.Fatal(err)
			}
		}},
		{"other keys", func(t *testing.T, keyDir string) {
			if err := os.RemoveAll(keyDir); err != nil {
				t.Fatal(err)
			}
			if _, err := (&dnssec.KeyStore{Dir: keyDir}).Ensure("example.com.", dnssec.DefaultPolicy(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			zoneDir, keyDir := filepath.Join(dir, "zones"), filepath.Join(dir, "keys")
			b := signedBackend(t, zoneDir, keyDir)
			desired := rrset.Zone{}
			desired.Put(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"))
			served := signedStep(t, b, &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}, desired)
			tag := served.Sets[rrset.Key{Name: "example.com.", Type: dns.TypeDNSKEY}].RRs[0].(*dns.DNSKEY).KeyTag()
			before, err := os.ReadFile(b.Path("example.com."))
			if err != nil {
				t.Fatal(err)
			}
			tc.lose(t, keyDir)

			b2 := signedBackend(t, zoneDir, keyDir) // a restart, on the served zone
			k := rrset.Key{Name: "new.example.com.", Type: dns.TypeA}
			p := diff.Plan{Zone: "example.com.", Changes: []diff.Change{{Action: diff.Create, Key: k, New: rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.7"))}}}
			_, err = b2.Apply(context.Background(), served, p)
			if err == nil || !strings.Contains(err.Error(), "served signed by key") || !strings.Contains(err.Error(), keyDir) {
				t.Fatalf("apply with the served zone's key %d lost: err %v, want a refusal naming the served key and the key directory", tag, err)
			}
			after, rerr := os.ReadFile(b2.Path("example.com."))
			if rerr != nil || string(after) != string(before) {
				t.Errorf("the zone file changed though the write was refused")
			}
		})
	}
}

// TestSignedKeysPolicyChanged: keys made under one [dnssec] policy are
// kept when the policy changes (another algorithm here), and the change
// is said once, not silently ignored.
func TestSignedKeysPolicyChanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	zoneDir, keyDir := filepath.Join(dir, "zones"), filepath.Join(dir, "keys")
	b := signedBackend(t, zoneDir, keyDir)
	desired := rrset.Zone{}
	desired.Put(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"))
	served := signedStep(t, b, &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}, desired)

	var logs bytes.Buffer
	z := testZone("example.com.")
	p := dnssec.DefaultPolicy()
	p.Algorithm = dns.ED25519
	z.Signing = &Signing{Policy: p, Keys: &dnssec.KeyStore{Dir: keyDir}}
	b2, err := NewZoneFile(ZoneFileOptions{Dir: zoneDir, Zones: []Zone{z}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b"} {
		k := rrset.Key{Name: name + ".example.com.", Type: dns.TypeA}
		plan := diff.Plan{Zone: "example.com.", Changes: []diff.Change{{Action: diff.Create, Key: k, New: rrset.New(mustRR(t, name+".example.com. 300 IN A 192.0.2.7"))}}}
		if _, err := b2.Apply(context.Background(), served, plan); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		served = readServed(t, b2.Path("example.com."))
	}
	if n := strings.Count(logs.String(), "not what [dnssec] asks for"); n != 1 {
		t.Errorf("the policy change was said %d times, want once:\n%s", n, logs.String())
	}
	for _, rr := range served.Sets[rrset.Key{Name: "example.com.", Type: dns.TypeDNSKEY}].RRs {
		if rr.(*dns.DNSKEY).Algorithm != dns.ECDSAP256SHA256 {
			t.Errorf("%v: the keys were replaced", rr)
		}
	}
}
