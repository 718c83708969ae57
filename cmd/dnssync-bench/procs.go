//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// proc is a process the bench started, a DNS server or dnssync, with its
// output in a log file. corednstest starts and stops it; the bench keeps
// the list of what is running and reads the logs.
type proc struct {
	name    string // "coredns (floor)", "dnssync", ...
	p       *corednstest.Process
	logPath string
	halt    func()      // stops it by its PID
	ready   *readyWatch // dnssync's sd_notify; nil for a DNS server

	stopOnce sync.Once
}

// procs is every process started and not yet stopped, so that an error or
// a signal can stop them all.
var procs = struct {
	sync.Mutex
	live map[*proc]bool
}{live: map[*proc]bool{}}

func track(p *proc) *proc {
	procs.Lock()
	procs.live[p] = true
	procs.Unlock()
	return p
}

func (p *proc) pid() int { return p.p.PID() }

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) { return p.p.Exited() }

// pause stops the process (SIGSTOP) until resume is called (SIGCONT;
// safe to call more than once). A paused server uses no CPU and keeps its
// memory: each cold start is measured with the other side's CoreDNS
// paused. Left running, the floor's CoreDNS, which holds every zone by
// then, took about half a core from dnssync's cold start over 10,000
// zones (its reload ticks open each zone's file every second).
func (p *proc) pause() (resume func(), err error) {
	if err := syscall.Kill(p.pid(), syscall.SIGSTOP); err != nil {
		return nil, fmt.Errorf("pause %s (pid %d): %w", p.name, p.pid(), err)
	}
	var once sync.Once
	return func() { once.Do(func() { _ = syscall.Kill(p.pid(), syscall.SIGCONT) }) }, nil
}

// stop ends the process: SIGTERM, then SIGKILL after a grace period. Safe
// to call more than once.
func (p *proc) stop() {
	p.stopOnce.Do(func() {
		p.halt()
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
		wg.Go(p.stop)
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
}

// startCoreDNS starts CoreDNS (the bench's binary) from spec in dir,
// returning once it answers.
func startCoreDNS(ctx context.Context, bin, name, dir string, spec corednstest.Spec) (*coreDNS, error) {
	spec.Kind, spec.Bin, spec.Name, spec.Dir = corednstest.CoreDNS, bin, name, dir
	s, err := corednstest.Launch(ctx, spec)
	if err != nil {
		return nil, err
	}
	p := track(&proc{name: name, p: s.Process(), logPath: s.LogPath(), halt: s.Stop})
	return &coreDNS{proc: p, addr: s.Addr}, nil
}

// startDnssync starts `dnssync run` with the config at path; its log goes
// to dnssync.log beside the config, its sd_notify to the proc's ready.
func startDnssync(bin, path string) (*proc, error) {
	dir := filepath.Dir(path)
	logPath := filepath.Join(dir, "dnssync.log")
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child has its own copy
	ready, err := listenReady(dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", "--config", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), ready.env())
	p, err := corednstest.StartProcess("dnssync", cmd, out)
	if err != nil {
		ready.close()
		return nil, err
	}
	halt := func() {
		p.Stop(10 * time.Second)
		ready.close()
	}
	return track(&proc{name: "dnssync", p: p, logPath: logPath, halt: halt, ready: ready}), nil
}
