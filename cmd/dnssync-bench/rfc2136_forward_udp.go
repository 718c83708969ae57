//go:build linux

package main

import (
	"net"
	"time"
)

// readUDP relays each datagram through a socket of the client's own, so
// that the server's answers find their way back.
func (f *forwarder) readUDP() {
	defer f.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, from, err := f.udp.ReadFromUDP(buf)
		if err != nil {
			return
		}
		msg := append([]byte(nil), buf[:n]...)
		f.note(msg, time.Now()) // an UPDATE over UDP is seen, if not timed
		f.mu.Lock()
		up := f.clients[from.String()]
		if up == nil {
			ua, _ := net.ResolveUDPAddr("udp", f.upstream)
			if up, err = net.DialUDP("udp", nil, ua); err != nil {
				f.mu.Unlock()
				continue
			}
			f.clients[from.String()] = up
			f.wg.Add(1)
			go f.answerUDP(up, from)
		}
		f.mu.Unlock()
		up.Write(msg)
	}
}

// udpIdle is how long a client's socket to the server is kept without an
// answer on it: resolvers use a new port per query.
const udpIdle = 5 * time.Second

func (f *forwarder) answerUDP(up *net.UDPConn, client *net.UDPAddr) {
	defer f.wg.Done()
	defer func() {
		f.mu.Lock()
		if f.clients[client.String()] == up {
			delete(f.clients, client.String())
		}
		f.mu.Unlock()
		up.Close()
	}()
	buf := make([]byte, 65535)
	for {
		up.SetReadDeadline(time.Now().Add(udpIdle))
		n, err := up.Read(buf)
		if err != nil {
			return
		}
		if _, err := f.udp.WriteToUDP(buf[:n], client); err != nil {
			return
		}
	}
}
