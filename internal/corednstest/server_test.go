package corednstest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const seed = `example.org. 60 IN SOA ns.example.org. hostmaster.example.org. 7 3600 600 86400 60
example.org. 60 IN NS ns.example.org.
ns.example.org. 60 IN A 192.0.2.53
`

// soaSerial asks addr for example.org's SOA serial.
func soaSerial(addr string) (uint32, error) {
	m := new(dns.Msg)
	m.SetQuestion("example.org.", dns.TypeSOA)
	in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	if err != nil {
		return 0, err
	}
	for _, rr := range in.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, errors.New("no SOA in the answer: " + dns.RcodeToString[in.Rcode])
}

// gone reports whether no process has the PID any more.
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// Start returns a CoreDNS that serves its zone files; Stop ends that very
// process (by PID) and a second Stop does nothing.
func TestStartServesAndStops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "db.example.org"), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start(t, AutoCorefile(dir))
	if serial, err := soaSerial(s.Addr); err != nil || serial != 7 {
		t.Fatalf("SOA serial %d (%v), want 7", serial, err)
	}
	pid := s.Process().PID()
	s.Stop()
	if !gone(pid) {
		t.Errorf("process %d still there after Stop", pid)
	}
	if s.Process() != nil {
		t.Error("a stopped server still has a process")
	}
	s.Stop()
	if _, err := soaSerial(s.Addr); err == nil {
		t.Error("a stopped server still answers")
	}
}

// A server that exits at start is reported at once with its own words, not
// after the start deadline.
func TestLaunchReportsExitAtStart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := Launch(context.Background(), Spec{Kind: CoreDNS, Bin: Binary(t), Dir: t.TempDir(), Conf: ".:PORT {\n    no_such_plugin\n}\n"})
	if err == nil {
		t.Fatal("Launch of a broken Corefile succeeded")
	}
	if !strings.Contains(err.Error(), "exited at start") || !strings.Contains(err.Error(), "no_such_plugin") {
		t.Errorf("error does not say it exited and why: %v", err)
	}
	if took := time.Since(start); took > startDeadline {
		t.Errorf("took %v: it waited for the deadline instead of seeing the exit", took)
	}
}

// Restart is a new process on the same port, serving the original files.
func TestRestartSamePort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "db.example.org"), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start(t, AutoCorefile(dir))
	addr, pid := s.Addr, s.Process().PID()
	s.Restart(t)
	if s.Addr != addr || s.Process().PID() == pid || !gone(pid) {
		t.Fatalf("restart: addr %s (was %s), pid %d (was %d, gone %v)", s.Addr, addr, s.Process().PID(), pid, gone(pid))
	}
	if serial, err := soaSerial(s.Addr); err != nil || serial != 7 {
		t.Errorf("after restart: SOA serial %d (%v), want 7", serial, err)
	}
}

// Each primary serves the seed and takes an UPDATE signed with the key, as
// the rfc2136 backend sends it.
func TestUpdatePrimaries(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{CoreDNS, BIND, Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			secret := make([]byte, 32)
			rand.Read(secret)
			z := UpdateZone{Zone: "example.org", Seed: seed, KeyName: "dnssync.", Secret: base64.StdEncoding.EncodeToString(secret), MaxRecords: 500}
			s := StartUpdatePrimary(t, k, z)
			if serial, err := soaSerial(s.Addr); err != nil || serial != 7 {
				t.Fatalf("SOA serial %d (%v), want 7", serial, err)
			}
			rr, _ := dns.NewRR("web.example.org. 300 IN A 192.0.2.10")
			m := new(dns.Msg)
			m.SetUpdate("example.org.")
			m.Insert([]dns.RR{rr})
			m.SetTsig(z.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
			c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{z.KeyName: z.Secret}, Timeout: 5 * time.Second}
			if in, _, err := c.Exchange(m, s.Addr); err != nil || in.Rcode != dns.RcodeSuccess {
				t.Fatalf("signed UPDATE: %v %v", err, in)
			}
			q := new(dns.Msg)
			q.SetQuestion("web.example.org.", dns.TypeA)
			in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(q, s.Addr)
			if err != nil || len(in.Answer) != 1 || in.Answer[0].String() != rr.String() {
				t.Errorf("after the UPDATE: %v %v, want %s", err, in, rr)
			}
		})
	}
}

// Stop asks with SIGTERM first and kills only a process that ignores it.
func TestProcessStop(t *testing.T) {
	t.Parallel()
	polite, err := StartProcess("sleep", exec.Command("sleep", "60"), &SyncBuffer{})
	if err != nil {
		t.Fatal(err)
	}
	if killed := polite.Stop(10 * time.Second); killed {
		t.Error("a process that exits on SIGTERM was killed")
	}
	if ok, err := polite.Exited(); !ok || !strings.Contains(err.Error(), "terminated") {
		t.Errorf("Exited() = %v, %v; want ended by SIGTERM", ok, err)
	}

	// sh ignores SIGTERM and waits on its stdin, which stays open.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd := exec.Command("sh", "-c", `trap "" TERM; echo ready; read x`)
	cmd.Stdin = r
	out := &SyncBuffer{}
	stubborn, err := StartProcess("sh", cmd, out)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "ready") { // the trap is set
		if time.Now().After(deadline) {
			t.Fatal("sh never got ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if killed := stubborn.Stop(100 * time.Millisecond); !killed {
		t.Error("a process ignoring SIGTERM was not killed")
	}
	if !gone(stubborn.PID()) || stubborn.ExitCode() != -1 {
		t.Errorf("after the kill: pid gone %v, exit code %d", gone(stubborn.PID()), stubborn.ExitCode())
	}
}
