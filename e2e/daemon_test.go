package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// daemon is a running `dnssync run`.
type daemon struct {
	t    testing.TB
	p    *corednstest.Process
	cmd  *exec.Cmd
	out  *corednstest.SyncBuffer
	done <-chan struct{} // closed once it has exited
}

func (e *env) start() *daemon {
	e.t.Helper()
	return e.startEnv()
}

// startEnv starts the daemon with extra environment variables.
func (e *env) startEnv(environ ...string) *daemon {
	e.t.Helper()
	cmd := exec.Command(dnssyncBin, "run", "--config", e.config)
	cmd.Env = append(os.Environ(), environ...)
	return e.launch(cmd)
}

// launch starts cmd as the test's daemon: its output collected, shown if
// the test fails, and the process stopped (by its PID) when the test ends.
func (e *env) launch(cmd *exec.Cmd) *daemon {
	e.t.Helper()
	out := &corednstest.SyncBuffer{}
	p, err := corednstest.StartProcess("dnssync", cmd, out)
	if err != nil {
		e.t.Fatal(err)
	}
	d := &daemon{t: e.t, p: p, cmd: cmd, out: out, done: p.Done()}
	t := e.t
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("dnssync log:\n%s", out.String())
		}
	})
	return d
}

// in is d for the test t, as env.in.
func (d *daemon) in(t testing.TB) *daemon {
	c := *d
	c.t = t
	return &c
}

// stop sends SIGTERM and returns the exit code and how long it took.
func (d *daemon) stop() (int, time.Duration) {
	start := time.Now()
	select {
	case <-d.done:
		return d.p.ExitCode(), 0
	default:
	}
	if killed := d.p.Stop(15 * time.Second); killed {
		d.t.Errorf("dnssync did not stop within 15s of SIGTERM")
	}
	return d.p.ExitCode(), time.Since(start)
}

// waitLog polls the daemon's log until it contains s.
func (d *daemon) waitLog(s string) {
	d.t.Helper()
	d.waitLogCount(s, 1)
}

// waitLogCount polls the daemon's log until it contains s n times.
func (d *daemon) waitLogCount(s string, n int) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(d.out.String(), s) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.t.Fatalf("dnssync log never said %q %d times", s, n)
}
