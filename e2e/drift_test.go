package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestDriftCorrectedReported: a hand edit of the zone file CoreDNS serves
// (an address changed, a record added) is put back by the scheduled pass,
// and reported as drift, not as a records.d change: a "drift corrected"
// warning per RRset with what was served and what is desired, a "drift"
// line in the audit trail, and dnssync_drift_corrected_total. A change
// made in records.d is not drift.
func TestDriftCorrectedReported(t *testing.T) {
	t.Parallel()
	a := newAPIEnv(t, apiLimits{})
	a.write("web-01.yaml", web01)
	want := set(t, "web-01.example.com 300 IN A 192.0.2.10")
	a.served("web-01.example.com", dns.TypeA, want)
	if n := drifted(t, a.base); n != 0 {
		t.Fatalf("drift_corrected_total = %v before any drift", n)
	}

	path := filepath.Join(a.zones, "db.example.com")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zp := dns.NewZoneParser(strings.NewReader(string(b)), "", "")
	var out strings.Builder
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch r := rr.(type) {
		case *dns.SOA:
			r.Serial += 10
		case *dns.A:
			if r.Hdr.Name == "web-01.example.com." {
				r.A = []byte{192, 0, 2, 66}
			}
		}
		out.WriteString(rr.String() + "\n")
	}
	out.WriteString("rogue.example.com. 300 IN A 192.0.2.67\n")
	tmp := filepath.Join(a.dir, "hand-edit")
	if err := os.WriteFile(tmp, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}

	a.d.waitLog("drift corrected")
	a.served("web-01.example.com", dns.TypeA, want)
	a.served("rogue.example.com", dns.TypeA, nil)
	deadline := time.Now().Add(15 * time.Second)
	for drifted(t, a.base) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("drift_corrected_total = %v, want 2 (web-01 A, rogue A)", drifted(t, a.base))
		}
		time.Sleep(50 * time.Millisecond)
	}
	var lines []string
	for _, l := range strings.Split(a.d.out.String(), "\n") {
		if strings.Contains(l, `msg="drift corrected"`) && strings.Contains(l, "level=WARN") && strings.Contains(l, "zone=example.com.") {
			lines = append(lines, l)
		}
	}
	for _, want := range []string{
		`action=update name=web-01.example.com. type=A served="300 [192.0.2.66]" desired="300 [192.0.2.10]"`,
		`action=delete name=rogue.example.com. type=A served="300 [192.0.2.67]" desired=-`,
	} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, want) }) {
			t.Errorf("no drift corrected warning with %s in %q", want, lines)
		}
	}
	// The audit line may follow the log line by a moment: the pass writes
	// it once verified.
	var drifts []map[string]any
	for deadline := time.Now().Add(10 * time.Second); len(drifts) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		drifts = drifts[:0]
		for _, ev := range readAudit(t, a.audit) {
			if ev["kind"] == "drift" {
				drifts = append(drifts, ev)
			}
		}
	}
	found := map[string]bool{}
	for _, ev := range drifts {
		found[ev["name"].(string)+" "+ev["action"].(string)+" "+ev["old"].(string)] = true
	}
	for _, w := range []string{"web-01.example.com. update 300 [192.0.2.66]", "rogue.example.com. delete 300 [192.0.2.67]"} {
		if !found[w] {
			t.Errorf("no drift audit line %q in %v", w, drifts)
		}
	}

	// A records.d change is a change, not drift.
	a.write("web-01.yaml", strings.Replace(web01, "192.0.2.10", "192.0.2.11", 1))
	a.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.11"))
	a.d.waitLog(`new="300 [192.0.2.11]"`)
	if n := drifted(t, a.base); n != 2 {
		t.Errorf("drift_corrected_total = %v after a records.d change, want still 2", n)
	}
	if c := strings.Count(a.d.out.String(), `msg="drift corrected"`); c != 2 {
		t.Errorf("%d drift lines after a records.d change, want still 2", c)
	}
}

// drifted is dnssync_drift_corrected_total{zone="example.com."}, 0 when
// the series is not there.
func drifted(t *testing.T, base string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, `dnssync_drift_corrected_total{zone="example.com."} `); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metrics line %q: %v", line, err)
			}
			return n
		}
	}
	return 0
}
