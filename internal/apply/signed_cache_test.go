package apply

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// TestSignedKeptZoneInStepWithTheFile: the signed zone the backend keeps
// and changes in place stays what the file holds: after each write its
// rendering is the file byte for byte, and a write that fails (the zone
// file's place taken by a directory) leaves nothing of its change behind,
// even when the retry carries another change.
func TestSignedKeptZoneInStepWithTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := signedBackend(t, filepath.Join(dir, "zones"), filepath.Join(dir, "keys"))
	path := b.Path("example.com.")
	desired := zoneOf(mustRR(t, "www.example.com. 300 IN A 192.0.2.1"), mustRR(t, "mail.example.com. 300 IN A 192.0.2.25"))
	served := signedStep(t, b, &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}, desired)
	inStep := func(when string) {
		t.Helper()
		b.mu.Lock()
		kept := b.signed["example.com."]
		b.mu.Unlock()
		if kept == nil {
			t.Fatalf("%s: no signed zone kept", when)
		}
		var want bytes.Buffer
		if err := newZoneText("example.com.", kept.sets.Sets, true).write(&want, kept.serial); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%s: the file is not the kept signed zone rendered", when)
		}
	}
	inStep("cold write")
	for i, rr := range []string{"new.example.com. 300 IN A 192.0.2.7", "a.example.com. 300 IN TXT \"x\"", "zz.example.com. 300 IN AAAA 2001:db8::1"} {
		desired.Put(mustRR(t, rr))
		if i == 1 {
			delete(desired, rrset.Key{Name: "mail.example.com.", Type: dns.TypeA})
		}
		served = signedStep(t, b, served, desired)
		inStep(rr)
	}

	// A write that fails: the change (lost.) must not reach the next file.
	lost := rrset.Key{Name: "lost.example.com.", Type: dns.TypeA}
	failed := diff.Plan{Zone: "example.com.", Changes: []diff.Change{{Action: diff.Create, Key: lost, New: rrset.New(mustRR(t, "lost.example.com. 300 IN A 192.0.2.66"))}}}
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Apply(context.Background(), served, failed); err == nil {
		t.Fatal("a write onto a directory succeeded")
	}
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".moved", path); err != nil {
		t.Fatal(err)
	}
	desired.Put(mustRR(t, "kept.example.com. 300 IN A 192.0.2.67"))
	served = signedStep(t, b, served, desired)
	if served.Sets[lost] != nil || served.Sets[rrset.Key{Name: "lost.example.com.", Type: dns.TypeNSEC}] != nil {
		t.Error("the change of a failed write reached the file written after it")
	}
	if served.Sets[rrset.Key{Name: "kept.example.com.", Type: dns.TypeA}] == nil {
		t.Error("the retry's change is not in the file")
	}
	inStep("the write after a failed one")
	desired.Put(mustRR(t, "last.example.com. 300 IN A 192.0.2.68"))
	signedStep(t, b, served, desired)
	inStep("the next write")
}

// TestSignedLargeZonePatched: a change to a signed zone large enough to be
// patched copies most of its file from the last one, and the file is what
// the kept signed zone renders whole, and passes dnssec-verify
// (signedStep).
func TestSignedLargeZonePatched(t *testing.T) {
	dir := t.TempDir()
	b := signedBackend(t, filepath.Join(dir, "zones"), filepath.Join(dir, "keys"))
	logs := &bytes.Buffer{}
	b.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	desired := rrset.Zone{}
	for i := range 3000 {
		desired.Put(mustRR(t, fmt.Sprintf("h%d.example.com. 300 IN A 10.0.%d.%d", i, i>>8, i&255)))
	}
	served := signedStep(t, b, &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}, desired)
	copiedRE := regexp.MustCompile(`msg="zone file written".* bytes=(\d+) copied=(\d+)`)
	for _, s := range []string{"h7.example.com. 300 IN A 192.0.2.7", `new.example.com. 300 IN TXT "x"`, "h2000.example.com. 300 IN A 192.0.2.8"} {
		put(desired, mustRR(t, s))
		logs.Reset()
		served = signedStep(t, b, served, desired)
		m := copiedRE.FindSubmatch(logs.Bytes())
		if m == nil {
			t.Fatalf("%s: no write logged:\n%s", s, logs)
		}
		size, _ := strconv.Atoi(string(m[1]))
		copied, _ := strconv.Atoi(string(m[2]))
		if size < patchMinSize || copied < size*9/10 {
			t.Errorf("%s: copied %d of %d bytes from the last file, want most of at least %d", s, copied, size, patchMinSize)
		}
		b.mu.Lock()
		kept := b.signed["example.com."]
		b.mu.Unlock()
		var want bytes.Buffer
		if err := newZoneText("example.com.", kept.sets.Sets, true).write(&want, kept.serial); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(b.Path("example.com.")); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%s: the patched file is not the kept signed zone rendered whole (%v)", s, err)
		}
	}
}
