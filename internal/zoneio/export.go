package zoneio

import (
	"bytes"
	"fmt"
	"io"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Export writes zone as dnssync would serve it, as an RFC 1035 zone file:
// the desired sets, and the backend's own records (base: SOA, apex NS,
// the nameservers' addresses), which win at the same name and type as
// they do in a plan. The SOA carries serial. The text is the zonefile
// backend's own rendering (apply.Render), every name fully qualified and
// every record with its TTL, so that it loads anywhere (`named-checkzone`
// takes it); only its first comment line, which speaks of the file the
// backend keeps, is replaced.
func Export(w io.Writer, zone string, want rrset.Sets, base []dns.RR, serial uint32) error {
	zone = dns.CanonicalName(zone)
	sets := make(rrset.Zone, want.Len()+len(base))
	for k, s := range want.All() {
		sets[k] = s
	}
	own := rrset.Zone{}
	for _, rr := range base {
		own.Put(rr)
	}
	for k, s := range own {
		sets[k] = s
	}
	var b bytes.Buffer
	if err := apply.Render(&b, zone, serial, sets); err != nil {
		return fmt.Errorf("export %s: %w", zone, err)
	}
	text := b.Bytes()
	if bytes.HasPrefix(text, []byte(";")) {
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:]
		}
	}
	header := fmt.Sprintf("; zone %s as dnssync serves it: records.d and [[zones]], exported by `dnssync export`\n", zone)
	if _, err := io.WriteString(w, header); err != nil {
		return err
	}
	_, err := w.Write(text)
	return err
}
