package verify

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// blackHole is a UDP listener on loopback that reads every query and
// answers none, as a secondary behind a firewall that drops packets. It
// counts the queries that reached it; drained sends one last packet from
// the test itself and returns the count once that packet is read, so that
// every query sent before it is counted.
func blackHole(t *testing.T) (addr string, drained func() int) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	var n atomic.Int32
	last := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			m, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if string(buf[:m]) == "last" {
				close(last)
				continue
			}
			n.Add(1)
		}
	}()
	return pc.LocalAddr().String(), func() int {
		c, err := net.Dial("udp", pc.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("last")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-last:
		case <-time.After(10 * time.Second):
			t.Fatal("the black hole never read the last packet")
		}
		return int(n.Load())
	}
}

// A server that stops answering is not asked for every set: after
// breakerTrips unanswered queries in a row the check stops asking it, and
// reports each set it did not ask as an error at that server. Another
// server of the same check is asked for everything, and the check reports
// its progress as it goes.
func TestCheckAllStopsAskingADeadServer(t *testing.T) {
	t.Parallel()
	const sets = 300
	want := make(map[rrset.Key]*rrset.Set, sets)
	var lines []string
	for i := range sets {
		line := fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.1", i)
		s := set(t, line)
		want[s.Key] = s
		lines = append(lines, line)
	}
	alive := nameserver(t, answering(t, true, lines...))
	dead, drained := blackHole(t)
	var progress atomic.Int32
	rep := CheckAll(t.Context(), []*Resolver{{Addr: alive}, {Addr: dead, Timeout: 100 * time.Millisecond}}, want, nil, time.Now(),
		func() { progress.Add(1) })

	if n := drained(); n > breakerTrips+checkParallelism {
		t.Errorf("%d queries reached the dead server, want at most %d (breakerTrips + checkParallelism)", n, breakerTrips+checkParallelism)
	}
	if rep.Checked != 2*sets || len(rep.Results) != 2*sets {
		t.Fatalf("checked %d, %d results; want %d of each", rep.Checked, len(rep.Results), 2*sets)
	}
	var notAsked int
	for _, r := range rep.Results {
		switch r.Server {
		case alive:
			if r.Status != StatusVerified {
				t.Errorf("%v: want verified", r)
			}
		case dead:
			if r.Status != StatusError || r.Err == nil {
				t.Errorf("%v: want an error", r)
			}
			if errors.Is(r.Err, ErrNotAsked) {
				notAsked++
			}
		}
	}
	if notAsked == 0 || notAsked > sets-breakerTrips {
		t.Errorf("%d sets not asked at the dead server; want most of %d", notAsked, sets)
	}
	// At least one report per checkParallelism sets answered at the live
	// server alone.
	if n := progress.Load(); n < sets/checkParallelism {
		t.Errorf("progress reported %d times, want at least %d", n, sets/checkParallelism)
	}
}

// Answers reset the count: a server that drops a few queries now and then
// (fewer than breakerTrips in a row) is asked for every set.
func TestBreakerCountsOnlyUnansweredInARow(t *testing.T) {
	t.Parallel()
	timeout := &net.OpError{Op: "read", Net: "udp", Err: errTimeoutForTest{}}
	b := &breaker{addr: "192.0.2.53:53"}
	for range 3 {
		for range breakerTrips - 1 {
			b.record(fmt.Errorf("query: %w", timeout))
		}
		b.record(nil)
		if err := b.allow(); err != nil {
			t.Fatalf("tripped after fewer than %d failures in a row: %v", breakerTrips, err)
		}
	}
	// A server that answers, even with a refusal, is alive.
	for range 2 * breakerTrips {
		b.record(fmt.Errorf("query: server answered %s", dns.RcodeToString[dns.RcodeRefused]))
	}
	if err := b.allow(); err != nil {
		t.Fatalf("tripped by refusals: %v", err)
	}
	for range breakerTrips {
		b.record(fmt.Errorf("query: %w", timeout))
	}
	if err := b.allow(); !errors.Is(err, ErrNotAsked) {
		t.Fatalf("after %d timeouts in a row: %v, want ErrNotAsked", breakerTrips, err)
	}
}

type errTimeoutForTest struct{}

func (errTimeoutForTest) Error() string   { return "i/o timeout" }
func (errTimeoutForTest) Timeout() bool   { return true }
func (errTimeoutForTest) Temporary() bool { return true }
