package corednstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// FreePort finds a port free for both UDP and TCP on 127.0.0.1. Another
// process may take it before the server binds it; Launch tries again with
// a new port when a start fails.
func FreePort() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free loopback port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		free := udpFree(port)
		l.Close()
		if free {
			return port, nil
		}
	}
	return 0, errors.New("find a free loopback port: none free for both TCP and UDP in 50 tries")
}

// portFree reports whether port can be bound on 127.0.0.1 for TCP and UDP.
func portFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	defer l.Close()
	return udpFree(port)
}

func udpFree(port int) bool {
	u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	u.Close()
	return true
}

// waitPortFree polls until port can be bound again (a stopped server's
// sockets may linger a moment), or until within has passed.
func waitPortFree(ctx context.Context, port int, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !portFree(port) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("port %d still in use after %v: %w", port, within, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}
