package zoneio

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// exportedZone is records.d as an import of testdata/example.com.zone
// wrote it, read by the loader: a desired zone with every type.
func exportedZone(t *testing.T) rrset.Sets {
	t.Helper()
	o := zonefileOptions(ByName)
	res, err := Import(readZone(t, "testdata/example.com.zone", "example.com."), o)
	if err != nil {
		t.Fatal(err)
	}
	o.Records.Dir = t.TempDir()
	for _, f := range res.Files {
		if err := os.WriteFile(filepath.Join(o.Records.Dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := desired.LoadDir(o.Records, nil)
	if err != nil || len(st.Problems) > 0 {
		t.Fatalf("load: %v %v", err, st.Problems)
	}
	return st.Zone("example.com.")
}

func TestExportGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Export(&b, "example.com", exportedZone(t), base(), 2026010100); err != nil {
		t.Fatal(err)
	}
	golden(t, "export.golden", b.String())
}

// TestExportLoadsInBIND: the export is a zone file BIND's own checker
// takes, with every check that only warns by default made fatal, and it
// holds the same records the desired state and base say.
func TestExportLoadsInBIND(t *testing.T) {
	t.Parallel()
	bin := namedCheckzone(t)
	want := exportedZone(t)
	var b bytes.Buffer
	if err := Export(&b, "example.com.", want, base(), 2026010100); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "example.com.zone")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-k", "fail", "-n", "fail", "-m", "fail", "-M", "fail", "-S", "fail", "-i", "full", "example.com", path).CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkzone: %v\n%s\nzone:\n%s", err, out, b.Bytes())
	}
	if !strings.Contains(string(out), "loaded serial 2026010100") {
		t.Errorf("named-checkzone did not load serial 2026010100:\n%s", out)
	}

	// And it reads back as the desired state plus the base, nothing else.
	back := rrset.Zone{}
	for _, rr := range readZone(t, path, "example.com.") {
		if soa, ok := rr.(*dns.SOA); ok {
			soa.Serial = 0
		}
		back.Put(rr)
	}
	all := rrset.Zone(maps.Collect(want.All()))
	for _, rr := range base() {
		all.Put(rr)
	}
	if len(back) != len(all) {
		t.Errorf("read back %d RRsets, want %d", len(back), len(all))
	}
	for k, s := range all {
		if !s.Equal(back[k]) {
			t.Errorf("%s: read back %v, want %v", k, back[k], s)
		}
	}
}

// TestExportBaseWins: at the same name and type the backend's own record
// is what is served, as in a plan.
func TestExportBaseWins(t *testing.T) {
	t.Parallel()
	want := rrset.Zone{}
	want.Put(mustRR("ns1.example.com. 300 IN A 192.0.2.99"))
	want.Put(mustRR("www.example.com. 300 IN A 192.0.2.1"))
	var b bytes.Buffer
	if err := Export(&b, "example.com.", want, base(), 7); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "192.0.2.99") || !strings.Contains(b.String(), "ns1.example.com.\t3600\tIN\tA\t127.0.0.1") {
		t.Errorf("export:\n%s\nwant ns1's address from the base only", b.String())
	}
	if err := Export(&b, "example.com.", want, nil, 7); err == nil {
		t.Error("export without an SOA succeeded")
	}
}

// namedCheckzone finds BIND's named-checkzone. Without it the test is
// skipped on a workstation but fails in CI, where .ci/run installs
// bind9-utils.
func namedCheckzone(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("named-checkzone"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/bin/named-checkzone", "/usr/sbin/named-checkzone"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("named-checkzone not found (install bind9-utils)")
	}
	t.Skip("named-checkzone not found (install bind9-utils); skipped outside CI")
	return ""
}
