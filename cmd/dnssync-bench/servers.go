//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// startServer starts a DNS server of spec's kind (CoreDNS: the bench's
// binary) in dir, returning once it answers.
func startServer(ctx context.Context, coredns, name, dir string, spec corednstest.Spec) (*coreDNS, error) {
	spec.Name, spec.Dir = name, dir
	if spec.Kind == corednstest.CoreDNS {
		spec.Bin = coredns
	}
	s, err := corednstest.Launch(ctx, spec)
	if err != nil {
		return nil, err
	}
	p := track(&proc{name: name, p: s.Process(), logPath: s.LogPath(), halt: s.Stop})
	return &coreDNS{proc: p, addr: s.Addr}, nil
}

// restartPrimary starts CoreDNS again on addr, serving the zone files in
// zones as before but allowing transfers to the secondaries only, which
// makes it NOTIFY them when it loads a new serial. The port was the
// stopped primary's a moment ago, so a start that fails is tried again.
func (b *bench) restartPrimary(addr, dir, zones, zone string, secs []*coreDNS) (*coreDNS, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "Corefile.floor")
	text := strings.ReplaceAll(corednstest.AutoCorefileTo(zones, addrs(secs)...), "PORT", port)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "coredns-floor.log")
	var errs []string
	for range 5 {
		out, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		p, err := corednstest.StartProcess("coredns (floor primary)", exec.Command(b.coredns, "-conf", conf), out)
		out.Close() // the child has its own copy
		if err != nil {
			return nil, err
		}
		if err = corednstest.WaitAnswers(b.ctx, addr, p, 10*time.Second, zone); err == nil {
			return &coreDNS{proc: track(&proc{name: "coredns (floor primary)", p: p, logPath: logPath, halt: func() { p.Stop(5 * time.Second) }}), addr: addr}, nil
		}
		p.Stop(5 * time.Second)
		errs = append(errs, err.Error())
		if b.ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("restart the primary on %s with the floor's Corefile: %s; its log:\n%s", addr, strings.Join(errs, "; "), fileTail(logPath, 3000))
}

// soaSerial is the serial addr serves for zone.
func soaSerial(ctx context.Context, addr, zone string) (uint32, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).ExchangeContext(ctx, m, addr)
	if err != nil {
		return 0, fmt.Errorf("SOA of %s from %s: %w", zone, addr, err)
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("SOA of %s from %s: none in the answer (%s)", zone, addr, dns.RcodeToString[r.Rcode])
}
