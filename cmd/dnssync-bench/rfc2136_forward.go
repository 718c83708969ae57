//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// forwarder stands between dnssync and the server of an rfc2136 row: it
// relays DNS over TCP and UDP on a loopback port of its own to the server
// and notes every UPDATE it relays, so that the harness sees when
// dnssync's UPDATE reached the wire (its own share of a change ends
// there), how the cold sync was batched, and how long the server took to
// answer each message. It parses only the 12-byte header; everything else
// passes through untouched, TSIG included.
type forwarder struct {
	addr     string // 127.0.0.1:PORT, dnssync's backend.server
	upstream string
	tcp      net.Listener
	udp      *net.UDPConn

	mu        sync.Mutex
	updates   []updateSeen
	transfers []time.Time             // when each AXFR or IXFR request arrived
	clients   map[string]*net.UDPConn // by the client's address
	wg        sync.WaitGroup
}

// transfersBetween counts the zone transfers asked for from a to b.
func (f *forwarder) transfersBetween(a, b time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.transfers {
		if !t.Before(a) && t.Before(b) {
			n++
		}
	}
	return n
}

// answeredFrom is the UPDATEs that arrived at or after t, once the
// server answered them all: a record can be served before the answer
// to the UPDATE that added it is relayed.
func (f *forwarder) answeredFrom(ctx context.Context, t time.Time, within time.Duration) ([]updateSeen, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		us := updatesFrom(f.seen(), t)
		if !slices.ContainsFunc(us, func(u updateSeen) bool { return u.answered.IsZero() }) {
			return us, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("an UPDATE relayed to %s not answered within %v: %w", f.upstream, within, ctx.Err())
		case <-tick.C:
		}
	}
}

// startForwarder listens on a free loopback port (TCP and UDP) and relays
// to upstream until closed.
func startForwarder(upstream string) (*forwarder, error) {
	var errs []error
	for range 5 {
		port, err := corednstest.FreePort()
		if err != nil {
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ua, _ := net.ResolveUDPAddr("udp", addr)
		u, err := net.ListenUDP("udp", ua)
		if err != nil {
			l.Close()
			errs = append(errs, err)
			continue
		}
		f := &forwarder{addr: addr, upstream: upstream, tcp: l, udp: u, clients: map[string]*net.UDPConn{}}
		f.wg.Add(2)
		go f.acceptTCP()
		go f.readUDP()
		return f, nil
	}
	return nil, fmt.Errorf("forwarder to %s: no port: %w", upstream, errors.Join(errs...))
}

// close stops listening and waits for the relays to end.
func (f *forwarder) close() {
	f.tcp.Close()
	f.udp.Close()
	f.mu.Lock()
	for _, c := range f.clients {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// seen is every UPDATE relayed so far, in the order they arrived.
func (f *forwarder) seen() []updateSeen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]updateSeen(nil), f.updates...)
}

// note records an UPDATE that arrived at t and returns its index.
func (f *forwarder) note(msg []byte, t time.Time) (int, bool) {
	records, prereqs, ok := updateHeader(msg)
	if !ok {
		return 0, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, updateSeen{at: t, records: records, prereqs: prereqs, bytes: len(msg)})
	return len(f.updates) - 1, true
}

func (f *forwarder) mark(i int, set func(u *updateSeen)) {
	f.mu.Lock()
	set(&f.updates[i])
	f.mu.Unlock()
}

func (f *forwarder) acceptTCP() {
	defer f.wg.Done()
	for {
		c, err := f.tcp.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go f.relayTCP(c)
	}
}

// relayTCP relays one connection message by message: each request as it
// arrives, each answer to an UPDATE timed by its ID.
func (f *forwarder) relayTCP(c net.Conn) {
	defer f.wg.Done()
	defer c.Close()
	up, err := net.Dial("tcp", f.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	var mu sync.Mutex
	pending := map[uint16]int{} // UPDATE IDs awaiting their answer -> index in f.updates
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.Close() // the server hung up: so does the relay
		for {
			msg, _, err := readTCPMsg(up)
			if err != nil {
				return
			}
			t := time.Now()
			if len(msg) >= 4 {
				id := binary.BigEndian.Uint16(msg)
				mu.Lock()
				i, ok := pending[id]
				delete(pending, id)
				mu.Unlock()
				if ok {
					f.mark(i, func(u *updateSeen) { u.answered, u.rcode = t, int(msg[3]&0xf) })
				}
			}
			if writeTCPMsg(c, msg) != nil {
				return
			}
		}
	}()
	for {
		msg, at, err := readTCPMsg(c)
		if err != nil {
			break
		}
		i, isUpdate := f.note(msg, at)
		if isTransfer(msg) {
			f.mu.Lock()
			f.transfers = append(f.transfers, at)
			f.mu.Unlock()
		}
		if isUpdate {
			mu.Lock()
			pending[binary.BigEndian.Uint16(msg)] = i
			mu.Unlock()
			f.mark(i, func(u *updateSeen) { u.sent = time.Now() })
		}
		if writeTCPMsg(up, msg) != nil {
			break
		}
	}
	up.Close()
	<-done
}

// readTCPMsg reads one length-prefixed message and when its first bytes
// arrived.
func readTCPMsg(r io.Reader) ([]byte, time.Time, error) {
	var n [2]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, time.Time{}, err
	}
	at := time.Now()
	msg := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, at, err
	}
	return msg, at, nil
}

func writeTCPMsg(w io.Writer, msg []byte) error {
	buf := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(buf, uint16(len(msg)))
	copy(buf[2:], msg)
	_, err := w.Write(buf)
	return err
}
