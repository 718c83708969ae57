package corednstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is a program the harness (or a test) started. It is stopped by
// its PID, never by name: other servers of the same name may run beside
// it, the machine's own among them.
type Process struct {
	Name string // for messages: "coredns", "coredns (floor)", "dnssync"
	cmd  *exec.Cmd
	done chan struct{}
	err  error // what Wait returned; read only after done is closed
}

// StartProcess starts cmd with its stdout and stderr going to out. The
// process gets a process group of its own (a Ctrl-C reaches the harness,
// which stops what it started) and, on Linux, is killed if the harness dies
// without stopping it; SysProcAttr the caller set (credentials) is kept.
func StartProcess(name string, cmd *exec.Cmd, out io.Writer) (*Process, error) {
	cmd.Stdout, cmd.Stderr = out, out
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, cmd.Path, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the process's ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and been waited for.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended and, if so, how: an exit
// status of 0 is an error too, since the harness only starts processes
// that should run until stopped.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		if p.err == nil {
			return true, errors.New("exited with status 0")
		}
		return true, p.err
	default:
		return false, nil
	}
}

// ExitCode is the exit status once the process has exited, -1 before or
// when a signal ended it.
func (p *Process) ExitCode() int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// Signal sends sig to the process, by its PID.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM and waits up to grace for the process to exit, then
// kills it. It reports whether it had to kill. Calling it again, or after
// the process exited on its own, only waits for the exit.
func (p *Process) Stop(grace time.Duration) (killed bool) {
	select {
	case <-p.done:
		return false
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM) // an error means it has exited: done follows
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return false
	case <-timer.C:
		p.cmd.Process.Kill()
		<-p.done
		return true
	}
}

// SyncBuffer is a bytes.Buffer safe for a process writing its output and a
// test reading it at once.
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
