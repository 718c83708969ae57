package zoneio

import (
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/miekg/dns"
)

// ReadZoneFile reads an RFC 1035 zone file for zone ($ORIGIN is zone
// until the file says otherwise). $INCLUDE is refused: the file names
// what is read, nothing else. file names the input in errors, which give
// its line and never its text.
func ReadZoneFile(r io.Reader, zone, file string) ([]dns.RR, error) {
	zp := dns.NewZoneParser(r, dns.Fqdn(zone), file)
	zp.SetIncludeAllowed(false)
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		out = append(out, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("read zone file: %w", parseError(err))
	}
	return out, nil
}

// parseErrorRE takes miekg/dns's "FILE: dns: WHAT: "TOKEN" at line: L:C"
// apart, to say it again without the token.
var parseErrorRE = regexp.MustCompile(`^(?s)(?:(.*): )?dns: (.*): ".*" at line: (\d+):(\d+)$`)

// parseError drops the offending token from a zone file's parse error:
// an error message quotes no file content (the path given may be any
// file at all); file and line are enough to find it.
func parseError(err error) error {
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	m := parseErrorRE.FindStringSubmatch(pe.Error())
	if m == nil {
		return errors.New("not a zone file this parser reads")
	}
	return fmt.Errorf("%s:%s:%s: %s", m[1], m[3], m[4], m[2])
}
