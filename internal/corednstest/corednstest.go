// Package corednstest starts the pinned, real CoreDNS binary on a loopback
// port for end-to-end tests. There is no fake: if the binary is missing the
// test fails and says how to build it.
package corednstest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Binary returns the path of the CoreDNS binary: $DNSSYNC_COREDNS, or bin/coredns
// at the module root.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("DNSSYNC_COREDNS"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "coredns")
			if _, err := os.Stat(p); err != nil {
				tb.Fatalf("CoreDNS binary %s not found: run `make coredns` (or `make test`, which builds it)", p)
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("module root not found")
		}
		dir = parent
	}
}

// Server is a running CoreDNS.
type Server struct {
	Addr string // 127.0.0.1:PORT
	Port int

	tb       testing.TB
	corefile string
	mu       sync.Mutex
	cmd      *exec.Cmd
	out      *syncBuffer
	done     chan struct{}
}

// Start writes the Corefile (PORT in it is replaced by a free port) and
// starts CoreDNS, returning once it answers. It is stopped at test cleanup.
func Start(tb testing.TB, corefile string) *Server {
	tb.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(tb)
		s := &Server{tb: tb, Port: port, Addr: fmt.Sprintf("127.0.0.1:%d", port),
			corefile: strings.ReplaceAll(corefile, "PORT", fmt.Sprint(port))}
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("start coredns: %v", lastErr)
	return nil
}

func (s *Server) start() error {
	dir := s.tb.TempDir()
	path := filepath.Join(dir, "Corefile")
	if err := os.WriteFile(path, []byte(s.corefile), 0o644); err != nil {
		return err
	}
	cmd := exec.Command(Binary(s.tb), "-conf", path)
	cmd.Dir = dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.out, s.done = cmd, out, done
	s.mu.Unlock()

	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("coredns exited at start: %s", out.String())
		default:
		}
		if s.answers() {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("coredns did not answer on %s within 10s: %s", s.Addr, out.String())
}

// answers reports whether anything answers DNS on the port.
func (s *Server) answers() bool {
	m := new(dns.Msg)
	m.SetQuestion("health.check.invalid.", dns.TypeSOA)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	_, _, err := c.Exchange(m, s.Addr)
	return err == nil
}

// Stop terminates CoreDNS and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	if s.tb.Failed() {
		s.tb.Logf("coredns output:\n%s", s.out.String())
	}
}

// Restart stops CoreDNS and starts it again on the same port.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond) // the port may linger briefly
	}
	s.tb.Fatalf("restart coredns: %v", err)
}

// Log returns what CoreDNS printed so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

// freePort finds a port free for both UDP and TCP on 127.0.0.1.
func freePort(tb testing.TB) int {
	tb.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	tb.Fatal("no free loopback port")
	return 0
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// AutoCorefile serves every db.<zone> file in dir with the auto plugin,
// reloading each second, and allows zone transfers.
func AutoCorefile(dir string) string {
	return fmt.Sprintf(`.:PORT {
    bind 127.0.0.1
    auto {
        directory %s db\.(.*) {1}
        reload 1s
    }
    transfer {
        to *
    }
}
`, dir)
}
