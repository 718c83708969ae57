package registry

// The API's view of records.d, in the client package's JSON shapes: for
// the HTTP API and the CLI's local mode alike, so that both answer the same.
// Whether a name is served as declared is internal/verify's to say
// (verify.Name).

import (
	"path/filepath"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// ToRecord is d as the API lists it: name without the trailing dot, the
// value as a person writes it, source the file's base name.
func ToRecord(d desired.Declared) client.Record {
	h := d.RR.Header()
	return client.Record{
		Name:       strings.TrimSuffix(h.Name, "."),
		RecordType: dns.TypeToString[h.Rrtype],
		Value:      rrset.Text(d.RR),
		TTL:        h.Ttl,
		Source:     filepath.Base(d.File),
	}
}
