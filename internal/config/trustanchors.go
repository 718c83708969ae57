package config

import (
	"bufio"
	"encoding/hex"
	"errors"
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
	// Where is "file:line" of the zone's first record, for a message about
	// the anchor that must not quote it.
	Where string
}

// dsDigestSize is the octets each DS digest type makes (RFC 4509, 6605).
var dsDigestSize = map[uint8]struct {
	name string
	size int
}{
	dns.SHA1:   {"SHA-1", 20},
	dns.SHA256: {"SHA-256", 32},
	dns.SHA384: {"SHA-384", 48},
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
		if a.Where == "" {
			a.Where = fmt.Sprintf("%s:%d", path, line)
		}
		switch x := rr.(type) {
		case *dns.DS:
			if err := checkDigest(x); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
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

// checkDigest refuses a DS whose digest is not one its type makes:
// miekg/dns takes any text as the digest, and a typo would match no key,
// read as the zone failing at every server.
func checkDigest(ds *dns.DS) error {
	d, ok := dsDigestSize[ds.DigestType]
	if !ok {
		return fmt.Errorf("DS digest type %d: want 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384)", ds.DigestType)
	}
	b, err := hex.DecodeString(ds.Digest)
	if err != nil {
		return errors.New("the DS digest is not hexadecimal")
	}
	if len(b) != d.size {
		return fmt.Errorf("the DS digest has %d octets, %s makes %d", len(b), d.name, d.size)
	}
	return nil
}
