package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// TestDNSSECRollCSK (issue 14): `dnssync dnssec roll` rolls a zone's
// combined key with a real CoreDNS serving the zone file, TTLs of two
// seconds, a roll margin of one second and a parent DS TTL of two. At
// each stage, once the zone written at it is served, delv (a validator
// dnssync did not write) validates a positive answer, an NXDOMAIN and a
// NODATA with the DS the parent would hold then: the old key's until
// `--ds-published`, the new key's from the swap (a parent may have polled
// the CDS) and after. At the end only the new key is in the DNSKEY RRset,
// and the old DS no longer validates.
func TestDNSSECRollCSK(t *testing.T) {
	t.Parallel()
	e, d, keys, delvBin := startSignedZone(t, "roll_margin = \"1s\"\nparent_ds_ttl = \"2s\"", 1)
	ks := dnssec.KeyStore{Dir: filepath.Join(e.dir, "state", "keys")}
	oldDS := rollKeyDS(t, keys[0])
	delvAll := func(what string, ds *dns.DS) { t.Helper(); delvValidates(t, e, delvBin, ds, what) }
	delvAll("before the roll", oldDS)
	before := snapRoll(t, e.dns.Addr, nil)

	start := time.Now()
	if out, stderr, code := e.cli("dnssec", "roll", "example.com"); code != 0 || !strings.Contains(out, "at its next scheduled pass") {
		t.Fatalf("dnssec roll: exit %d: %s%s", code, out, stderr)
	}
	r := waitRollServed(t, e, "publish") // never past swap: it waits for --ds-published
	if r.OldKeyTag != keys[0].Tag() {
		t.Fatalf("rolling key %d, want %d", r.OldKeyTag, keys[0].Tag())
	}
	newKeys, err := ks.Load("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	var newDS *dns.DS
	for _, k := range newKeys {
		if k.Tag() == r.NewKeyTag {
			newDS = rollKeyDS(t, k)
		}
	}
	if newDS == nil {
		t.Fatalf("no key %d in the key store", r.NewKeyTag)
	}
	delvAll("publish", oldDS)
	pub := snapRoll(t, e.dns.Addr, r)
	checkStages(t, before, pub, oldDS)

	r = waitRollServed(t, e, "swap")
	swap := snapRoll(t, e.dns.Addr, r)
	delvAll("swap, the parent's old DS", oldDS)
	delvAll("swap, the new DS (a parent that polled the CDS)", newDS)
	checkStages(t, pub, swap, oldDS, newDS)
	if out, _, _ := e.cli("dnssec", "ds", "example.com"); !strings.Contains(out, fmt.Sprintf("DS\t%d ", r.NewKeyTag)) {
		t.Errorf("dnssec ds at the swap does not name the new key %d:\n%s", r.NewKeyTag, out)
	}
	waitRoll(t, e, "the roll to ask for the parent's DS", func(r *client.DNSSECRoll) bool {
		return r != nil && strings.Contains(r.WaitingFor, "--ds-published")
	})
	if out, stderr, code := e.cli("dnssec", "roll", "example.com", "--ds-published"); code != 0 {
		t.Fatalf("dnssec roll --ds-published: exit %d: %s%s", code, out, stderr)
	}

	rem := snapRoll(t, e.dns.Addr, waitRollServed(t, e, "remove"))
	delvAll("remove", newDS)
	checkStages(t, swap, rem, newDS)
	// The negative control: what was served before the roll does not
	// validate with what is served at its end, in either direction, so a
	// roll that got there without the stages between would be caught.
	if err := crossValidates(rem, before, newDS); err == nil {
		t.Error("the answers from before the roll validate with the keys after it: the cross-stage check proves nothing")
	}
	if err := crossValidates(before, rem, oldDS); err == nil {
		t.Error("the answers after the roll validate with the keys from before it: the cross-stage check proves nothing")
	}
	waitRoll(t, e, "the roll to end", func(r *client.DNSSECRoll) bool { return r == nil })
	took := time.Since(start)
	delvAll("after the roll", newDS)
	got, err := e.res.Query(t.Context(), "example.com", dns.TypeDNSKEY)
	if err != nil || len(got.RRs) != 1 || got.RRs[0].(*dns.DNSKEY).KeyTag() != r.NewKeyTag {
		t.Errorf("DNSKEY after the roll: %v (err %v), want only key %d", got, err, r.NewKeyTag)
	}
	if ok, out := delvWithDSOnce(delvBin, e.dns.Addr, oldDS, "www.example.com", "A"); ok {
		t.Errorf("the old DS still validates after the roll:\n%s", out)
	}
	d.waitLog("key roll: done")
	t.Logf("the CSK roll took %s", took.Round(100*time.Millisecond))
}

// TestDNSSECRollZSK (issue 14): the ZSK of a split zone rolls by
// pre-publication without the parent: at each stage, once served, delv
// validates with the KSK's DS (which never changes), and at the end the
// DNSKEY RRset holds the KSK and the new ZSK only.
func TestDNSSECRollZSK(t *testing.T) {
	t.Parallel()
	e, d, keys, delvBin := startSignedZone(t, "split_keys = true\nroll_margin = \"1s\"", 2)
	var ksk, zsk *dnssec.Key
	for _, k := range keys {
		if k.Role == dnssec.KSK {
			ksk = k
		} else {
			zsk = k
		}
	}
	ds := rollKeyDS(t, ksk)
	delvAll := func(what string) { t.Helper(); delvValidates(t, e, delvBin, ds, what) }
	before := snapRoll(t, e.dns.Addr, nil)
	start := time.Now()
	if out, stderr, code := e.cli("dnssec", "roll", "example.com"); code != 0 || !strings.Contains(out, fmt.Sprintf("roll the ZSK %d", zsk.Tag())) {
		t.Fatalf("dnssec roll: exit %d: %s%s", code, out, stderr)
	}
	r := waitRollServed(t, e, "publish")
	if r.Kind != "zsk" || r.OldKeyTag != zsk.Tag() {
		t.Fatalf("rolling %s %d, want zsk %d", r.Kind, r.OldKeyTag, zsk.Tag())
	}
	newZSK := r.NewKeyTag
	delvAll("publish")
	pub := snapRoll(t, e.dns.Addr, r)
	checkStages(t, before, pub, ds)
	swap := snapRoll(t, e.dns.Addr, waitRollServed(t, e, "swap"))
	delvAll("swap")
	checkStages(t, pub, swap, ds)
	rem := snapRoll(t, e.dns.Addr, waitRollServed(t, e, "remove"))
	delvAll("remove")
	checkStages(t, swap, rem, ds)
	if err := crossValidates(rem, before, ds); err == nil {
		t.Error("the answers from before the roll (old ZSK) validate with the keys after it: the cross-stage check proves nothing")
	}
	waitRoll(t, e, "the roll to end", func(r *client.DNSSECRoll) bool { return r == nil })
	took := time.Since(start)
	delvAll("after the roll")
	got, err := e.res.Query(t.Context(), "example.com", dns.TypeDNSKEY)
	var tags []uint16
	if got != nil {
		for _, rr := range got.RRs {
			tags = append(tags, rr.(*dns.DNSKEY).KeyTag())
		}
	}
	slices.Sort(tags)
	want := []uint16{ksk.Tag(), newZSK}
	slices.Sort(want)
	if err != nil || !slices.Equal(tags, want) {
		t.Errorf("DNSKEY after the roll: keys %v (err %v), want the KSK and the new ZSK %v", tags, err, want)
	}
	d.waitLog("key roll: done")
	t.Logf("the ZSK roll took %s", took.Round(100*time.Millisecond))
}

func rollKeyDS(t *testing.T, k *dnssec.Key) *dns.DS {
	t.Helper()
	ds := k.DNSKEY.ToDS(dns.SHA256)
	if ds == nil {
		t.Fatalf("no DS of key %d", k.Tag())
	}
	return ds
}

// rollStages are the stages in order; a roll that is done (nil) is past
// them all.
var rollStages = []string{"publish", "swap", "remove"}

// waitRollServed waits until the roll is at stage and the primary serves
// the serial the stage was written at, or until the roll is past it (a
// step may follow within a second of the stage being served; the zone
// validates from the same DS there, which is what each stage's checks
// rely on). The roll returned is nil once the roll is done.
func waitRollServed(t *testing.T, e *env, stage string) *client.DNSSECRoll {
	t.Helper()
	want := slices.Index(rollStages, stage)
	return waitRoll(t, e, "stage "+stage+" served", func(r *client.DNSSECRoll) bool {
		if r == nil {
			return want == len(rollStages)-1
		}
		if at := slices.Index(rollStages, r.Stage); at != want {
			return at > want
		}
		if r.Serial == 0 {
			return false
		}
		s, _, err := soa(e.dns.Addr, "example.com")
		return err == nil && int32(s-r.Serial) >= 0
	})
}

// waitRoll polls `dnssec status --json` until ok holds of the roll.
func waitRoll(t *testing.T, e *env, what string, ok func(*client.DNSSECRoll) bool) *client.DNSSECRoll {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		out, stderr, code := e.cli("dnssec", "status", "example.com", "--json")
		var resp client.Response[client.DNSSECStatus]
		if code != 0 || json.Unmarshal([]byte(out), &resp) != nil {
			t.Fatalf("dnssec status --json: exit %d: %s%s", code, out, stderr)
		}
		if ok(resp.Data.Roll) {
			return resp.Data.Roll
		}
		last = out
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: the roll is\n%s", what, last)
	return nil
}

// delvWithDS runs delv against addr with ds as the zone's trust anchor
// (the DS the parent holds) and requires want fully validated.
func delvWithDS(t *testing.T, delvBin, addr string, ds *dns.DS, what, name, typ, want string) {
	t.Helper()
	ok, out := delvWithDSOnce(delvBin, addr, ds, name, typ)
	if !ok || !strings.Contains(out, want) {
		t.Fatalf("%s: delv %s %s with the DS of key %d: want %q fully validated:\n%s", what, name, typ, ds.KeyTag, want, out)
	}
}
