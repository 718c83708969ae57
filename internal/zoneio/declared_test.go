package zoneio

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
)

// withRecordsDir returns o reading records.d from a new dir holding
// files (base name -> content), loaded as plan loads it.
func withRecordsDir(t *testing.T, o Options, files map[string]string) Options {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o.Records.Dir = dir
	o.Existing = desired.NewStore(o.Records, nil)
	if _, err := o.Existing.Scan(); err != nil {
		t.Fatal(err)
	}
	if st := o.Existing.State(); len(st.Problems) > 0 {
		t.Fatalf("records.d of the test: %v", st.Problems)
	}
	return o
}

func fileNames(res *Result) []string {
	var out []string
	for _, f := range res.Files {
		out = append(out, f.Name)
	}
	return out
}

func keysOf(skips []Skip) []string {
	var out []string
	for _, s := range skips {
		out = append(out, s.Key.String())
	}
	return out
}

func find(skips []Skip, k string) (Skip, bool) {
	i := slices.IndexFunc(skips, func(s Skip) bool { return s.Key.String() == k })
	if i < 0 {
		return Skip{}, false
	}
	return skips[i], true
}

// TestImportAlreadyDeclared (M4): a set records.d declares already (the
// API's file, a person's) is skipped when declared identically and a
// conflict when declared otherwise; neither is copied into a new file,
// where it would be declared twice (the API could not delete it, and
// differing TTLs would hold the name).
func TestImportAlreadyDeclared(t *testing.T) {
	t.Parallel()
	o := withRecordsDir(t, zonefileOptions(ByName), map[string]string{
		"api-web-01.example.com.yaml": "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.1\n    ttl: 300\n",
		"mail.yaml":                   "records:\n  - name: mail.example.com\n    type: A\n    value: 192.0.2.9\n    ttl: 600\n",
	})
	rrs := []dns.RR{
		mustRR("web-01.example.com. 300 IN A 192.0.2.1"),
		mustRR("web-01.example.com. 300 IN TXT \"not declared yet\""),
		mustRR("mail.example.com. 300 IN A 192.0.2.9"),
		mustRR("new.example.com. 300 IN A 192.0.2.5"),
	}
	res, err := Import(rrs, o)
	if err != nil {
		t.Fatal(err)
	}
	skip, ok := find(res.Skipped, "web-01.example.com. A")
	if !ok || !strings.Contains(skip.Reason, "already declared by "+filepath.Join(o.Records.Dir, "api-web-01.example.com.yaml")) {
		t.Errorf("skipped %v, want web-01.example.com. A already declared by the API's file", res.Skipped)
	}
	conflict, ok := find(res.Conflicts, "mail.example.com. A")
	if !ok || !strings.Contains(conflict.Reason, "mail.yaml") || !strings.Contains(conflict.Reason, "600") {
		t.Errorf("conflicts %v, want mail.example.com. A, declared with TTL 600 in mail.yaml", res.Conflicts)
	}
	if got := keysOf(res.Conflicts); len(got) != 1 {
		t.Errorf("conflicts %v, want mail.example.com. A alone", got)
	}
	if got, want := fileNames(res), []string{"new.example.com.yaml", "web-01.example.com.yaml"}; !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for _, f := range res.Files {
		if strings.Contains(string(f.Data), "192.0.2.1") || strings.Contains(string(f.Data), "192.0.2.9") {
			t.Errorf("%s declares a set records.d declares already:\n%s", f.Name, f.Data)
		}
	}
	if res.Sets != 2 || res.Records != 2 {
		t.Errorf("%d sets, %d records imported; want 2, 2", res.Sets, res.Records)
	}
}

// TestImportLoaderWouldHold (M5b): sets that each read back alone but
// that the loader would hold as a conflict beside the rest (a CNAME
// beside other data, in the import or beside records.d) are unsupported,
// with the loader's reason, and written nowhere.
func TestImportLoaderWouldHold(t *testing.T) {
	t.Parallel()
	for _, g := range []GroupBy{ByName, ByZone} {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			o := withRecordsDir(t, zonefileOptions(g), map[string]string{
				"alias.yaml": "records:\n  - name: alias.example.com\n    type: CNAME\n    value: web.example.com\n",
			})
			rrs := []dns.RR{
				mustRR("both.example.com. 300 IN CNAME web.example.com."),
				mustRR("both.example.com. 300 IN TXT \"beside\""),
				mustRR("alias.example.com. 300 IN TXT \"beside a declared CNAME\""),
				mustRR("ok.example.com. 300 IN A 192.0.2.7"),
			}
			res, err := Import(rrs, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"both.example.com. CNAME", "both.example.com. TXT", "alias.example.com. TXT"} {
				s, ok := find(res.Unsupported, k)
				if !ok || !strings.Contains(s.Reason, "CNAME beside other data") {
					t.Errorf("unsupported %v, want %s as CNAME beside other data", res.Unsupported, k)
				}
			}
			for _, f := range res.Files {
				if strings.Contains(string(f.Data), "both.example.com") || strings.Contains(string(f.Data), "alias.example.com") {
					t.Errorf("%s declares a name the loader would hold:\n%s", f.Name, f.Data)
				}
			}
			if res.Sets != 1 || res.Records != 1 {
				t.Errorf("%d sets, %d records imported; want ok.example.com. A alone", res.Sets, res.Records)
			}
			// The promise: records.d with the files added holds nothing.
			for _, f := range res.Files {
				if err := os.WriteFile(filepath.Join(o.Records.Dir, f.Name), f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			st, err := desired.LoadDir(o.Records, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Problems) > 0 || len(st.Held["example.com."]) > 0 {
				t.Errorf("records.d after the import: problems %v, conflicts %v", st.Problems, st.Held)
			}
		})
	}
}

// TestImportManagedChild (M5c): a parent zone's delegation to a child
// zone dnssync manages too (NS at the child's apex, glue, DS) is skipped
// with a reason, not refused: the child's apex NS come from its own
// [[zones]], so no file could declare them. Data below the child without
// a delegation is still the child's to declare.
func TestImportManagedChild(t *testing.T) {
	t.Parallel()
	rrs := []dns.RR{
		mustRR("child.example.com. 300 IN NS ns1.child.example.com."),
		mustRR("child.example.com. 300 IN DS 12345 13 2 3DB7B6E3A1C07E5B5A5D0A0B2C5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E"),
		mustRR("ns1.child.example.com. 300 IN A 192.0.2.53"),
		mustRR("www.other.example.com. 300 IN A 192.0.2.1"),
		mustRR("ok.example.com. 300 IN A 192.0.2.7"),
	}
	for _, tt := range []struct {
		name string
		base []dns.RR
		says string
	}{
		{"zonefile", base(), "the zonefile backend does not write a managed child zone's delegation"},
		{"rfc2136", nil, "leaves it as served"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := zonefileOptions(ByName)
			o.Base = tt.base
			o.Records.Zones = append(o.Records.Zones, "child.example.com.", "other.example.com.")
			res, err := Import(rrs, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"child.example.com. NS", "child.example.com. DS", "ns1.child.example.com. A"} {
				s, ok := find(res.Skipped, k)
				if !ok || !strings.Contains(s.Reason, "child.example.com. is managed by dnssync too") || !strings.Contains(s.Reason, tt.says) {
					t.Errorf("skipped %v, want %s skipped as the delegation of a managed child saying %q", res.Skipped, k, tt.says)
				}
			}
			if got := keysOf(res.Unsupported); !slices.Equal(got, []string{"www.other.example.com. A"}) {
				t.Errorf("unsupported %v, want www.other.example.com. A alone (no delegation: declare it in its zone)", res.Unsupported)
			}
			if res.Sets != 1 {
				t.Errorf("%d sets imported, want ok.example.com. A alone", res.Sets)
			}
		})
	}
}
