package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// A reverse zone (reverse = true) is filled with PTR records derived from
// the forward zones' addresses, so it must stand for one address prefix:
// whole octets under in-addr.arpa. (a /8, /16 or /24) or whole nibbles
// under ip6.arpa. (/4 to /128). Classless delegations (RFC 2317's
// "0/25.2.0.192.in-addr.arpa") stand for no prefix of their own name and
// are refused.

const (
	inAddrArpa = "in-addr.arpa."
	ip6Arpa    = "ip6.arpa."
)

// ReversePrefix returns the address prefix a reverse zone's name stands
// for ("2.0.192.in-addr.arpa." is 192.0.2.0/24), or an error saying why
// the name stands for none. name may be in any case, with or without the
// trailing dot.
func ReversePrefix(name string) (netip.Prefix, error) {
	name = dns.CanonicalName(name)
	switch {
	case strings.HasSuffix(name, "."+inAddrArpa):
		return inAddrPrefix(dns.SplitDomainName(strings.TrimSuffix(name, "."+inAddrArpa)))
	case strings.HasSuffix(name, "."+ip6Arpa):
		return ip6Prefix(dns.SplitDomainName(strings.TrimSuffix(name, "."+ip6Arpa)))
	}
	return netip.Prefix{}, fmt.Errorf("%s is not under %s or %s with at least one label (a reverse zone stands for an address prefix)", name, inAddrArpa, ip6Arpa)
}

// inAddrPrefix: labels are octets, least significant first.
func inAddrPrefix(labels []string) (netip.Prefix, error) {
	if len(labels) > 3 {
		return netip.Prefix{}, fmt.Errorf("%d octets under %s: a reverse zone has 1 to 3 (a /8, /16 or /24)", len(labels), inAddrArpa)
	}
	var b [4]byte
	for i, l := range labels {
		n, err := strconv.ParseUint(l, 10, 8)
		if err != nil || strconv.FormatUint(n, 10) != l {
			return netip.Prefix{}, fmt.Errorf("label %q under %s is not an octet (0 to 255, no leading zeros)", l, inAddrArpa)
		}
		b[len(labels)-1-i] = byte(n)
	}
	return netip.PrefixFrom(netip.AddrFrom4(b), 8*len(labels)), nil
}

// ip6Prefix: labels are nibbles, least significant first.
func ip6Prefix(labels []string) (netip.Prefix, error) {
	if len(labels) > 32 {
		return netip.Prefix{}, fmt.Errorf("%d nibbles under %s: a reverse zone has 1 to 32", len(labels), ip6Arpa)
	}
	var b [16]byte
	for i, l := range labels {
		n, err := strconv.ParseUint(l, 16, 4)
		if err != nil || len(l) != 1 {
			return netip.Prefix{}, fmt.Errorf("label %q under %s is not one hex digit", l, ip6Arpa)
		}
		pos := len(labels) - 1 - i // nibble index from the most significant
		if pos%2 == 0 {
			b[pos/2] |= byte(n) << 4
		} else {
			b[pos/2] |= byte(n)
		}
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), 4*len(labels)), nil
}
