package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// refusedBy is the error net.Dialer gives when the kernel refuses to
// connect: EPERM is what the unit's IPAddressDeny= gives, ECONNREFUSED a
// host with nothing listening.
func refusedBy(errno syscall.Errno, addr string) error {
	a, _ := net.ResolveTCPAddr("tcp", addr)
	return &net.OpError{Op: "dial", Net: "tcp", Addr: a, Err: os.NewSyscallError("connect", errno)}
}

// A server the unit's IP filter refuses fails the check, with the
// drop-in that allows it; a server that is only down is a warning (the
// daemon copes with outages). Under systemd check-config runs in the
// daemon's sandbox, so what the kernel refuses it, it refuses the daemon:
// before this check it passed and the daemon failed every pass with
// "connect: operation not permitted".
func TestCheckDNSReachNamesTheDropIn(t *testing.T) {
	t.Parallel()
	dial := func(_ context.Context, _, addr string) (net.Conn, error) {
		switch addr {
		case "192.0.2.53:53":
			return nil, refusedBy(syscall.EPERM, addr)
		case "[2001:db8::53]:53":
			return nil, refusedBy(syscall.EPERM, addr)
		case "127.0.0.1:1":
			return nil, refusedBy(syscall.ECONNREFUSED, addr)
		}
		c1, c2 := net.Pipe()
		c2.Close()
		return c1, nil
	}
	var stderr bytes.Buffer
	err := checkDNSReach(context.Background(), []dnsTarget{
		{"orchestrator.dns.coredns_url", "127.0.0.1:53"},
		{"backend.server", "192.0.2.53:53"},
		{"verify.nameservers", "[2001:db8::53]:53"},
		{"verify.nameservers", "127.0.0.1:1"},
	}, dial, &stderr)
	if err == nil {
		t.Fatal("passed with servers the kernel refuses")
	}
	for _, want := range []string{"backend.server 192.0.2.53:53", "IPAddressAllow=192.0.2.53", "IPAddressAllow=2001:db8::53",
		"systemctl edit dnssync", "[Service]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error %q names a server that is only down", err)
	}
	if got := stderr.String(); !strings.Contains(got, "warning: verify.nameservers 127.0.0.1:1") || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr %q, want one warning, for the server that is down", got)
	}

	stderr.Reset()
	if err := checkDNSReach(context.Background(), []dnsTarget{{"verify.nameservers", "127.0.0.1:1"}}, dial, &stderr); err != nil {
		t.Errorf("a server that is down: %v, want a warning only", err)
	}
}

// Only a network operation's EPERM is the IP filter: a file operation's
// (the unit's SystemCallErrorNumber=EPERM) is not given the hint.
func TestIPDeniedIsANetworkRefusal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connect EPERM", refusedBy(syscall.EPERM, "192.0.2.1:53"), true},
		{"wrapped connect EPERM", errors.Join(errors.New("axfr example.com"), refusedBy(syscall.EPERM, "192.0.2.1:53")), true},
		{"connection refused", refusedBy(syscall.ECONNREFUSED, "192.0.2.1:53"), false},
		{"file EPERM", &os.PathError{Op: "chown", Path: "/x", Err: syscall.EPERM}, false},
		{"nil", nil, false},
	} {
		if got := ipDenied(c.err); got != c.want {
			t.Errorf("%s: ipDenied %v, want %v", c.name, got, c.want)
		}
	}
}

// At run time a zone whose server the filter refuses carries the same
// hint, for the log, /readyz and the status line; the reconciler's own
// result is not changed under it.
func TestHintIPDeniedInPassResult(t *testing.T) {
	t.Parallel()
	denied := refusedBy(syscall.EPERM, "192.0.2.53:53")
	down := refusedBy(syscall.ECONNREFUSED, "127.0.0.1:53")
	in := reconcile.Result{Zones: []reconcile.ZoneResult{{Err: denied}, {Err: down}, {}}}
	out := hintIPDenied(in)
	if !errors.Is(out.Zones[0].Err, syscall.EPERM) || !strings.Contains(out.Zones[0].Err.Error(), "IPAddressAllow=192.0.2.53") {
		t.Errorf("denied zone's error %q, want the hint, still wrapping EPERM", out.Zones[0].Err)
	}
	if out.Zones[1].Err != down || out.Zones[2].Err != nil {
		t.Errorf("other zones changed: %v, %v", out.Zones[1].Err, out.Zones[2].Err)
	}
	if in.Zones[0].Err != denied {
		t.Error("the reconciler's result was changed")
	}
}

// check-config opens the audit file and binds the API's address as the
// daemon will. Under the unit (ProtectSystem=strict) a file under
// /var/log or a socket in /run failed the daemon at start after
// check-config had passed.
func TestCheckConfigAuditAndListen(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	for _, c := range []struct {
		name       string
		audit      string // relative to the test's dir
		listen     string // {dir} is the test's dir
		want, note string // in stderr; want "" passes
	}{
		{name: "audit file in a writable dir", audit: "log/audit.log", listen: "127.0.0.1:0"},
		{name: "audit file where none can be made", audit: "file/audit.log", listen: "127.0.0.1:0", want: "[audit] file"},
		{name: "socket in a writable dir", listen: "unix:{dir}/run/api.sock"},
		{name: "socket where none can be made", listen: "unix:{dir}/file/api.sock", want: "api.listen unix:"},
		{name: "address in use: the running daemon's", listen: busy.Addr().String(), note: "note: api.listen " + busy.Addr().String() + " is in use"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, d := range []string{"records.d", "zones", "state", "log", "run"} {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "config.toml")
			conf := corednstest.Config{
				DNS:     corednstest.DNS{Addr: "127.0.0.1:1"},
				Records: corednstest.Records{Dir: filepath.Join(dir, "records.d")},
				Backend: corednstest.Backend{ZoneDir: filepath.Join(dir, "zones"), StateDir: filepath.Join(dir, "state")},
				API:     &corednstest.API{Listen: strings.ReplaceAll(c.listen, "{dir}", dir)},
				Zones:   []string{"example.com"},
			}
			if c.audit != "" {
				conf.Audit.File = filepath.Join(dir, c.audit)
			}
			if err := conf.Write(cfg); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runArgs(t, "check-config", "--config", cfg)
			if c.want == "" {
				if code != exitOK || !strings.Contains(stderr, c.note) {
					t.Errorf("exit %d, stderr %q; want it to pass, saying %q", code, stderr, c.note)
				}
				if entries, _ := os.ReadDir(filepath.Join(dir, "run")); len(entries) != 0 {
					t.Errorf("the socket probe was left behind: %v", entries)
				}
				return
			}
			if code != exitError || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d naming %q", code, stderr, exitError, c.want)
			}
		})
	}
}
