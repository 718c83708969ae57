//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// proc is a subprocess the harness started, its output in a log file.
type proc struct {
	name    string // "coredns (floor)", "dnssync", ...
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when it has exited
	waitErr error

	stopOnce sync.Once
}

// procs is every process started and not yet stopped, so that an error or
// a signal can stop them all.
var procs = struct {
	sync.Mutex
	live map[*proc]bool
}{live: map[*proc]bool{}}

// startProc starts bin with args, stdout and stderr to logPath. It runs in
// its own process group (a Ctrl-C reaches the harness, which stops it) and
// is killed if the harness dies without stopping it.
func startProc(name, logPath, bin string, args ...string) (*proc, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Dir(logPath)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	procs.Lock()
	procs.live[p] = true
	procs.Unlock()
	go func() {
		p.waitErr = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) {
	select {
	case <-p.done:
		if p.waitErr == nil {
			return true, errors.New("exited with status 0")
		}
		return true, p.waitErr
	default:
		return false, nil
	}
}

// stop ends the process: SIGTERM, then SIGKILL after 10 s. Safe to call
// more than once.
func (p *proc) stop() {
	p.stopOnce.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
		procs.Lock()
		delete(procs.live, p)
		procs.Unlock()
	})
}

// stopAll stops every process still running.
func stopAll() {
	procs.Lock()
	var all []*proc
	for p := range procs.live {
		all = append(all, p)
	}
	procs.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
}

// logTail is the end of the process's output, for error messages.
func (p *proc) logTail() string { return fileTail(p.logPath, 3000) }

func fileTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	off := max(st.Size()-n, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return fmt.Sprintf("(%v)", err)
	}
	s := strings.TrimRight(string(b), "\n")
	if off > 0 {
		s = "..." + s
	}
	if s == "" {
		return "(no output)"
	}
	return s
}

// logSize is how much the process has written so far: an offset to read
// its later output from.
func (p *proc) logSize() int64 {
	st, err := os.Stat(p.logPath)
	if err != nil {
		return 0
	}
	return st.Size()
}

// logSince is what the process wrote after offset.
func (p *proc) logSince(offset int64) (string, error) {
	f, err := os.Open(p.logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "", err
	}
	b, err := io.ReadAll(f)
	return string(b), err
}

// coreDNS is a running CoreDNS.
type coreDNS struct {
	*proc
	addr string // 127.0.0.1:PORT
	dir  string
}

// startCoreDNS writes files into dir (PORT in each replaced by a free
// port; the Corefile must be among them) and starts CoreDNS there,
// returning once it answers.
func startCoreDNS(ctx context.Context, bin, name, dir string, files map[string]string) (*coreDNS, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		for fname, content := range files {
			content = strings.ReplaceAll(content, "PORT", fmt.Sprint(port))
			if err := os.WriteFile(filepath.Join(dir, fname), []byte(content), 0o644); err != nil {
				return nil, err
			}
		}
		p, err := startProc(name, filepath.Join(dir, "coredns.log"), bin, "-conf", filepath.Join(dir, "Corefile"))
		if err != nil {
			return nil, err
		}
		c := &coreDNS{proc: p, addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir}
		if lastErr = c.waitAnswers(ctx); lastErr == nil {
			return c, nil
		}
		p.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("%s: %w", name, lastErr)
}

// waitAnswers waits up to 10 s for anything to answer DNS on the port.
func (c *coreDNS) waitAnswers(ctx context.Context) error {
	m := new(dns.Msg)
	m.SetQuestion("health.check.invalid.", dns.TypeSOA)
	cl := &dns.Client{Timeout: 200 * time.Millisecond}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := c.exited(); ok {
			return fmt.Errorf("exited at start (%v): %s", err, c.logTail())
		}
		if _, _, err := cl.Exchange(m, c.addr); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("did not answer on %s within 10s: %s", c.addr, c.logTail())
}

// freePort finds a port free for both UDP and TCP on 127.0.0.1.
func freePort() (int, error) {
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free loopback port")
}

// startDnssync starts `dnssync run` with the config; its log goes to
// dnssync.log beside the config.
func startDnssync(bin, config string) (*proc, error) {
	return startProc("dnssync", filepath.Join(filepath.Dir(config), "dnssync.log"), bin, "run", "--config", config)
}
