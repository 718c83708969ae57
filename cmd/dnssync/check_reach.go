package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// What check-config proves beyond files: that the daemon, in the unit's
// sandbox, can open its audit trail, listen where [api] listen says, and
// reach the DNS servers it talks to. Each of these once passed
// check-config and then failed the daemon (a read-only /var/log or /run
// under ProtectSystem=strict, a remote server refused by
// IPAddressDeny=any). An unreachable server is only a warning: the daemon
// copes with outages, and a server may start after dnssync.

// reachTimeout bounds each connection check; they run side by side.
const reachTimeout = 3 * time.Second

// dialFunc is net.Dialer.DialContext; tests inject the kernel's answers.
type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// checkReach runs the checks above; notes and warnings go to stderr, and
// the error is what the daemon could not do.
func checkReach(ctx context.Context, cfg *config.Config, dial dialFunc, stderr io.Writer) error {
	if err := checkAuditFile(cfg.Audit.File); err != nil {
		return err
	}
	note, err := checkListen(cfg.API.Listen)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintf(stderr, "dnssync: note: %s\n", note)
	}
	return checkDNSReach(ctx, dnsTargets(cfg), dial, stderr)
}

// checkAuditFile opens the audit trail for appending, as the daemon and
// every CLI write do (creating it when missing): a trail that cannot be
// opened stops the daemon at start and refuses every CLI write.
func checkAuditFile(path string) error {
	if path == "" {
		return nil
	}
	l, err := audit.Open(path)
	if err != nil {
		return fmt.Errorf("[audit] file: %s cannot open it for appending: %w; as installed, put it in /var/log/dnssync "+
			"(dnssync.tmpfiles makes it, shared with group dnssync-records, and the unit may write there)", runningUser(), err)
	}
	return l.Close()
}

// checkListen binds the API's address and lets it go. A TCP address in
// use is a note, not a failure: run by hand, it is most likely the
// running daemon's (as ExecStartPre= the daemon is not running yet). For
// a unix socket a socket of its own is bound beside the configured one,
// which proves the directory takes it (under ProtectSystem=strict /run is
// read-only but for the unit's own directory).
func checkListen(l config.Listen) (note string, err error) {
	switch l.Network {
	case "":
		return "", nil
	case "unix":
		probe := filepath.Join(filepath.Dir(l.Address), ".dnssync-check-"+strconv.Itoa(os.Getpid())+".sock")
		ln, err := net.Listen("unix", probe)
		if err != nil {
			return "", fmt.Errorf("api.listen %s: %s cannot make a socket in %s: %w; as installed, use /run/dnssync "+
				"(dnssync.tmpfiles makes it, and the unit may write there)", l, runningUser(), filepath.Dir(l.Address), err)
		}
		return "", ln.Close() // removes the probe
	}
	ln, err := net.Listen(l.Network, l.Address)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Sprintf("api.listen %s is in use, by the running daemon if it runs (if not, it cannot start)", l), nil
	}
	if err != nil {
		return "", fmt.Errorf("api.listen %s: %w", l, err)
	}
	return "", ln.Close()
}

// A dnsTarget is a DNS server dnssync connects to, and why.
type dnsTarget struct {
	what string // the config key
	addr string
}

// dnsTargets are the servers the daemon talks to: CoreDNS (AXFR, and
// UPDATE without backend.server), the rfc2136 server, [verify] nameservers.
func dnsTargets(cfg *config.Config) []dnsTarget {
	targets := []dnsTarget{{"orchestrator.dns.coredns_url", cfg.Orchestrator.DNS.Coredns.String()}}
	if cfg.Backend.Type == config.RFC2136 && !cfg.Backend.Server.IsZero() {
		targets = append(targets, dnsTarget{"backend.server", cfg.Backend.Server.String()})
	}
	for _, ns := range cfg.Verify.Nameservers {
		targets = append(targets, dnsTarget{"verify.nameservers", ns.String()})
	}
	return targets
}

// checkDNSReach opens a TCP connection to each target (AXFR and UPDATE
// are TCP; an IP filter refuses UDP alike). A connection the kernel
// refuses (EPERM: the unit's IPAddressDeny=) fails, naming the drop-in
// that allows it; any other failure is a warning.
func checkDNSReach(ctx context.Context, targets []dnsTarget, dial dialFunc, stderr io.Writer) error {
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		if t.addr == "" {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, reachTimeout)
			defer cancel()
			c, err := dial(ctx, "tcp", t.addr)
			if err == nil {
				c.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	var denied []error
	for i, err := range errs {
		t := targets[i]
		switch {
		case err == nil:
		case ipDenied(err):
			denied = append(denied, fmt.Errorf("%s %s: %w", t.what, t.addr, withIPAllowHint(err, t.addr)))
		default:
			fmt.Fprintf(stderr, "dnssync: warning: %s %s: %v (the daemon retries)\n", t.what, t.addr, err)
		}
	}
	return errors.Join(denied...)
}

// ipDenied reports whether err is the kernel refusing a connection
// outright: what the unit's IPAddressDeny= does (connect and sendmsg fail
// with EPERM), unlike an unreachable or refusing server. Only a network
// operation's EPERM counts: under the unit's SystemCallFilter= a refused
// system call fails with EPERM too.
func ipDenied(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && errors.Is(err, syscall.EPERM)
}

// withIPAllowHint adds to a refused connection's error the drop-in that
// allows addr ("host:port"; from the error when empty); other errors are
// returned as they are.
func withIPAllowHint(err error, addr string) error {
	if err == nil || !ipDenied(err) {
		return err
	}
	var op *net.OpError
	if addr == "" && errors.As(err, &op) && op.Addr != nil {
		addr = op.Addr.String()
	}
	return fmt.Errorf("%w; %s", err, ipAllowHint(addr))
}

// ipAllowHint is the fix for a connection to addr that the unit's
// IPAddressDeny=any refuses.
func ipAllowHint(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	allow := "ADDRESSES-OF-" + host
	if ip, err := netip.ParseAddr(host); err == nil {
		allow = ip.WithZone("").String()
	}
	if host == "" {
		allow = "ADDRESS"
	}
	return "the unit allows IP to loopback only (IPAddressDeny=any): allow this server with " +
		"`sudo systemctl edit dnssync` and the lines \"[Service]\" \"IPAddressAllow=" + allow + "\", then restart dnssync"
}

// hintIPDenied gives each zone's error in res that is a refused
// connection the drop-in that allows it, for the log, health and status
// that report the pass.
func hintIPDenied(res reconcile.Result) reconcile.Result {
	copied := false
	for i, z := range res.Zones {
		if !ipDenied(z.Err) {
			continue
		}
		if !copied { // the slice is the reconciler's
			res.Zones, copied = slices.Clone(res.Zones), true
		}
		res.Zones[i].Err = withIPAllowHint(z.Err, "")
	}
	return res
}
