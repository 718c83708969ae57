package diff

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func TestFormatGolden(t *testing.T) {
	tests := []struct {
		name     string // testdata/<name>.golden
		desired  []string
		observed []string
		managed  func(rrset.Key) bool
	}{
		{
			name:     "in-sync",
			desired:  with("www.example.com. 300 IN A 192.0.2.1"),
			observed: with("www.example.com. 300 IN A 192.0.2.1"),
		},
		{
			name:     "one-change",
			desired:  with("www.example.com. 300 IN A 192.0.2.1"),
			observed: with(),
		},
		{
			name: "mixed",
			desired: with(
				"app.example.com. 300 IN A 192.0.2.10",
				"app.example.com. 300 IN A 192.0.2.11",
				"www.example.com. 300 IN A 192.0.2.10",
				"example.com. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
				"_sip._tcp.example.com. 300 IN SRV 10 5 5060 app.example.com.",
				"example.com. 300 IN MX 10 mail.example.com.",
				"mail.example.com. 60 IN A 192.0.2.20",
				"v6.example.com. 300 IN AAAA 2001:db8::1",
			),
			observed: with(
				"app.example.com. 300 IN A 192.0.2.10",
				"www.example.com. 300 IN CNAME app.example.com.",
				"mail.example.com. 300 IN A 192.0.2.20",
				"old.example.com. 300 IN A 192.0.2.99",
				"v6.example.com. 300 IN AAAA 2001:db8::2",
			),
		},
		{
			name: "foreign",
			desired: with(
				"theirs.example.com. 300 IN A 192.0.2.1",
				"other.example.com. 300 IN TXT \"mine now\"",
				"www.example.com. 300 IN A 192.0.2.1",
			),
			observed: with(
				"theirs.example.com. 300 IN A 192.0.2.2",
				"other.example.com. 300 IN TXT \"theirs\"",
			),
			managed: func(k rrset.Key) bool { return k.Name == "www.example.com." },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compute(Input{Zone: zone, Desired: zoneOf(t, tt.desired...), Observed: zoneOf(t, tt.observed...), Managed: tt.managed})
			var buf bytes.Buffer
			if err := p.Format(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `go test ./internal/diff -update` to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("Format output differs from %s (refresh with -update if intended)\ngot:\n%s\nwant:\n%s", path, buf.Bytes(), want)
			}
		})
	}
}

// TestFormatHeldGolden: a refused plan shows what applies, then what the
// safety check holds.
func TestFormatHeldGolden(t *testing.T) {
	observed := zoneOf(t, with(hosts(10)...)...)
	desired := zoneOf(t, with(append(readdress(hosts(10), 4), "new.example.com. 300 IN A 192.0.2.200")...)...)
	p := Compute(Input{Zone: zone, Desired: desired, Observed: observed})
	v := Judge(p, Facts{Observed: observed, Safety: Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}})
	if v.Refusal == nil {
		t.Fatal("plan not refused")
	}
	safe, held := v.Safe, v.Held
	for _, tt := range []struct {
		name       string
		safe, held Plan
	}{{"held", safe, held}, {"held-only", Plan{Zone: zone}, held}} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.safe.FormatHeld(&buf, tt.held); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
		})
	}
}

// golden compares got with testdata/<name>.golden (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./internal/diff -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (refresh with -update if intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestFormatWriteError(t *testing.T) {
	tests := []struct {
		name string
		p    Plan
	}{
		{"in sync", Plan{Zone: zone}},
		{"changes", Compute(Input{Zone: zone, Desired: zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...), Observed: zoneOf(t, with()...)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Format(failWriter{}); err == nil {
				t.Error("Format to a failing writer returned nil")
			}
		})
	}
}

// TestFormatNeverInSyncWhenHeld: a plan with nothing to apply but a
// desired set left to another writer, or deletions held while a file is
// unread, is not "in sync"; it shows what waits.
func TestFormatNeverInSyncWhenHeld(t *testing.T) {
	tests := []struct {
		name   string // testdata/<name>.golden
		input  Input
		unread bool // a record file is unread: Judge holds the deletions
	}{
		{name: "foreign-only", input: Input{
			Desired:  zoneOf(t, with("theirs.example.com. 300 IN A 192.0.2.1")...),
			Observed: zoneOf(t, with("theirs.example.com. 300 IN A 192.0.2.2")...),
			Managed:  func(rrset.Key) bool { return false },
		}},
		{name: "held-deletes", input: Input{
			Desired: zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...),
			Observed: zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1",
				"old.example.com. 300 IN A 192.0.2.9", "old.example.com. 300 IN TXT \"gone\"")...),
		}, unread: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.input.Zone = zone
			p := Judge(Compute(tt.input), Facts{Observed: tt.input.Observed, Unread: tt.unread}).Safe
			if !p.Empty() {
				t.Fatalf("plan has changes to apply: %v", p.Changes)
			}
			if p.InSync() {
				t.Error("InSync() = true")
			}
			var buf bytes.Buffer
			if err := p.Format(&buf); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(buf.Bytes(), []byte("in sync")) {
				t.Errorf("says in sync:\n%s", buf.Bytes())
			}
			golden(t, tt.name, buf.Bytes())
		})
	}
}

// TestFormatUnknown: a zone that could not be read is "unknown", with why.
func TestFormatUnknown(t *testing.T) {
	var buf bytes.Buffer
	if err := FormatUnknown(&buf, zone, errors.New("axfr: connection refused")); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), zone+": unknown (cannot read the zone: axfr: connection refused)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := FormatUnknown(failWriter{}, zone, errors.New("x")); err == nil {
		t.Error("FormatUnknown to a failing writer returned nil")
	}
}

// TestFormatSourcesGolden: each create and update names the files that
// declare its new set, in a column of its own; a delete names none (no
// file declares it); a set left to another writer names its files too;
// a set declared by many files names a few and counts the rest.
func TestFormatSourcesGolden(t *testing.T) {
	files := map[string][]string{
		"app.example.com. A":         {"app.yaml"},
		"www.example.com. A":         {"www.yaml"},
		"example.com. TXT":           {"apex.yaml"},
		"example.com. MX":            {"apex.yaml"},
		"_sip._tcp.example.com. SRV": {"sip.yaml"},
		"mail.example.com. A":        {"mail-1.yaml", "mail-2.yaml"},
		"v6.example.com. AAAA":       {"a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml"},
		"theirs.example.com. A":      {"theirs.yaml"},
		// What a delete deletes is declared nowhere; a source for it
		// would be a bug of the caller's, and must not be shown.
		"old.example.com. A": {"never-shown.yaml"},
	}
	src := func(k rrset.Key) []string { return files[k.String()] }
	observed := zoneOf(t, with(
		"app.example.com. 300 IN A 192.0.2.10",
		"www.example.com. 300 IN CNAME app.example.com.",
		"mail.example.com. 300 IN A 192.0.2.20",
		"old.example.com. 300 IN A 192.0.2.99",
		"v6.example.com. 300 IN AAAA 2001:db8::2",
		"theirs.example.com. 300 IN A 192.0.2.2",
	)...)
	desired := zoneOf(t, with(
		"app.example.com. 300 IN A 192.0.2.10",
		"app.example.com. 300 IN A 192.0.2.11",
		"www.example.com. 300 IN A 192.0.2.10",
		"example.com. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
		"_sip._tcp.example.com. 300 IN SRV 10 5 5060 app.example.com.",
		"example.com. 300 IN MX 10 mail.example.com.",
		"mail.example.com. 60 IN A 192.0.2.20",
		"v6.example.com. 300 IN AAAA 2001:db8::1",
		"theirs.example.com. 300 IN A 192.0.2.1",
	)...)
	p := Compute(Input{Zone: zone, Desired: desired, Observed: observed,
		Managed: func(k rrset.Key) bool { return k.Name != "theirs.example.com." }})
	var buf bytes.Buffer
	if err := p.FormatSources(&buf, Plan{Zone: zone}, src); err != nil {
		t.Fatal(err)
	}
	golden(t, "mixed-sources", buf.Bytes())

	// Creates only: no empty "(was ...)" column before the files.
	p = Compute(Input{Zone: zone, Desired: zoneOf(t, with("www.example.com. 300 IN A 192.0.2.10")...), Observed: zoneOf(t, with()...)})
	buf.Reset()
	if err := p.FormatSources(&buf, Plan{Zone: zone}, src); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "example.com.: 1 change\n  + www.example.com.  A  300  192.0.2.10  (www.yaml)\n"; got != want {
		t.Errorf("one create: got\n%q\nwant\n%q", got, want)
	}
}

// TestFormatHeldSourcesGolden: the changes the safety check holds name
// their files too.
func TestFormatHeldSourcesGolden(t *testing.T) {
	observed := zoneOf(t, with(hosts(10)...)...)
	desired := zoneOf(t, with(append(readdress(hosts(10), 4), "new.example.com. 300 IN A 192.0.2.200")...)...)
	v := Judge(Compute(Input{Zone: zone, Desired: desired, Observed: observed}),
		Facts{Observed: observed, Safety: Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}})
	if v.Refusal == nil {
		t.Fatal("plan not refused")
	}
	src := func(k rrset.Key) []string {
		if k.Name == "new.example.com." {
			return []string{"new.yaml"}
		}
		return []string{"fleet.yaml"}
	}
	var buf bytes.Buffer
	if err := v.Safe.FormatSources(&buf, v.Held, src); err != nil {
		t.Fatal(err)
	}
	golden(t, "held-sources", buf.Bytes())
}

// TestFormatConflicts: a name records.d declares in ways that disagree is
// left as served (Input.Held), and the plan says so: never "in sync".
func TestFormatConflicts(t *testing.T) {
	in := Input{
		Zone:     zone,
		Desired:  zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...),
		Observed: zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1", "clash.example.com. 300 IN A 192.0.2.7")...),
		Held:     map[string]bool{"clash.example.com.": true, "b.clash.example.com.": true},
	}
	p := Compute(in)
	if !p.Empty() || p.InSync() {
		t.Fatalf("plan: empty %v, in sync %v; want nothing to apply, and not in sync", p.Empty(), p.InSync())
	}
	if want := []string{"clash.example.com.", "b.clash.example.com."}; !slices.Equal(p.Conflicts, want) {
		t.Errorf("Conflicts = %q, want %q (canonical order)", p.Conflicts, want)
	}
	src := func(k rrset.Key) []string {
		if k.Type == 0 && k.Name == "clash.example.com." {
			return []string{"a.yaml", "b.yaml"}
		}
		return nil
	}
	var buf bytes.Buffer
	if err := p.FormatSources(&buf, Plan{Zone: zone}, src); err != nil {
		t.Fatal(err)
	}
	golden(t, "conflicts", buf.Bytes())
	var tally Tally
	tally.Add(p, Plan{Zone: zone})
	if tally != (Tally{Conflicts: 2}) {
		t.Errorf("tally %+v, want 2 conflicts", tally)
	}
}
