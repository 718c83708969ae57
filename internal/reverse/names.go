package reverse

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// reverseName is the owner name of addr's PTR: "d.c.b.a.in-addr.arpa." for
// IPv4, the 32 nibbles, lowest first, under "ip6.arpa." for IPv6. It builds
// the name in one allocation: 100,000 addresses are named on each pass.
func reverseName(addr netip.Addr) string {
	var b strings.Builder
	if addr.Is4() {
		a := addr.As4()
		b.Grow(len("255.255.255.255.in-addr.arpa."))
		for i := 3; i >= 0; i-- {
			writeDecimal(&b, a[i])
			b.WriteByte('.')
		}
		b.WriteString("in-addr.arpa.")
		return b.String()
	}
	const hex = "0123456789abcdef"
	a := addr.As16()
	b.Grow(64 + len("ip6.arpa."))
	for i := 15; i >= 0; i-- {
		b.WriteByte(hex[a[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[a[i]>>4])
		b.WriteByte('.')
	}
	b.WriteString("ip6.arpa.")
	return b.String()
}

func writeDecimal(b *strings.Builder, v byte) {
	if v >= 100 {
		b.WriteByte('0' + v/100)
	}
	if v >= 10 {
		b.WriteByte('0' + v/10%10)
	}
	b.WriteByte('0' + v%10)
}

// zoneSet finds the most specific reverse zone of a reverse name.
type zoneSet map[string]bool

func newZoneSet(zones []string) zoneSet {
	zs := make(zoneSet, len(zones))
	for _, z := range zones {
		if z = strings.TrimSpace(z); z != "" {
			zs[dns.CanonicalName(z)] = true
		}
	}
	return zs
}

// zoneOf returns the longest label-aligned suffix of name that is a zone,
// or "". The cost is the name's labels, not the number of zones.
func (zs zoneSet) zoneOf(name string) string {
	for off := 0; off < len(name); {
		if zs[name[off:]] {
			return name[off:]
		}
		i := strings.IndexByte(name[off:], '.')
		if i < 0 {
			break
		}
		off += i + 1
	}
	return ""
}

// isWildcard: the owner's first label is "*".
func isWildcard(name string) bool { return strings.HasPrefix(name, "*.") || name == "*" }
