package e2e

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// Two dnssync instances, each with its own records.d and state_dir, write
// one RFC 2136 primary at the same time (two writers for availability).
// Their UPDATEs are fenced on the SOA serial they were planned against, so
// a pass planned before the other's write is refused and planned again;
// and each deletes only what it created. At the end every record of both
// is served, and stays served through further full passes of each.
//
// The race is forced once: writer b reaches the primary through a relay
// that holds its first UPDATE until writer a's write of the same burst is
// served, so that UPDATE was planned against a serial a has moved on. Its
// fence must refuse it and b plan again; without the fence it would be
// applied as planned, and the test fails.

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
	relay := startUpdateHold(t, srv.Addr)
	envs[1].cfg.Backend.Server = relay.addr
	envs[1].writeConfig()
	prefixes := []string{"a", "b"}
	daemons := []*daemon{envs[0].start(), envs[1].start()}
	name := func(w, i int) string { return fmt.Sprintf("%s-%02d.example.org", prefixes[w], i) }
	record := func(w, i int) string { return fmt.Sprintf("%s 300 IN A 192.0.%d.%d", name(w, i), 2+w, i+1) }
	write := func(w, i int) {
		envs[w].write(fmt.Sprintf("host-%02d.yaml", i), fmt.Sprintf("records:\n  - name: %s\n    type: A\n    value: 192.0.%d.%d\n", name(w, i), 2+w, i+1))
	}

	// The forced race: b plans the first burst and its UPDATE waits in
	// the relay while a writes the same burst; then b's goes on, stale.
	for i := range burst {
		write(1, i)
	}
	relay.waitHeld(t)
	for i := range burst {
		write(0, i)
	}
	for i := range burst {
		envs[0].served(name(0, i), dns.TypeA, set(t, record(0, i)))
	}
	relay.release()

	for start := 0; start < writerNames; start += burst {
		// Both writers' files land together: their daemons plan from the
		// same serial and race to update it.
		for i := start; i < start+burst && start > 0; i++ {
			for w := range envs {
				write(w, i)
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
	const replan = "zone changed by another writer; planning again"
	if !strings.Contains(daemons[1].out.String(), replan) {
		t.Errorf("writer b's UPDATE planned before a's write was not refused and planned again (no %q in its log): the fence did not hold", replan)
	}
	replans := 0
	for _, d := range daemons {
		replans += strings.Count(d.out.String(), replan)
	}
	t.Logf("plans made stale by the other writer and made again: %d", replans)
}

// updateHold relays DNS, UDP and TCP, between one writer and the primary,
// and holds the first UPDATE it carries until release: the writer has
// planned and sent it, and the test makes the zone change meanwhile.
type updateHold struct {
	addr     string
	held     chan struct{} // closed when the first UPDATE is waiting
	released chan struct{}
	once     sync.Once
}

func startUpdateHold(t *testing.T, server string) *updateHold {
	t.Helper()
	h := &updateHold{held: make(chan struct{}), released: make(chan struct{})}
	var (
		l  net.Listener
		pc net.PacketConn
	)
	for range 20 {
		var err error
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if pc, err = net.ListenPacket("udp", l.Addr().String()); err == nil {
			break
		}
		l.Close() // the port is taken for UDP: another
		l = nil
	}
	if l == nil {
		t.Fatal("no loopback port free for both UDP and TCP")
	}
	h.addr = l.Addr().String()
	var wg sync.WaitGroup
	t.Cleanup(func() {
		h.release()
		l.Close()
		pc.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { h.relayTCP(c, server) })
		}
	})
	wg.Go(func() {
		for {
			buf := make([]byte, 65535)
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			wg.Go(func() { relayUDP(pc, from, buf[:n], server) })
		}
	})
	return h
}

// relayTCP copies one connection both ways, message by message from the
// client, holding the first UPDATE.
func (h *updateHold) relayTCP(c net.Conn, server string) {
	defer c.Close()
	s, err := net.DialTimeout("tcp", server, 5*time.Second)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(c, s); c.Close() }()
	for {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		if len(msg) > 2 && (msg[2]>>3)&0xf == dns.OpcodeUpdate {
			h.once.Do(func() {
				close(h.held)
				<-h.released
			})
		}
		if _, err := s.Write(append(n[:], msg...)); err != nil {
			return
		}
	}
}

// relayUDP forwards one query and its answer.
func relayUDP(pc net.PacketConn, from net.Addr, q []byte, server string) {
	s, err := net.Dial("udp", server)
	if err != nil {
		return
	}
	defer s.Close()
	if _, err := s.Write(q); err != nil {
		return
	}
	_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65535)
	n, err := s.Read(buf)
	if err != nil {
		return
	}
	_, _ = pc.WriteTo(buf[:n], from)
}

// waitHeld waits until the writer's first UPDATE is held.
func (h *updateHold) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-h.held:
	case <-time.After(15 * time.Second):
		t.Fatal("the writer sent no UPDATE through the relay")
	}
}

// release lets the held UPDATE (and every later one) through.
func (h *updateHold) release() {
	select {
	case <-h.released:
	default:
		close(h.released)
	}
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
