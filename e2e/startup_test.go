package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// An API address that cannot be bound is a start-up error: the daemon
// exits non-zero before its first pass, naming the address and why,
// instead of running on with no /healthz and no /metrics.
func TestStartupAPIAddressTaken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	e.cfg.API = &corednstest.API{Listen: addr}
	e.writeConfig()

	d := e.start()
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("dnssync still running 15s after start with its API address %s taken", addr)
	}
	if code := d.cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("exit code 0, want non-zero")
	}
	// Said as every command says a failure: "dnssync: run: <why>".
	log := d.out.String()
	if !strings.Contains(log, "dnssync: run: ") || !strings.Contains(log, addr) || !strings.Contains(log, "address already in use") {
		t.Errorf("stderr does not say \"dnssync: run: \" with the address %s and the reason:\n%s", addr, log)
	}
	if strings.Contains(log, "first pass done") {
		t.Errorf("a pass ran before the API address was bound:\n%s", log)
	}
}
