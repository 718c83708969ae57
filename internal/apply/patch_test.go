package apply

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// patchZone is a zone file backend for example.com. that logs its writes
// to logs, holding the Base and n A records: 45,000 are over
// patchMinSize.
type patchZone struct {
	b      *ZoneFile
	logs   *bytes.Buffer
	want   rrset.Zone
	serial uint32 // served: what the last Apply wrote
}

func newPatchZone(t *testing.T, n int) *patchZone {
	t.Helper()
	logs := &bytes.Buffer{}
	b, err := NewZoneFile(ZoneFileOptions{
		Dir:   filepath.Join(t.TempDir(), "zones"),
		Zones: []Zone{testZone("example.com.")},
		Now:   fixedNow,
		Log:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	z := &patchZone{b: b, logs: logs, want: rrset.Zone{}}
	for _, rr := range b.Base("example.com.") {
		z.want.Put(rr)
	}
	for i := range n {
		z.want.Put(mustRR(t, fmt.Sprintf("host%d.example.com. 300 IN A 10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255)))
	}
	z.apply(t, rrset.Zone{})
	return z
}

// apply applies z.want on top of served, as the reconciler does after the
// last write was served, and checks the file is the zone's whole text. It
// returns the bytes the write copied from the last file.
func (z *patchZone) apply(t *testing.T, served rrset.Zone) int64 {
	t.Helper()
	z.logs.Reset()
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: z.want, Observed: served})
	res, err := z.b.Apply(context.Background(), &observed.Zone{Name: "example.com.", Serial: z.serial, Sets: served}, p)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	z.serial = res.Serial
	got, err := os.ReadFile(z.b.Path("example.com."))
	if err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	if err := newZoneText("example.com.", z.want, true).write(&whole, res.Serial); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, whole.Bytes()) {
		t.Fatalf("zone file (%d bytes) is not the zone's text (%d bytes); first difference at byte %d",
			len(got), whole.Len(), firstDiff(got, whole.Bytes()))
	}
	m := regexp.MustCompile(`msg="zone file written".* copied=(\d+)`).FindSubmatch(z.logs.Bytes())
	if m == nil {
		t.Fatalf("no write logged:\n%s", z.logs)
	}
	copied, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return copied
}

// change applies z.want after edit changed it.
func (z *patchZone) change(t *testing.T, edit func(rrset.Zone)) int64 {
	t.Helper()
	served := maps.Clone(z.want)
	edit(z.want)
	return z.apply(t, served)
}

// put replaces rr's set in w with one of rr: the set itself may be shared
// with what is served.
func put(w rrset.Zone, rr dns.RR) { w[rrset.KeyOf(rr)] = rrset.New(rr) }

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestPatchedWriteIsTheWholeText: a change to a large zone copies the
// unchanged sets from the last file, and the file is byte for byte what
// writing the zone whole gives, whatever the change: sets changed, added
// and removed at the start, the end and between, the SOA changed (so that
// every set moves), many changes at once.
func TestPatchedWriteIsTheWholeText(t *testing.T) {
	z := newPatchZone(t, 45000)
	fileSize := func() int64 {
		fi, err := os.Stat(z.b.Path("example.com."))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	a := func(name, addr string) dns.RR { return mustRR(t, name+".example.com. 300 IN A "+addr) }
	edits := []struct {
		name string
		edit func(rrset.Zone)
	}{
		{"one value", func(w rrset.Zone) { put(w, a("host15000", "192.0.2.1")) }},
		{"first set in order", func(w rrset.Zone) { put(w, a("aaa", "192.0.2.2")) }},
		{"first set removed", func(w rrset.Zone) { delete(w, rrset.Key{Name: "aaa.example.com.", Type: dns.TypeA}) }},
		{"last set in order", func(w rrset.Zone) { put(w, a("zzz", "192.0.2.3")) }},
		{"last set changed and one removed", func(w rrset.Zone) {
			delete(w, rrset.Key{Name: "zzz.example.com.", Type: dns.TypeA})
			put(w, a("zzz", "192.0.2.4"))
			delete(w, rrset.Key{Name: "host7.example.com.", Type: dns.TypeA})
		}},
		{"two neighbours", func(w rrset.Zone) {
			put(w, a("host100", "192.0.2.5"))
			put(w, a("host1000", "192.0.2.6"))
		}},
		{"the SOA", func(w rrset.Zone) {
			soa := w[rrset.Key{Name: "example.com.", Type: dns.TypeSOA}].RRs[0].(*dns.SOA)
			s := *soa
			s.Mbox = "a.much.longer.hostmaster.example.com."
			delete(w, rrset.Key{Name: "example.com.", Type: dns.TypeSOA})
			put(w, &s)
		}},
	}
	for _, e := range edits {
		if copied := z.change(t, e.edit); copied == 0 || copied < fileSize()*9/10 {
			t.Errorf("%s: copied %d of %d bytes from the last file, want most of them", e.name, copied, fileSize())
		}
	}
	rng := rand.New(rand.NewPCG(15, 1))
	for round := range 20 {
		z.change(t, func(w rrset.Zone) {
			for range 1 + rng.IntN(20) {
				name := fmt.Sprintf("host%d", rng.IntN(46000))
				if rng.IntN(3) == 0 {
					delete(w, rrset.Key{Name: name + ".example.com.", Type: dns.TypeA})
				} else {
					put(w, a(name, fmt.Sprintf("198.51.100.%d", round)))
				}
			}
		})
	}
	if copied := z.change(t, func(w rrset.Zone) {
		for i := range patchMaxEdits + 1 {
			put(w, a(fmt.Sprintf("host%d", i*97), "203.0.113.1"))
		}
	}); copied != 0 {
		t.Errorf("%d sets changed: copied %d bytes, want the zone written whole", patchMaxEdits+1, copied)
	}
}

// TestPatchNotFromAnEditedFile: a zone file changed by someone since
// dnssync wrote it is never copied from, even when the edit keeps its
// size: the next write is whole, and the edit is gone.
func TestPatchNotFromAnEditedFile(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, path string)
	}{
		{"appended to", appendEvil},
		{"overwritten in place, same size", func(t *testing.T, path string) { overwriteInPlace(t, path, false) }},
		{"overwritten in place, same size, times set back", func(t *testing.T, path string) { overwriteInPlace(t, path, true) }},
		{"replaced", func(t *testing.T, path string) {
			if err := os.WriteFile(path+".new", []byte("; nothing\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := newPatchZone(t, 45000)
			tt.edit(t, z.b.Path("example.com."))
			copied := z.change(t, func(w rrset.Zone) { put(w, mustRR(t, "host5.example.com. 300 IN A 192.0.2.9")) })
			if copied != 0 {
				t.Errorf("copied %d bytes from a file changed since it was written", copied)
			}
		})
	}
}

// appendEvil appends a record to the zone file at path, in place.
func appendEvil(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("evil.example.com. 300 IN A 192.0.2.66\n"); err != nil {
		t.Fatal(err)
	}
}

// overwriteInPlace writes "evil" over a name in the zone file at path,
// keeping its size, and with setBack its modification time as it was: only
// the change time then still tells (it cannot be set back).
func overwriteInPlace(t *testing.T, path string, setBack bool) {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("evil"), int64(bytes.Index(text, []byte("\nhost20000\t"))+1)); err != nil {
		t.Fatal(err)
	}
	if setBack {
		if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPatchSeesChangeWhileCopying: a file changed after it was opened to
// copy from (checked when opened, so seen only after the copy) fails the
// patch, and the zone is written whole: the change is gone.
func TestPatchSeesChangeWhileCopying(t *testing.T) {
	z := newPatchZone(t, 45000)
	path := z.b.Path("example.com.")
	edited := false
	z.b.lastOpened = func() {
		appendEvil(t, path)
		edited = true
	}
	copied := z.change(t, func(w rrset.Zone) { put(w, mustRR(t, "host5.example.com. 300 IN A 192.0.2.9")) })
	if !edited {
		t.Fatal("the write did not open the last file to copy from")
	}
	if copied != 0 {
		t.Errorf("copied %d bytes from a file changed while it was copied from", copied)
	}
	if !strings.Contains(z.logs.String(), "zone file changed while dnssync copied from it") {
		t.Errorf("the fallback is not logged:\n%s", z.logs)
	}
}

// TestZoneFileOverAFIFO: a FIFO put where the zone file goes is never
// opened to read (its open would wait for a writer for ever, the zone's
// lock held): the zone file replaces it.
func TestZoneFileOverAFIFO(t *testing.T) {
	b, _ := newZoneFile(t)
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := b.Path("example.com.")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})
	done := make(chan error, 1)
	go func() {
		_, err := b.Apply(context.Background(), served, p)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		// Unblock the open, so that the test ends.
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("Apply waits on the FIFO at the zone file's path")
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("zone file: %v, %v; want a regular file", fi.Mode(), err)
	}
}

// TestZoneFileNamesItsTTLOnce: a zone written from nothing takes its $TTL
// from what it writes, and leaves it out of every line that has it.
func TestZoneFileNamesItsTTLOnce(t *testing.T) {
	z := newPatchZone(t, 100) // 100 A records at 300; the SOA, NS and glue at 3600
	text, err := os.ReadFile(z.b.Path("example.com."))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text, []byte("\n$ORIGIN example.com.\n$TTL 300\n")) {
		t.Errorf("no $ORIGIN and $TTL 300 at the top:\n%.300s", text)
	}
	if !bytes.Contains(text, []byte("\nhost5\tA\t10.0.0.5\n")) || !bytes.Contains(text, []byte("\n@\t3600\tNS\t")) {
		t.Errorf("lines at the $TTL keep it, or others lose theirs:\n%.600s", text)
	}
}
