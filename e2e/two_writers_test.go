package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// Two dnssync instances, each with its own records.d and state_dir, write
// one RFC 2136 primary at the same time (two writers for availability).
// Their UPDATEs are fenced on the SOA serial they were planned against, so
// a pass planned before the other's write is refused and planned again;
// and each deletes only what it created. At the end every record of both
// is served, and stays served through further full passes of each.

// TestTwoWritersCoreDNS: CoreDNS dynupdate without `database`, the zone
// in memory only.
func TestTwoWritersCoreDNS(t *testing.T) {
	t.Parallel()
	testTwoWriters(t, startDynupdate(t))
}

// TestTwoWritersCoreDNSDatabase: CoreDNS dynupdate with `database`, each
// UPDATE also written to its bbolt file.
func TestTwoWritersCoreDNSDatabase(t *testing.T) {
	t.Parallel()
	testTwoWriters(t, startPrimary(t, corednstest.CoreDNS, corednstest.UpdateZone{Database: true}))
}

func TestTwoWritersBIND(t *testing.T) {
	t.Parallel()
	testTwoWriters(t, startBIND(t))
}

const (
	writerNames = 20 // each writer registers this many names
	burst       = 5  // files written at once, by each writer
)

func testTwoWriters(t *testing.T, srv updateServer) {
	envs := []*env{newRFC2136Env(t, srv), newRFC2136Env(t, srv)}
	prefixes := []string{"a", "b"}
	daemons := []*daemon{envs[0].start(), envs[1].start()}
	name := func(w, i int) string { return fmt.Sprintf("%s-%02d.example.org", prefixes[w], i) }
	record := func(w, i int) string { return fmt.Sprintf("%s 300 IN A 192.0.%d.%d", name(w, i), 2+w, i+1) }

	for start := 0; start < writerNames; start += burst {
		// Both writers' files land together: their daemons plan from the
		// same serial and race to update it.
		for i := start; i < start+burst; i++ {
			for w, e := range envs {
				e.write(fmt.Sprintf("host-%02d.yaml", i), fmt.Sprintf("records:\n  - name: %s\n    type: A\n    value: 192.0.%d.%d\n", name(w, i), 2+w, i+1))
			}
		}
		for i := start; i < start+burst; i++ {
			for w := range envs {
				envs[w].served(name(w, i), dns.TypeA, set(t, record(w, i)))
			}
		}
	}

	// Each writer's plan against the zone as now served is empty (exit 0):
	// nothing of its own pending, nothing of the other's to delete.
	for w, e := range envs {
		if stdout, stderr, code := e.cli("plan"); code != 0 {
			t.Fatalf("writer %s: dnssync plan exit %d, want 0 (in sync)\n%s%s", prefixes[w], code, stdout, stderr)
		}
	}
	for w := range envs {
		for i := range writerNames {
			envs[0].stillServed(name(w, i), dns.TypeA, set(t, record(w, i)))
		}
	}
	// Each owns exactly its own names: neither took the other's.
	for w, e := range envs {
		if got, want := ownedNames(t, e), wantOwned(prefixes[w]); !slices.Equal(got, want) {
			t.Errorf("writer %s owns %v, want %v", prefixes[w], got, want)
		}
	}
	replans := 0
	for _, d := range daemons {
		replans += strings.Count(d.out.String(), "zone changed by another writer; planning again")
	}
	t.Logf("plans made stale by the other writer and made again: %d", replans)
}

// ownedNames lists the names e's dnssync owns in example.org, sorted.
func ownedNames(t *testing.T, e *env) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, "state", "owned.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Zones map[string][]string `json:"zones"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(f.Zones["example.org."])
	slices.Sort(out)
	return out
}

func wantOwned(prefix string) []string {
	var out []string
	for i := range writerNames {
		out = append(out, fmt.Sprintf("%s-%02d.example.org. A", prefix, i))
	}
	return out
}
