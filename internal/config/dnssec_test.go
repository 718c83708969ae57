package config

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/dnssec"
)

// The defaults of [dnssec] are dnssec.DefaultPolicy, and a zone is signed
// only when it says dnssec = true.
func TestLoadDNSSECDefaults(t *testing.T) {
	c, err := Load(writeConfig(t, `
[[zones]]
name = "example.org"
dnssec = true
[[zones]]
name = "example.net"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.DNSSEC.Policy(), dnssec.DefaultPolicy(); got != want {
		t.Errorf("policy %+v, want %+v", got, want)
	}
	if !c.Zones[0].DNSSEC || c.Zones[1].DNSSEC {
		t.Errorf("dnssec per zone: %v, %v; want true, false", c.Zones[0].DNSSEC, c.Zones[1].DNSSEC)
	}
	if !c.Zones[0].Spec().DNSSEC {
		t.Error("Spec drops dnssec")
	}
}

func TestLoadDNSSEC(t *testing.T) {
	c, err := Load(writeConfig(t, `
[dnssec]
algorithm = "ed25519"
split_keys = true
signature_validity = "48h"
signature_refresh = "24h"
inception_backdate = "0s"
roll_margin = "2s"
parent_ds_ttl = "1m"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := dnssec.Policy{Algorithm: dns.ED25519, Split: true, Validity: 48 * time.Hour, Refresh: 24 * time.Hour, RollMargin: 2 * time.Second, ParentDSTTL: time.Minute}
	if got := c.DNSSEC.Policy(); got != want {
		t.Errorf("policy %+v, want %+v", got, want)
	}
}

// What cannot be signed or served signed is refused, naming the key.
func TestLoadDNSSECBad(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"nsec3 cannot be loaded by CoreDNS", "[dnssec]\nnsec3 = true\n", "dnssec.nsec3: CoreDNS's file and auto plugins refuse to load an NSEC3-signed zone"},
		{"unknown algorithm", "[dnssec]\nalgorithm = \"RSASHA256\"\n", "dnssec.algorithm: \"RSASHA256\""},
		{"refresh not below validity", "[dnssec]\nsignature_refresh = \"400h\"\n", "refresh 400h0m0s must be above 0 and below the validity"},
		{"bad duration", "[dnssec]\nsignature_validity = \"two weeks\"\n", "dnssec.signature_validity"},
		{"validity too short", "[dnssec]\nsignature_validity = \"1h\"\nsignature_refresh = \"30m\"\n", "validity 1h0m0s is shorter than 2h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// With the rfc2136 backend the server signs (BIND dnssec-policy, Knot
// automatic signing): dnssec = true is accepted, in [[zones]] and for a
// zones.d zone, whatever [dnssec] says, NSEC3 included:
// dnssync signs nothing there.
func TestLoadDNSSECServerSigns(t *testing.T) {
	c, err := Load(writeConfig(t, `
[backend]
type = "rfc2136"
tsig_secret_file = "/nonexistent"
[[zones]]
name = "example.org"
dnssec = true
[dnssec]
nsec3 = true
`))
	if err != nil {
		t.Fatalf("a server-signed zone with the rfc2136 backend: %v", err)
	}
	if !c.Zones[0].DNSSEC {
		t.Error("dnssec = true dropped")
	}
}
