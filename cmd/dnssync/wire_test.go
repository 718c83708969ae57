package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestApplyZones: the zone file backend gets every [[zones]] setting: a
// field dropped in the translation would silently write the zone's SOA or
// glue from zero values.
func TestApplyZones(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	err := os.WriteFile(path, []byte(`[[zones]]
name = "example.org"
nameservers = ["ns.example.org", "ns.provider.net"]
nameserver_addresses = ["192.0.2.53", "2001:db8::53"]
hostmaster = "admin.example.net"
refresh = 7201
retry = 901
expire = 1209601
negative_ttl = 61
soa_ttl = 86401
dnssec = true
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := applyZones(cfg)(cfg.Zones)
	if len(got) != 1 {
		t.Fatalf("applyZones = %+v, want one zone", got)
	}
	// Field by field, by name: a field added to both types later is
	// checked too.
	// Reverse is not the backend's: a reverse zone's PTRs are desired
	// content (internal/reverse), rendered like any record.
	notRendered := map[string]bool{"Reverse": true}
	// DNSSEC becomes Signing: [dnssec]'s policy and the keys under
	// state_dir/keys.
	notRendered["DNSSEC"] = true
	if s := got[0].Signing; s == nil || s.Keys.Dir != filepath.Join(cfg.Backend.StateDir, "keys") || s.Policy != cfg.DNSSEC.Policy() {
		t.Errorf("Signing = %+v, want [dnssec]'s policy and keys under state_dir/keys", s)
	}
	from, to := reflect.ValueOf(cfg.Zones[0]), reflect.ValueOf(got[0])
	if from.NumField()-len(notRendered) != to.NumField()-1 {
		t.Errorf("config.Zone has %d fields, apply.Zone %d: translate the new one in applyZones", from.NumField(), to.NumField())
	}
	for i := range from.NumField() {
		name := from.Type().Field(i).Name
		if notRendered[name] {
			continue
		}
		f := to.FieldByName(name)
		if !f.IsValid() {
			t.Errorf("apply.Zone has no field %s", name)
			continue
		}
		if from.Field(i).IsZero() {
			t.Errorf("config.Zone.%s is not set by the test's config", name)
		}
		if !reflect.DeepEqual(from.Field(i).Interface(), f.Interface()) {
			t.Errorf("%s = %v, want %v", name, f.Interface(), from.Field(i).Interface())
		}
	}
}

// TestCheckServers: the scheduled check asks the authoritative server,
// then [verify] nameservers as a client's resolver would (RD set), each
// with the one query timeout.
func TestCheckServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	err := corednstest.Config{
		DNS:    corednstest.DNS{Addr: "127.0.0.1:1053"},
		Verify: corednstest.Verify{Nameservers: []string{"127.0.0.2", "127.0.0.3:5353"}},
	}.Write(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	servers := checkServers(cfg)
	want := []struct {
		addr    string
		recurse bool
	}{{"127.0.0.1:1053", false}, {"127.0.0.2:53", true}, {"127.0.0.3:5353", true}}
	if len(servers) != len(want) {
		t.Fatalf("checkServers = %d servers, want %d", len(servers), len(want))
	}
	for i, s := range servers {
		if s.Addr != want[i].addr || s.Recurse != want[i].recurse || s.Timeout != queryTimeout {
			t.Errorf("server %d = %+v, want %s, recurse %v, timeout %v", i, *s, want[i].addr, want[i].recurse, queryTimeout)
		}
	}
}
