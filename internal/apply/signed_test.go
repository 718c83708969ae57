package apply

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
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

// signedBackend is a zone file backend writing example.com. signed with
// the default policy, keys in keyDir, on the real clock (dnssec-verify
// judges signatures by it).
func signedBackend(t *testing.T, zoneDir, keyDir string) *ZoneFile {
	t.Helper()
	z := testZone("example.com.")
	z.Signing = &Signing{Policy: dnssec.DefaultPolicy(), Keys: &dnssec.KeyStore{Dir: keyDir}}
	b, err := NewZoneFile(ZoneFileOptions{Dir: zoneDir, Zones: []Zone{z}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readServed is the zone file as a transfer would bring it: every record,
// the SOA's serial included.
func readServed(t *testing.T, path string) *observed.Zone {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zp := dns.NewZoneParser(bytes.NewReader(text), "example.com.", path)
	z := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			z.Serial = soa.Serial
		}
		z.Sets.Put(rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("written zone does not parse: %v", err)
	}
	return z
}

// verifySigned runs BIND's dnssec-verify over the zone file: one combined
// key, so -z.
func verifySigned(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("dnssec-verify")
	if err != nil {
		t.Skip("dnssec-verify (bind9-utils) is not installed; CI installs it")
	}
	cmd := exec.Command(bin, "-o", "example.com.", "-z", path)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dnssec-verify %s: %v\n%s", path, err, out)
	}
}

// signedStep plans desired against served as the reconciler does (the
// backend's Base and Managed), checks the plan leaves the signer's
// records alone, applies it and returns the zone served after it.
func signedStep(t *testing.T, b *ZoneFile, served *observed.Zone, desired rrset.Zone) *observed.Zone {
	t.Helper()
	base := rrset.Zone{}
	for _, rr := range b.Base("example.com.") {
		base.Put(rr)
	}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desired, Base: base, Observed: served.Sets, Managed: b.Managed("example.com.")})
	for _, c := range p.Changes {
		if SignerType(c.Key.Type) {
			t.Fatalf("the plan changes %v, which the signer makes", c.Key)
		}
	}
	if _, err := b.Apply(context.Background(), served, p); err != nil {
		t.Fatal(err)
	}
	verifySigned(t, b.Path("example.com."))
	return readServed(t, b.Path("example.com."))
}

// TestSignedZoneFile: a zone with Signing is written signed, and passes
// dnssec-verify after a cold write and after a create, an update, a
// delete and a type change; the signatures of sets a change did not touch
// are kept as they were, also by a backend restarted on the served zone.
func TestSignedZoneFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	zoneDir, keyDir := filepath.Join(dir, "zones"), filepath.Join(dir, "keys")
	b := signedBackend(t, zoneDir, keyDir)
	desired := rrset.Zone{}
	for _, s := range []string{
		"www.example.com. 300 IN A 192.0.2.1",
		"mail.example.com. 300 IN A 192.0.2.25",
		"example.com. 300 IN MX 10 mail.example.com.",
		"old.example.com. 300 IN TXT \"bye\"",
		"alias.example.com. 300 IN A 192.0.2.9",
	} {
		desired.Put(mustRR(t, s))
	}
	served := signedStep(t, b, &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}, desired)
	if served.Sets[rrset.Key{Name: "example.com.", Type: dns.TypeDNSKEY}] == nil || served.Sets[rrset.Key{Name: "example.com.", Type: dns.TypeCDS}] == nil {
		t.Fatal("the cold write has no DNSKEY or CDS")
	}
	mailSigs := rrset.Key{Name: "mail.example.com.", Type: dns.TypeRRSIG}
	before := covering(served.Sets[mailSigs], dns.TypeA)

	desired.Put(mustRR(t, "new.example.com. 300 IN A 192.0.2.7")) // create
	served = signedStep(t, b, served, desired)
	delete(desired, rrset.Key{Name: "www.example.com.", Type: dns.TypeA}) // update
	desired.Put(mustRR(t, "www.example.com. 300 IN A 192.0.2.2"))
	served = signedStep(t, b, served, desired)
	delete(desired, rrset.Key{Name: "old.example.com.", Type: dns.TypeTXT}) // delete
	served = signedStep(t, b, served, desired)
	delete(desired, rrset.Key{Name: "alias.example.com.", Type: dns.TypeA}) // type change
	desired.Put(mustRR(t, "alias.example.com. 300 IN CNAME www.example.com."))
	served = signedStep(t, b, served, desired)
	if _, ok := served.Sets[rrset.Key{Name: "old.example.com.", Type: dns.TypeNSEC}]; ok {
		t.Error("a deleted name is still in the NSEC chain")
	}
	if got := covering(served.Sets[mailSigs], dns.TypeA); got != before || before == "" {
		t.Errorf("mail.example.com. A's signature was made again: %s, was %s", got, before)
	}
	if b.SignaturesDue(served) {
		t.Error("fresh signatures are due for refresh")
	}

	// A restart: the new backend knows only the zone served and the keys.
	b2 := signedBackend(t, zoneDir, keyDir)
	desired.Put(mustRR(t, "after.example.com. 300 IN A 192.0.2.8"))
	served = signedStep(t, b2, served, desired)
	if got := covering(served.Sets[mailSigs], dns.TypeA); got != before {
		t.Errorf("after a restart, mail.example.com. A's signature was made again: %s, was %s", got, before)
	}
	keys, err := (&dnssec.KeyStore{Dir: keyDir}).Load("example.com.")
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys after a restart: %d, %v; want the one made at the cold write", len(keys), err)
	}
}

// covering is the text of the signatures in sigs over type t.
func covering(sigs *rrset.Set, t uint16) string {
	var out []string
	for _, rr := range sigs.RRs {
		if rr.(*dns.RRSIG).TypeCovered == t {
			out = append(out, rr.String())
		}
	}
	return strings.Join(out, "\n")
}

// TestSignaturesDue: a scheduled pass re-signs a zone whose earliest
// signature expires within the refresh window, and one served unsigned.
func TestSignaturesDue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := signedBackend(t, filepath.Join(dir, "zones"), filepath.Join(dir, "keys"))
	desired := zoneOf(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"))
	empty := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	if !b.SignaturesDue(empty) {
		t.Error("a zone served unsigned is not due")
	}
	served := signedStep(t, b, empty, desired)
	if b.SignaturesDue(served) {
		t.Fatal("fresh signatures are due")
	}
	b.now = func() time.Time {
		return time.Now().Add(dnssec.DefaultPolicy().Validity - dnssec.DefaultPolicy().Refresh + time.Hour)
	}
	if !b.SignaturesDue(served) {
		t.Fatal("signatures within the refresh window are not due")
	}
	// The serial-only write re-signs them: due no more.
	b.now = time.Now
	if _, err := b.Apply(context.Background(), served, diff.Plan{Zone: "example.com."}); err != nil {
		t.Fatal(err)
	}
	served = readServed(t, b.Path("example.com."))
	verifySigned(t, b.Path("example.com."))
	unsigned := &ZoneFile{zones: map[string]Zone{"example.com.": testZone("example.com.")}}
	if unsigned.SignaturesDue(served) || unsigned.Managed("example.com.") != nil {
		t.Error("an unsigned zone is due for signing, or not wholly managed")
	}
}

// TestSignedManaged: the signer's records are not dnssync's to plan in a
// signed zone; everything else is.
func TestSignedManaged(t *testing.T) {
	t.Parallel()
	b := signedBackend(t, t.TempDir(), t.TempDir())
	m := b.Managed("example.com.")
	for _, ty := range []uint16{dns.TypeDNSKEY, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeCDS, dns.TypeCDNSKEY} {
		if m(rrset.Key{Name: "example.com.", Type: ty}) {
			t.Errorf("%s is managed", dns.TypeToString[ty])
		}
	}
	for _, ty := range []uint16{dns.TypeA, dns.TypeSOA, dns.TypeNS, dns.TypeDS, dns.TypeTXT} {
		if !m(rrset.Key{Name: "x.example.com.", Type: ty}) {
			t.Errorf("%s is not managed", dns.TypeToString[ty])
		}
	}
	if _, err := NewZoneFile(ZoneFileOptions{Dir: t.TempDir(), Zones: []Zone{{Name: "example.com.", Nameservers: []string{"ns.example.net."},
		Hostmaster: "h.example.com.", Signing: &Signing{Policy: dnssec.DefaultPolicy()}}}}); err == nil || !strings.Contains(err.Error(), "key directory") {
		t.Errorf("a signed zone without a key directory: %v", err)
	}
}
