package dnssec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestKeyStoreEnsureGeneratesOnceAndLoads(t *testing.T) {
	t.Parallel()
	for name, p := range policies() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ks := KeyStore{Dir: filepath.Join(t.TempDir(), "keys")}
			keys, err := ks.Ensure(testZone, p, t0)
			if err != nil {
				t.Fatal(err)
			}
			wantRoles := []Role{CSK}
			if p.Split {
				wantRoles = []Role{KSK, ZSK}
			}
			if len(keys) != len(wantRoles) {
				t.Fatalf("%d keys, want %d", len(keys), len(wantRoles))
			}
			for i, k := range keys {
				if k.Role != wantRoles[i] || k.DNSKEY.Algorithm != p.Algorithm || !k.IsActive(t0) {
					t.Errorf("key %d is %s, active %v; want %s of algorithm %d, active", i, k, k.IsActive(t0), wantRoles[i], p.Algorithm)
				}
				if got := k.DNSKEY.Flags&dns.SEP != 0; got != k.Role.signsKeys() {
					t.Errorf("key %s has SEP flag %v", k, got)
				}
			}
			again, err := ks.Ensure(testZone, p, t0.Add(48*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(again) != len(keys) {
				t.Fatalf("second Ensure: %d keys, want the %d made first", len(again), len(keys))
			}
			for i := range keys {
				if again[i].DNSKEY.String() != keys[i].DNSKEY.String() || again[i].Role != keys[i].Role ||
					!again[i].Published.Equal(keys[i].Published) || !again[i].Created.Equal(keys[i].Created) {
					t.Errorf("key %d came back as %s, want %s", i, again[i], keys[i])
				}
			}
			// The loaded keys sign, and what they sign validates.
			signed, err := Sign(testZone, testUnsigned(t, 1), again, p, t0)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, signed, keys, p, t0)
		})
	}
}

func TestKeyStoreFileModes(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: filepath.Join(t.TempDir(), "keys")}
	if _, err := ks.Ensure(testZone, DefaultPolicy(), t0); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ks.Dir, "example.com")
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %04o, want 0700", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %04o, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	if len(names) != 3 {
		t.Errorf("files %v, want a .key, a .private and state.json", names)
	}
}

func TestKeyStoreErrorsNeverShowKeyMaterial(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: filepath.Join(t.TempDir(), "keys")}
	keys, err := ks.Ensure(testZone, DefaultPolicy(), t0)
	if err != nil {
		t.Fatal(err)
	}
	priv := filepath.Join(ks.Dir, "example.com", fileBase(testZone, keys[0].DNSKEY)+".private")
	secret, err := os.ReadFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewKey(testZone, CSK, dns.ECDSAP256SHA256, t0)
	if err != nil {
		t.Fatal(err)
	}
	otherSecret := other.DNSKEY.PrivateKeyString(other.Signer)
	privateKeyValue := func(s string) string { // the base64 after "PrivateKey: "
		_, v, _ := strings.Cut(s, "PrivateKey: ")
		return strings.TrimSpace(v)
	}
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
	}{
		{"garbled", "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: " + privateKeyValue(string(secret))[:20] + "!!!\n", 0o600},
		{"another key", otherSecret, 0o600},
		{"readable by all", string(secret), 0o644},
	}
	for _, tt := range tests {
		if err := os.WriteFile(priv, []byte(tt.content), tt.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(priv, tt.mode); err != nil {
			t.Fatal(err)
		}
		_, err := ks.Load(testZone)
		if err == nil {
			t.Errorf("%s: loaded, want an error", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, priv) {
			t.Errorf("%s: error %q does not name the file", tt.name, msg)
		}
		for _, s := range []string{privateKeyValue(string(secret)), privateKeyValue(otherSecret), privateKeyValue(string(secret))[:20]} {
			if strings.Contains(msg, s) {
				t.Errorf("%s: error shows key material: %q", tt.name, msg)
			}
		}
	}
}

func TestKeyStoreRefusesBadZoneNames(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: t.TempDir()}
	for _, z := range []string{".", "Example.com.", "example.com", "../etc.", "a/b.example.com.", "a..b."} {
		if _, err := ks.Load(z); err == nil {
			t.Errorf("Load(%q) accepted the name", z)
		}
	}
	if keys, err := ks.Load(testZone); err != nil || keys != nil {
		t.Errorf("Load of a zone without keys = %v, %v; want none, no error", keys, err)
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	bad := map[string]func(*Policy){
		"RSA":                   func(p *Policy) { p.Algorithm = dns.RSASHA256 },
		"refresh past validity": func(p *Policy) { p.Refresh = p.Validity },
		"no refresh":            func(p *Policy) { p.Refresh = 0 },
		"tiny validity":         func(p *Policy) { p.Validity = time.Hour },
		"negative backdate":     func(p *Policy) { p.Backdate = -1 },
	}
	for name, mutate := range bad {
		p := DefaultPolicy()
		mutate(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: valid, want an error", name)
		}
	}
}

func TestKeyStoreSaveAgainAndRefuseAnotherKeyUnderOneName(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: filepath.Join(t.TempDir(), "keys")}
	keys, err := ks.Ensure(testZone, DefaultPolicy(), t0)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := ks.Load(testZone)
	if err != nil {
		t.Fatal(err)
	}
	loaded[0].Retired = t0.Add(time.Hour) // a roll records its times like this
	if err := ks.Save(testZone, loaded); err != nil {
		t.Fatalf("saving loaded keys again: %v", err)
	}
	again, err := ks.Load(testZone)
	if err != nil || !again[0].Retired.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after Save: %v, %v; want the retire time kept", again, err)
	}
	// A different key whose file name is taken (same tag) is refused.
	impostor, err := NewKey(testZone, CSK, dns.ECDSAP256SHA256, t0)
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(ks.Dir, "example.com", fileBase(testZone, keys[0].DNSKEY)+".key")
	if err := os.WriteFile(pub, []byte(impostor.DNSKEY.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ks.Save(testZone, keys); err == nil || !strings.Contains(err.Error(), pub) {
		t.Errorf("Save over another key's file: %v, want an error naming %s", err, pub)
	}
}
