package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// HostPort is a DNS server to dial. Host is an IP address (without
// brackets) or a DNS name: coredns_url may name its server (dns://localhost,
// dns://dns.internal), so it is not a netip.AddrPort.
type HostPort struct {
	Host string
	Port uint16 // 1 to 65535
}

// String is the address as net.Dial and miekg/dns take it.
func (a HostPort) String() string {
	if a.IsZero() {
		return ""
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(int(a.Port)))
}

// IsZero reports whether a is unset.
func (a HostPort) IsZero() bool { return a == HostPort{} }

// MarshalText writes a as String does (JSON logs).
func (a HostPort) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Listen is an address to listen on, as net.Listen takes it. The zero value
// is off.
type Listen struct {
	Network string // "tcp" or "unix"
	// Address is "host:port" for tcp (the host may be empty: every
	// interface; the port 0: any free one), the socket's path for unix.
	Address string
}

// IsZero reports whether l is off.
func (l Listen) IsZero() bool { return l == Listen{} }

// String is l as the config writes it: "host:port" or "unix:/path".
func (l Listen) String() string {
	if l.Network == "unix" {
		return "unix:" + l.Address
	}
	return l.Address
}

// MarshalText writes l as String does (JSON logs).
func (l Listen) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// parseDNSURL parses coredns_url. Only dns:// URLs are accepted: CoreDNS is
// read by AXFR and written by UPDATE, not over HTTP.
func parseDNSURL(raw string) (HostPort, error) {
	a, err := dnsURL(raw)
	if err != nil {
		return HostPort{}, fmt.Errorf("%q: %w", raw, err)
	}
	return a, nil
}

// parseServer parses a server written "HOST[:PORT]" or "dns://HOST[:PORT]"
// ([backend] server, [verify] nameservers).
func parseServer(s string) (HostPort, error) {
	raw := s
	if !strings.Contains(raw, "://") {
		raw = "dns://" + raw
	}
	a, err := dnsURL(raw)
	if err != nil {
		return HostPort{}, fmt.Errorf("%q: %w", s, err)
	}
	return a, nil
}

// dnsURL parses dns://HOST[:PORT]; the port is 53 when absent. Its errors
// leave quoting what was written to the caller.
func dnsURL(raw string) (HostPort, error) {
	const want = "want dns://HOST[:PORT]"
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL, which the caller quotes
		}
		return HostPort{}, err
	}
	switch u.Scheme {
	case "dns":
	case "http", "https":
		return HostPort{}, errors.New("CoreDNS is reached over DNS (AXFR to read zones, UPDATE to change them), not HTTP; use dns://HOST:PORT, e.g. dns://127.0.0.1:53")
	default:
		return HostPort{}, errors.New(want)
	}
	if u.Host == "" || u.Path != "" && u.Path != "/" || u.Hostname() == "" {
		return HostPort{}, errors.New(want)
	}
	port := u.Port()
	if port == "" {
		port = "53"
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return HostPort{}, fmt.Errorf("bad port %q", port)
	}
	return HostPort{Host: u.Hostname(), Port: uint16(n)}, nil
}

// parseListen parses "host:port", or "unix:/path" when unixOK, and says
// whether the address is loopback only (a unix socket counts: only this
// host reaches it).
func parseListen(s string, unixOK bool) (l Listen, loopback bool, err error) {
	if s == "" {
		return Listen{}, false, nil
	}
	want := "want host:port"
	if !unixOK && strings.HasPrefix(s, "unix:") {
		return Listen{}, false, fmt.Errorf("%q: want host:port (not a unix socket)", s)
	}
	if unixOK {
		want = "want host:port or unix:/path"
		if path, ok := strings.CutPrefix(s, "unix:"); ok {
			if !filepath.IsAbs(path) || path == "/" {
				return Listen{}, false, fmt.Errorf("%q: want unix:/absolute/path", s)
			}
			return Listen{Network: "unix", Address: filepath.Clean(path)}, true, nil
		}
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Listen{}, false, fmt.Errorf("%q: %s", s, want)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return Listen{}, false, fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, port)
	}
	ip, ipErr := netip.ParseAddr(host)
	loopback = host == "localhost" || ipErr == nil && ip.IsLoopback()
	return Listen{Network: "tcp", Address: net.JoinHostPort(host, strconv.FormatUint(n, 10))}, loopback, nil
}
