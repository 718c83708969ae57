package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// `dnssec roll --cancel`: refused with no roll; at publish the request
// drops the new key; at swap the roll runs back (status says so, and that
// the parent's DS is taken on the operator's word); refused once the old
// key is being removed.
func TestDNSSECRollCancel(t *testing.T) {
	t.Parallel()
	e, keys := signedEnv(t, false)
	ks := dnssec.KeyStore{Dir: filepath.Join(e.conf.Backend.StateDir, "keys")}
	old := keys[0].Tag()
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com", "--cancel"); code != exitError || !strings.Contains(stderr, "no key roll is in progress") {
		t.Errorf("--cancel with no roll: exit %d: %s", code, stderr)
	}
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com", "--cancel", "--ksk"); code != exitUsage {
		t.Errorf("--cancel --ksk: exit %d: %s", code, stderr)
	}
	start := func() *dnssec.Roll {
		t.Helper()
		if code, out, stderr := e.run(t, "dnssec", "roll", "example.com"); code != exitOK {
			t.Fatalf("dnssec roll: exit %d: %s%s", code, out, stderr)
		}
		return daemonTakes(t, ks, time.Now())
	}

	roll := start()
	code, out, stderr := e.run(t, "dnssec", "roll", "example.com", "--cancel")
	if code != exitOK || !strings.Contains(out, "the new csk "+strconv.Itoa(int(roll.New))+" is dropped") {
		t.Fatalf("--cancel at publish: exit %d: %s%s", code, out, stderr)
	}
	if _, out, _ := e.run(t, "dnssec", "status", "example.com"); !strings.Contains(out, "roll requested: cancel") {
		t.Errorf("status does not show the cancel:\n%s", out)
	}
	if roll := daemonTakes(t, ks, time.Now()); roll != nil {
		t.Fatalf("after the cancel at publish: roll %+v", roll)
	}
	if keys, err := ks.Load("example.com."); err != nil || len(keys) != 1 || keys[0].Tag() != old {
		t.Fatalf("after the cancel at publish: keys %v, %v; want %d alone", keys, err, old)
	}

	start()
	p := dnssec.DefaultPolicy()
	keys, roll, err := ks.LoadRoll("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	roll.Serial = 5
	roll.MarkServed(p, dnssec.ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, time.Now())
	if keys, roll, err = dnssec.Advance(keys, roll, roll.NextAfter); err != nil {
		t.Fatal(err)
	}
	roll.Serial = 6
	roll.MarkServed(p, dnssec.ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, roll.StageAt)
	if err := ks.SaveRoll("example.com.", keys, roll); err != nil {
		t.Fatal(err)
	}
	if _, out, _ := e.run(t, "dnssec", "status", "example.com"); !strings.Contains(out, "no [dnssec] parent_resolver is set: the daemon takes your word for it") {
		t.Errorf("status at the swap does not say the parent's DS is taken on trust:\n%s", out)
	}
	code, out, stderr = e.run(t, "dnssec", "roll", "example.com", "--cancel")
	if code != exitOK || !strings.Contains(out, strconv.Itoa(int(old))+" signs again") || !strings.Contains(out, "The parent must serve the DS of "+strconv.Itoa(int(old))) {
		t.Fatalf("--cancel at swap: exit %d: %s%s", code, out, stderr)
	}
	back := daemonTakes(t, ks, time.Now())
	if back == nil || !back.Cancelled || back.New != old || back.Old != roll.New {
		t.Fatalf("after the cancel at swap: %+v", back)
	}
	if _, out, _ := e.run(t, "dnssec", "status", "example.com"); !strings.Contains(out, "is cancelled: "+strconv.Itoa(int(old))+" signs again") {
		t.Errorf("status of the cancelled roll:\n%s", out)
	}
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com", "--cancel"); code != exitError || !strings.Contains(stderr, "already cancelled") {
		t.Errorf("--cancel of a cancelled roll: exit %d: %s", code, stderr)
	}
	keys, back, _ = ks.LoadRoll("example.com.")
	back.Serial = 7
	back.MarkServed(p, dnssec.ZoneTTLs{DNSKEY: time.Minute, Max: time.Minute}, time.Now())
	if keys, back, err = dnssec.Advance(keys, back, back.NextAfter); err != nil {
		t.Fatal(err)
	}
	back.Cancelled = false // a roll removing its old key, cancelled or not, is past cancelling
	if err := ks.SaveRoll("example.com.", keys, back); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := e.run(t, "dnssec", "roll", "example.com", "--cancel"); code != exitError || !strings.Contains(stderr, "too late to cancel") {
		t.Errorf("--cancel at remove: exit %d: %s", code, stderr)
	}
}

// `--cancel` at publish drops the incoming key: refused while the
// [dnssec] trust_anchors file names it (its DS put in early), which would
// leave every validator holding that anchor failing the zone.
func TestDNSSECRollCancelRefusedForAnAnchoredKey(t *testing.T) {
	t.Parallel()
	e, _ := signedEnv(t, false)
	ks := dnssec.KeyStore{Dir: filepath.Join(e.conf.Backend.StateDir, "keys")}
	if code, out, stderr := e.run(t, "dnssec", "roll", "example.com"); code != exitOK {
		t.Fatalf("dnssec roll: exit %d: %s%s", code, out, stderr)
	}
	roll := daemonTakes(t, ks, time.Now())
	keys, err := ks.Load("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	var anchor string
	for _, k := range keys {
		if k.Tag() == roll.New {
			anchor = k.DNSKEY.ToDS(dns.SHA256).String() + "\n"
		}
	}
	file := filepath.Join(t.TempDir(), "anchors")
	if err := os.WriteFile(file, []byte(anchor), 0o644); err != nil {
		t.Fatal(err)
	}
	e.configure(t, func(c *corednstest.Config) { c.DNSSEC, c.TrustAnchors = true, file })
	code, out, stderr := e.run(t, "dnssec", "roll", "example.com", "--cancel")
	if code != exitError || !strings.Contains(stderr, "names key "+strconv.Itoa(int(roll.New))) {
		t.Fatalf("--cancel at publish with an anchor naming the incoming key: exit %d: %s%s", code, out, stderr)
	}
	if req, _ := ks.Request("example.com."); req != nil {
		t.Errorf("a refused cancel left a request: %+v", req)
	}
}
