package apply

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// BenchmarkSignedApplyOneChange100k is what one record changed costs the
// zonefile backend in a signed zone of 100,000 records, signed and written
// before by the same backend: signing (dnssec.Resign and the work around
// it in signedText), rendering and the atomic write, the daemon's whole
// part of a change but for planning and the check that it is served.
func BenchmarkSignedApplyOneChange100k(b *testing.B) {
	dir := b.TempDir()
	z := testZone("example.com.")
	z.Signing = &Signing{Policy: dnssec.DefaultPolicy(), Keys: &dnssec.KeyStore{Dir: filepath.Join(dir, "keys")}}
	be, err := NewZoneFile(ZoneFileOptions{Dir: filepath.Join(dir, "zones"), Zones: []Zone{z}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	sets := zone100k(b)
	ns, _ := dns.NewRR("example.com. 3600 IN NS ns1.example.com.")
	sets.Put(ns)
	ctx := context.Background()
	res, err := be.Apply(ctx, &observed.Zone{Name: "example.com.", Sets: sets}, diff.Plan{Zone: "example.com."})
	if err != nil {
		b.Fatal(err)
	}
	k := rrset.Key{Name: "host-000007.example.com.", Type: dns.TypeA}
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime(b)
	for b.Loop() {
		i++
		rr, _ := dns.NewRR(fmt.Sprintf("host-000007.example.com. 300 IN A 192.0.2.%d", i%250))
		p := diff.Plan{Zone: "example.com.", Changes: []diff.Change{{Action: diff.Update, Key: k, New: rrset.New(rr)}}}
		// Served is what was written last: the backend signs against its
		// own copy of it (the sets are not read).
		if res, err = be.Apply(ctx, &observed.Zone{Name: "example.com.", Serial: res.Serial}, p); err != nil {
			b.Fatal(err)
		}
	}
	// The CPU a change costs (both cores' worth, GC included), apart from
	// the wall time, which the fsync of the file dominates.
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(i), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
