package config

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/miekg/dns"
)

// TrustAnchor is one zone's configured anchor ([dnssec] trust_anchors): the
// DS records its parent holds, or DNSKEYs trusted as they are.
type TrustAnchor struct {
	DS   []*dns.DS
	Keys []*dns.DNSKEY
}

// ReadTrustAnchors reads a trust-anchor file: DS or DNSKEY records in
// zone-file syntax, one a line, owner names fully qualified; blank lines
// and lines starting with ';' or '#' are skipped. It returns the anchors by
// canonical zone name. An error names the file and line, and quotes no
// record: a key's text has no place in a log.
func ReadTrustAnchors(path string) (map[string]TrustAnchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read [dnssec] trust_anchors: %w", err)
	}
	defer f.Close()
	out := map[string]TrustAnchor{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, ";") || strings.HasPrefix(text, "#") {
			continue
		}
		rr, err := dns.NewRR(text)
		if err != nil || rr == nil {
			return nil, fmt.Errorf("%s:%d: not a DS or DNSKEY record in zone-file syntax", path, line)
		}
		zone := dns.CanonicalName(rr.Header().Name)
		a := out[zone]
		switch x := rr.(type) {
		case *dns.DS:
			a.DS = append(a.DS, x)
		case *dns.DNSKEY:
			a.Keys = append(a.Keys, x)
		default:
			return nil, fmt.Errorf("%s:%d: a %s record: want DS or DNSKEY", path, line, dns.TypeToString[rr.Header().Rrtype])
		}
		out[zone] = a
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read [dnssec] trust_anchors %s: %w", path, err)
	}
	return out, nil
}
