// Package corednstest starts real DNS servers on a loopback port for
// end-to-end tests: the pinned CoreDNS binary, and BIND's named and Knot's
// knotd where a test targets them. There are no fakes: a missing binary fails the test and says
// how to get it.
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

// Server is a running DNS server.
type Server struct {
	Addr string // 127.0.0.1:PORT
	Port int

	tb      testing.TB
	dir     string            // where its files live, kept across restarts
	files   map[string]string // name -> content, PORT and DIR replaced
	command func(dir string) *exec.Cmd
	mu      sync.Mutex
	cmd     *exec.Cmd
	out     *SyncBuffer
	done    chan struct{}
}

// Start writes the Corefile and starts CoreDNS, returning once it answers.
// PORT in the Corefile becomes a free port, DIR the server's own directory.
// It is stopped at test cleanup.
func Start(tb testing.TB, corefile string) *Server {
	tb.Helper()
	return StartFiles(tb, map[string]string{"Corefile": corefile})
}

// StartFiles starts CoreDNS with "Corefile" and the other files given (seed
// zones), PORT and DIR replaced in each.
func StartFiles(tb testing.TB, files map[string]string) *Server {
	tb.Helper()
	bin := Binary(tb)
	return startServer(tb, files, func(dir string) *exec.Cmd {
		return exec.Command(bin, "-conf", filepath.Join(dir, "Corefile"))
	})
}

// StartBIND starts named in the foreground with named.conf and the other
// files given (zone files), PORT and DIR replaced as in Start.
func StartBIND(tb testing.TB, namedConf string, files map[string]string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("named")
	if err != nil {
		bin = "/usr/sbin/named"
		if _, err := os.Stat(bin); err != nil {
			tb.Fatalf("BIND's named not found: apt-get install bind9 (.ci/run does)")
		}
	}
	all := map[string]string{"named.conf": namedConf}
	for k, v := range files {
		all[k] = v
	}
	return startServer(tb, all, func(dir string) *exec.Cmd {
		return exec.Command(bin, "-g", "-4", "-c", filepath.Join(dir, "named.conf"))
	})
}

// StartKnot starts knotd in the foreground with knot.conf and the other
// files given, PORT and DIR replaced as in Start.
func StartKnot(tb testing.TB, knotConf string, files map[string]string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("knotd")
	if err != nil {
		bin = "/usr/sbin/knotd"
		if _, err := os.Stat(bin); err != nil {
			tb.Fatalf("Knot's knotd not found: apt-get install knot (.ci/run does)")
		}
	}
	all := map[string]string{"knot.conf": knotConf}
	for k, v := range files {
		all[k] = v
	}
	return startServer(tb, all, func(dir string) *exec.Cmd {
		return exec.Command(bin, "-c", filepath.Join(dir, "knot.conf"))
	})
}

func startServer(tb testing.TB, files map[string]string, command func(dir string) *exec.Cmd) *Server {
	tb.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(tb)
		s := &Server{tb: tb, Port: port, Addr: fmt.Sprintf("127.0.0.1:%d", port), dir: tb.TempDir(), command: command}
		s.files = map[string]string{}
		for name, content := range files {
			content = strings.ReplaceAll(content, "PORT", fmt.Sprint(port))
			s.files[name] = strings.ReplaceAll(content, "DIR", s.dir)
		}
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("start DNS server: %v", lastErr)
	return nil
}

// Dir is the server's working directory, where its files are.
func (s *Server) Dir() string { return s.dir }

// start writes the files afresh (a restart starts from them again, losing
// whatever the server did not persist elsewhere) and runs the server.
func (s *Server) start() error {
	for name, content := range s.files {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	cmd := s.command(s.dir)
	cmd.Dir = s.dir
	out := &SyncBuffer{}
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
			return fmt.Errorf("%s exited at start: %s", cmd.Path, out.String())
		default:
		}
		if s.answers() {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("%s did not answer on %s within 10s: %s", cmd.Path, s.Addr, out.String())
}

// answers reports whether anything answers DNS on the port.
func (s *Server) answers() bool {
	m := new(dns.Msg)
	m.SetQuestion("health.check.invalid.", dns.TypeSOA)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	_, _, err := c.Exchange(m, s.Addr)
	return err == nil
}

// Stop terminates the server and waits for it.
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
		s.tb.Logf("%s output:\n%s", cmd.Path, s.out.String())
	}
}

// Restart stops the server and starts it again on the same port, from its
// original files.
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
	s.tb.Fatalf("restart DNS server: %v", err)
}

// Log returns what the server printed so far.
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

// SyncBuffer is a bytes.Buffer safe for a process's output and a test
// reading it at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
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
