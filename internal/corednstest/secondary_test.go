package corednstest

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Each kind of secondary copies the primary's zone at start and, refresh
// an hour away, follows a new serial within seconds of a NOTIFY sent from
// a port of the test's own (as dnssync sends it), answering the NOTIFY
// NOERROR.
func TestSecondariesFollowNotify(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{CoreDNS, BIND, Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			zoneFile := filepath.Join(dir, "db.example.org")
			if err := os.WriteFile(zoneFile, []byte(seed), 0o644); err != nil {
				t.Fatal(err)
			}
			primary := Start(t, AutoCorefile(dir))
			sec := StartSecondary(t, k, Secondary{Primary: primary.Addr, Zones: []string{"example.org"}})
			if serial, err := soaSerial(sec.Addr); err != nil || serial != 7 {
				t.Fatalf("secondary's SOA serial %d (%v), want 7 (the first transfer)", serial, err)
			}

			if err := os.WriteFile(zoneFile, []byte(strings.Replace(seed, " 7 ", " 8 ", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			waitSerial(t, primary.Addr, 8) // auto reloads each second
			m := new(dns.Msg)
			m.SetNotify("example.org.")
			in, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, sec.Addr)
			if err != nil || in.Rcode != dns.RcodeSuccess {
				t.Fatalf("NOTIFY: %v %v, want NOERROR", err, in)
			}
			waitSerial(t, sec.Addr, 8)
		})
	}
}

// waitSerial polls addr until it serves example.org at serial want,
// failing t after 10 seconds.
func waitSerial(t *testing.T, addr string, want uint32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got uint32
	var err error
	for time.Now().Before(deadline) {
		if got, err = soaSerial(addr); err == nil && got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s serves serial %d (%v), want %d", addr, got, err, want)
}

// Each kind of secondary follows a CoreDNS dynupdate primary (its zone in
// a database, as the rfc2136 backend's topology has it), which serves no
// IXFR: an UPDATE, then a NOTIFY signed with the update key (as dnssync
// sends it with that backend), and the secondary serves the new serial.
func TestSecondariesFollowDynupdate(t *testing.T) {
	t.Parallel()
	secret := make([]byte, 32)
	rand.Read(secret)
	z := UpdateZone{Zone: "example.org", Seed: seed, KeyName: "dnssync.", Secret: base64.StdEncoding.EncodeToString(secret), Database: true}
	primary := StartUpdatePrimary(t, CoreDNS, z)
	for _, k := range []Kind{CoreDNS, BIND, Knot} {
		t.Run(k.String(), func(t *testing.T) {
			sec := StartSecondary(t, k, Secondary{Primary: primary.Addr, Zones: []string{"example.org"}, KeyName: z.KeyName, Secret: z.Secret})
			before, err := soaSerial(primary.Addr)
			if err != nil {
				t.Fatal(err)
			}
			waitSerial(t, sec.Addr, before)
			rr, _ := dns.NewRR("web-" + k.String() + ".example.org. 300 IN A 192.0.2.10")
			m := new(dns.Msg)
			m.SetUpdate("example.org.")
			m.Insert([]dns.RR{rr})
			m.SetTsig(z.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
			c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{z.KeyName: z.Secret}, Timeout: 5 * time.Second}
			if in, _, err := c.Exchange(m, primary.Addr); err != nil || in.Rcode != dns.RcodeSuccess {
				t.Fatalf("signed UPDATE: %v %v", err, in)
			}
			after, err := soaSerial(primary.Addr)
			if err != nil || after == before {
				t.Fatalf("primary's serial %d after the UPDATE (%v), want above %d", after, err, before)
			}
			n := new(dns.Msg) // signed, as dnssync signs it with the rfc2136 backend's key
			n.SetNotify("example.org.")
			n.SetTsig(z.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
			nc := &dns.Client{TsigSecret: map[string]string{z.KeyName: z.Secret}, Timeout: 2 * time.Second}
			if in, _, err := nc.Exchange(n, sec.Addr); err != nil || in.Rcode != dns.RcodeSuccess {
				t.Fatalf("signed NOTIFY: %v %v, want NOERROR", err, in)
			}
			waitSerial(t, sec.Addr, after)
		})
	}
}
