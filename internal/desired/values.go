package desired

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Values are parsed by hand, type by type, instead of through a zone-file
// parser: zone-file syntax gives meaning to ';', '(', '@', quotes and
// escapes, and a value in records.d must mean exactly what it says. Each
// parser fills rr (whose header is already set) or says what it wanted.

const maxTXTLen = 4096 // bytes; keeps one record far from the 64 KiB message limit

type valueParser func(hdr dns.RR_Header, s string) (dns.RR, error)

var valueParsers = map[uint16]valueParser{
	dns.TypeA:    parseA,
	dns.TypeAAAA: parseAAAA,
	dns.TypeCNAME: func(h dns.RR_Header, s string) (dns.RR, error) {
		t, err := target(s, false)
		return &dns.CNAME{Hdr: h, Target: t}, err
	},
	dns.TypeNS: func(h dns.RR_Header, s string) (dns.RR, error) {
		t, err := target(s, false)
		return &dns.NS{Hdr: h, Ns: t}, err
	},
	dns.TypePTR: func(h dns.RR_Header, s string) (dns.RR, error) {
		t, err := target(s, false)
		return &dns.PTR{Hdr: h, Ptr: t}, err
	},
	dns.TypeMX:  parseMX,
	dns.TypeSRV: parseSRV,
	dns.TypeCAA: parseCAA,
	dns.TypeTXT: parseTXT,
}

// typeNames lists the allowed types in the order error messages give them.
var typeNames = []string{"A", "AAAA", "CNAME", "TXT", "SRV", "MX", "CAA", "PTR", "NS"}

func parseA(h dns.RR_Header, s string) (dns.RR, error) {
	a, err := checkA(s)
	if err != nil {
		return nil, err
	}
	return &dns.A{Hdr: h, A: a.AsSlice()}, nil
}

func checkA(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return a, fmt.Errorf("not an IPv4 address")
	case a.Is4In6():
		return a, fmt.Errorf("IPv4-mapped IPv6 address; write it as plain IPv4")
	case !a.Is4():
		return a, fmt.Errorf("IPv6 address; use type AAAA")
	}
	return a, nil
}

// arena allocates the A records of one file (nearly every record, in
// most fleets) and their addresses together, rather than two small
// objects each: a million of those were a good part of a cold start's
// garbage collection. The records of one file are replaced together when
// it changes, so the few allocations die together too.
type arena struct {
	as  []dns.A
	ips []byte
}

// newArena has room for n A records.
func newArena(n int) *arena {
	return &arena{as: make([]dns.A, 0, n), ips: make([]byte, 0, 4*n)}
}

// parseA is parseA, from the arena while it has room.
func (ar *arena) parseA(h dns.RR_Header, s string) (dns.RR, error) {
	if ar == nil || len(ar.as) == cap(ar.as) {
		return parseA(h, s)
	}
	a, err := checkA(s)
	if err != nil {
		return nil, err
	}
	ip := a.As4()
	ar.ips = append(ar.ips, ip[:]...)
	ar.as = append(ar.as, dns.A{Hdr: h, A: ar.ips[len(ar.ips)-4 : len(ar.ips) : len(ar.ips)]})
	return &ar.as[len(ar.as)-1], nil
}

func parseAAAA(h dns.RR_Header, s string) (dns.RR, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("not an IPv6 address")
	case a.Is4():
		return nil, fmt.Errorf("IPv4 address; use type A")
	case a.Is4In6():
		// Legal data, but always a mistake in records.d; and it would
		// render differently in different tools.
		return nil, fmt.Errorf("IPv4-mapped address; use type A")
	case a.Zone() != "":
		return nil, fmt.Errorf("address has a zone (%%%s)", a.Zone())
	}
	return &dns.AAAA{Hdr: h, AAAA: a.AsSlice()}, nil
}

// target checks a host name in record data. Relative-looking names are taken
// as fully qualified: records.d has no $ORIGIN. rootOK allows "." (null MX,
// RFC 7505; "no service" SRV, RFC 2782).
func target(s string, rootOK bool) (string, error) {
	if rootOK && s == "." {
		return ".", nil
	}
	return checkName(s, false)
}

func parseMX(h dns.RR_Header, s string) (dns.RR, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return nil, fmt.Errorf("want \"preference host\"")
	}
	pref, err := strconv.ParseUint(f[0], 10, 16)
	if err != nil {
		return nil, fmt.Errorf("preference %s is not an integer from 0 to 65535", excerpt(f[0]))
	}
	host, err := target(f[1], true)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", excerpt(f[1]), err)
	}
	return &dns.MX{Hdr: h, Preference: uint16(pref), Mx: host}, nil
}

func parseSRV(h dns.RR_Header, s string) (dns.RR, error) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return nil, fmt.Errorf("want \"priority weight port target\"")
	}
	var n [3]uint16
	for i, what := range []string{"priority", "weight", "port"} {
		v, err := strconv.ParseUint(f[i], 10, 16)
		if err != nil {
			return nil, fmt.Errorf("%s %s is not an integer from 0 to 65535", what, excerpt(f[i]))
		}
		n[i] = uint16(v)
	}
	t, err := target(f[3], true)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", excerpt(f[3]), err)
	}
	return &dns.SRV{Hdr: h, Priority: n[0], Weight: n[1], Port: n[2], Target: t}, nil
}

// parseCAA reads `flags tag value`; the value may be in double quotes (it
// must be if it has spaces or ';'). Quotes and backslashes inside the value
// are refused so that no escaping rules are needed to read it.
func parseCAA(h dns.RR_Header, s string) (dns.RR, error) {
	const want = "want \"flags tag value\", e.g. 0 issue \"letsencrypt.org\""
	flags, rest, ok1 := strings.Cut(strings.TrimSpace(s), " ")
	tag, val, ok2 := strings.Cut(strings.TrimSpace(rest), " ")
	val = strings.TrimSpace(val)
	if !ok1 || !ok2 || val == "" {
		return nil, errors.New(want)
	}
	flag, err := strconv.ParseUint(flags, 10, 8)
	if err != nil {
		return nil, fmt.Errorf("flags %s is not an integer from 0 to 255", excerpt(flags))
	}
	if len(tag) > 15 || strings.IndexFunc(tag, func(r rune) bool { return !isAlnum(r) }) >= 0 {
		return nil, fmt.Errorf("tag %s must be 1 to 15 letters and digits", excerpt(tag))
	}
	if q, ok := strings.CutPrefix(val, `"`); ok {
		if val, ok = strings.CutSuffix(q, `"`); !ok {
			return nil, errors.New("the value's closing quote is missing")
		}
	} else if strings.ContainsAny(val, "; ") {
		return nil, errors.New("put the value in double quotes when it has spaces or ';'")
	}
	switch {
	case strings.ContainsAny(val, `"\`):
		return nil, errors.New(`the value may not contain " or \`)
	case strings.IndexFunc(val, func(r rune) bool { return r > '~' }) >= 0:
		return nil, errors.New("the value must be printable ASCII")
	}
	return &dns.CAA{Hdr: h, Flag: uint8(flag), Tag: tag, Value: val}, nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// parseTXT takes the text itself and splits it into 255-byte strings. The
// strings are kept in miekg/dns's escaped form (as an AXFR would deliver
// them), so desired and observed compare equal.
func parseTXT(h dns.RR_Header, s string) (dns.RR, error) {
	if len(s) > maxTXTLen {
		return nil, fmt.Errorf("longer than %d bytes", maxTXTLen)
	}
	var parts []string
	for len(s) > 255 {
		parts = append(parts, escapeTXT(s[:255]))
		s = s[255:]
	}
	parts = append(parts, escapeTXT(s))
	return &dns.TXT{Hdr: h, Txt: parts}, nil
}

// escapeTXT escapes like miekg/dns does when it unpacks a character-string.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hasControl reports bytes that are never meant in a value: newlines and the
// like come from YAML block scalars and half-edited files, not intent.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0
}

// allowedTypes are the types a records file may declare.
var allowedTypes = func() []uint16 {
	out := make([]uint16, len(typeNames))
	for i, n := range typeNames {
		out[i] = dns.StringToType[n]
	}
	return out
}()
