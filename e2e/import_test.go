package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// adoptedZone is example.com as CoreDNS serves it from an operator's own
// zone file, before dnssync: every type records.d takes, TXT with quotes,
// escapes and several strings (255-byte ones, as a long text is split,
// and an RRset of several), a delegation with its glue, wildcards. Its
// SOA, NS and nameserver address are what the config's [[zones]] makes
// by default, so that nothing about them is left for a plan to change.
var adoptedZone = `$ORIGIN example.com.
$TTL 3600
@             300 IN SOA   ns1 hostmaster 2024010101 3600 600 604800 300
@                 IN NS    ns1
ns1               IN A     127.0.0.1
@             300 IN A     192.0.2.1
@             300 IN AAAA  2001:db8::1
@                 IN MX    10 mail
@                 IN MX    20 mx.example.net.
@                 IN TXT   "v=spf1 mx -all"
@                 IN CAA   0 issue "letsencrypt.org"
@                 IN CAA   0 iodef "mailto:security@example.com"
mail          300 IN A     192.0.2.25
web-01        300 IN A     192.0.2.10
web-01        300 IN A     192.0.2.11
web-01        300 IN AAAA  2001:db8::10
www           300 IN CNAME web-01
_acme-challenge.web-01 60 IN TXT "token \"quoted\" \\ back; semi # hash"
_sip._tcp     300 IN SRV   10 5 5060 sip
sip           300 IN A     192.0.2.30
notes             IN TXT   "first value"
notes             IN TXT   "caf\195\169 and \"more\""
dkim._domainkey   IN TXT   "` + strings.Repeat("k", 255) + `" "` + strings.Repeat("p", 100) + `"
10.rev            IN PTR   web-01
*                 IN A     192.0.2.98
*.apps        300 IN A     192.0.2.99
sub               IN NS    ns.sub
sub               IN NS    ns.example.net.
ns.sub            IN A     192.0.2.53
`

// newImportEnv is a CoreDNS serving adoptedZone from zone_dir, as an
// operator's zone before dnssync manages it, and a config managing
// example.com only, with an empty records.d.
func newImportEnv(t *testing.T) *env {
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.writeConfig()
	if err := os.WriteFile(filepath.Join(e.zones, "db.example.com"), []byte(adoptedZone), 0o644); err != nil {
		t.Fatal(err)
	}
	e.served("example.com", dns.TypeSOA, set(t, "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 600 604800 300"))
	return e
}

// otherRecordsDir points e's config at a new, empty records.d.
func (e *env) otherRecordsDir(name string) {
	e.t.Helper()
	e.records = filepath.Join(e.dir, name)
	if err := os.Mkdir(e.records, 0o755); err != nil {
		e.t.Fatal(err)
	}
	e.cfg.Records.Dir = e.records
	e.writeConfig()
}

// TestImportAdoptsZone: import a zone CoreDNS serves into an empty
// records.d, by transfer and from its zone file, and `dnssync plan` is in
// sync (exit 0); an apply then changes nothing (the serial stays); the
// export of what was imported loads in BIND and holds what is served.
func TestImportAdoptsZone(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	zoneFile := filepath.Join(e.zones, "db.example.com")
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"transfer", nil},
		{"zone file", []string{"--from-file", zoneFile}},
		{"zone file, by label", []string{"--from-file", zoneFile, "--group-by", "label"}},
		{"transfer, one file", []string{"--group-by", "zone"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := e.in(t)
			e.otherRecordsDir("records-" + strings.ReplaceAll(tt.name, " ", "-"))
			out, stderr, code := e.cli(append([]string{"import", "example.com"}, tt.args...)...)
			if code != 0 || !strings.HasPrefix(out, "imported 24 records in 19 RRsets of example.com.") {
				t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
			}
			if strings.Contains(stderr, "note:") || strings.Contains(stderr, "unsupported") {
				t.Errorf("import leaves something for plan:\n%s", stderr)
			}
			out, stderr, code = e.cli("plan")
			if code != 0 || !strings.HasPrefix(out, "example.com.: in sync\n") {
				t.Fatalf("plan after import: exit %d\n%s%s", code, out, stderr)
			}
		})
	}

	t.Run("apply changes nothing", func(t *testing.T) {
		e := e.in(t)
		if out, stderr, code := e.cli("apply"); code != 0 {
			t.Fatalf("apply: exit %d\n%s%s", code, out, stderr)
		}
		if serial, _, err := soa(e.dns.Addr, "example.com."); err != nil || serial != 2024010101 {
			t.Errorf("serial %d (%v) after apply, want 2024010101: the zone was rewritten", serial, err)
		}
	})

	t.Run("export", func(t *testing.T) {
		e := e.in(t)
		out, stderr, code := e.cli("export", "example.com", "--serial", "2024010101")
		if code != 0 {
			t.Fatalf("export: exit %d\n%s", code, stderr)
		}
		path := filepath.Join(t.TempDir(), "example.com.zone")
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		check, err := exec.Command(zdCheckzone(t), "-k", "fail", "-n", "fail", "-m", "fail", "-M", "fail", "-S", "fail", "-i", "full", "example.com", path).CombinedOutput()
		if err != nil {
			t.Fatalf("named-checkzone: %v\n%s\nexport:\n%s", err, check, out)
		}
		exported := readZoneText(t, out)
		served, err := (&observed.Client{Addr: e.dns.Addr, Timeout: 10 * time.Second}).Transfer(context.Background(), "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		if d := exportDiff(exported, served.Sets); d != "" {
			t.Errorf("export differs from what CoreDNS serves:\n%s", d)
		}
	})
}

// TestImportRefusesOverwrite: with one of its files already in records.d,
// an import against the real server writes nothing and names the file.
func TestImportRefusesOverwrite(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	e.write("www.example.com.yaml", "records: []\n")
	out, stderr, code := e.cli("import", "example.com")
	if code != 1 || !strings.Contains(stderr, filepath.Join(e.records, "www.example.com.yaml")+" already exists") {
		t.Fatalf("import over a file: exit %d\n%s%s", code, out, stderr)
	}
	entries, err := os.ReadDir(e.records)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Name() != "www.example.com.yaml" && !strings.HasPrefix(en.Name(), ".") {
			t.Errorf("written although refused: %s", en.Name())
		}
	}
}

// readZoneText parses a zone file's text into sets, the SOA's serial
// zeroed as a transfer's is.
func readZoneText(t *testing.T, text string) rrset.Zone {
	t.Helper()
	z := rrset.Zone{}
	zp := dns.NewZoneParser(strings.NewReader(text), "example.com.", "export")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if s, isSOA := rr.(*dns.SOA); isSOA {
			s.Serial = 0
		}
		z.Put(rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return z
}

// exportDiff says how two zones differ, SOA and NS included, "" when they do not.
func exportDiff(got, want rrset.Zone) string {
	var b strings.Builder
	for _, k := range want.Keys() {
		if !want[k].Equal(got[k]) {
			fmt.Fprintf(&b, "%s: got %v, want %v\n", k, got[k], want[k])
		}
	}
	for _, k := range got.Keys() {
		if want[k] == nil {
			fmt.Fprintf(&b, "%s: got %v, want none\n", k, got[k])
		}
	}
	return b.String()
}

// TestImportBesideAPIFiles: a name the API (here the local CLI, the same
// registry) has written already is left to the API's file by an import,
// not copied into a person's file: plan is in sync, and the API can still
// remove its name afterwards (a second declaration would make it answer
// "declared by a file the API did not write"). Declared with another TTL,
// it stops the import.
func TestImportBesideAPIFiles(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	if out, stderr, code := e.cli("register", "mail.example.com", "192.0.2.25", "--ttl", "300"); code != 0 {
		t.Fatalf("register: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code := e.cli("import", "example.com")
	if code != 0 || !strings.Contains(stderr, "skipped: mail.example.com. A: already declared by "+e.records+"/api-") {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := e.cli("plan"); code != 0 || !strings.HasPrefix(out, "example.com.: in sync\n") {
		t.Fatalf("plan after import: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := e.cli("unregister", "mail.example.com"); code != 0 {
		t.Errorf("unregister after import: exit %d\n%s%s", code, out, stderr)
	}

	t.Run("declared otherwise", func(t *testing.T) {
		e := e.in(t)
		e.otherRecordsDir("records-ttl")
		if out, stderr, code := e.cli("register", "mail.example.com", "192.0.2.25", "--ttl", "600"); code != 0 {
			t.Fatalf("register: exit %d\n%s%s", code, out, stderr)
		}
		out, stderr, code := e.cli("import", "example.com")
		if code != 1 || !strings.Contains(stderr, "conflict: mail.example.com. A: records.d declares it otherwise") {
			t.Errorf("import: exit %d\n%s%s", code, out, stderr)
		}
		entries, err := os.ReadDir(e.records)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if !strings.HasPrefix(en.Name(), "api-") && !strings.HasPrefix(en.Name(), ".") {
				t.Errorf("written although refused: %s", en.Name())
			}
		}
	})
}
