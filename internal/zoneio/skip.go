package zoneio

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Skip is an RRset an import leaves out, and why.
type Skip struct {
	Key     rrset.Key
	Records int
	Reason  string
	// DNSSEC: a signer's record. There is one per signed RRset, so they
	// are summed up by type rather than listed (Summary).
	DNSSEC bool
}

func (s Skip) String() string { return s.Key.String() + ": " + s.Reason }

// dnssecTypes are written by whoever signs the zone, never declared: the
// signatures and denial chains change with every signing, and the keys
// and their digests are the signer's. (DS at the apex belongs to the
// parent; a DS below it is a child's delegation data, which records.d
// cannot declare: it is unsupported, not skipped.) TYPE65534 is BIND's
// private record of its signing state.
var dnssecTypes = map[uint16]bool{
	dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeNSEC3: true, dns.TypeNSEC3PARAM: true,
	dns.TypeDNSKEY: true, dns.TypeCDS: true, dns.TypeCDNSKEY: true, dns.TypeZONEMD: true,
	65534: true,
}

// The reasons an RRset is skipped by design.
const (
	reasonSOA     = "the SOA is dnssync's: the zonefile backend writes it from [[zones]], an rfc2136 server keeps its own"
	reasonApexNS  = "the apex NS records come from the configuration ([[zones]] nameservers)"
	reasonDNSSEC  = "DNSSEC records are the signer's, not declared in records.d"
	reasonApexDS  = "a DS record belongs in the parent zone"
	reasonOutside = "outside the zone"
)

// skipReason says why the RRset at k is left out by design, or "".
// reserved is desired's rule for records dnssync writes itself (the
// nameservers' addresses, zonefile backend); nil reserves nothing.
func skipReason(zone string, k rrset.Key, reserved func(rrset.Key) string) (reason string, dnssec bool) {
	switch {
	case k.Type == dns.TypeSOA:
		return reasonSOA, false
	case k.Type == dns.TypeNS && k.Name == zone:
		return reasonApexNS, false
	case dnssecTypes[k.Type]:
		return reasonDNSSEC, true
	case k.Type == dns.TypeDS && k.Name == zone:
		return reasonApexDS, true
	}
	if reserved != nil {
		if why := reserved(k); why != "" {
			return why, false
		}
	}
	return "", false
}

// otherZone returns the managed zone, other than zone, that name belongs
// to (the longest managed suffix), or "". A parent zone's transfer carries
// the delegation to a child zone dnssync manages too; those records are
// the child's business in records.d.
func otherZone(zone, name string, zones []string) string {
	best := zone
	for _, z := range zones {
		z = dns.CanonicalName(z)
		if len(z) > len(best) && dns.IsSubDomain(z, name) && dns.IsSubDomain(zone, z) {
			best = z
		}
	}
	if best == zone {
		return ""
	}
	return best
}

// childReason says why a parent zone's delegation to child, a zone
// dnssync manages too (its NS at the child's apex, the glue and DS below
// it), is not imported: the child's apex NS come from its own [[zones]],
// so no records.d file can declare them. withBase: the zonefile backend,
// which renders a zone from its own names only and so writes no
// delegation into the parent (a known gap); an rfc2136 server keeps what
// dnssync did not create.
func childReason(zone, child string, withBase bool) string {
	why := fmt.Sprintf("delegation data of %s: %s is managed by dnssync too (its NS come from its own [[zones]])", child, child)
	if withBase {
		return why + fmt.Sprintf(": the zonefile backend does not write a managed child zone's delegation (NS, glue, DS) into %s, so `dnssync plan` shows it deleted there (a known gap)", zone)
	}
	return why + ": the rfc2136 backend did not create it and leaves it as served"
}

// Summary is the skipped RRsets as lines for a person: one a set, except
// DNSSEC records, which are counted by type.
func Summary(skips []Skip) []string {
	var out []string
	count := map[string]int{}
	var types []string
	for _, s := range skips {
		if !s.DNSSEC {
			out = append(out, s.String())
			continue
		}
		t := dns.Type(s.Key.Type).String() // TYPE65534 has no name
		if count[t] == 0 {
			types = append(types, t)
		}
		count[t] += s.Records
	}
	if len(types) > 0 {
		parts := make([]string, len(types))
		n := 0
		for i, t := range types {
			parts[i] = fmt.Sprintf("%d %s", count[t], t)
			n += count[t]
		}
		out = append(out, fmt.Sprintf("%d DNSSEC records (%s): %s", n, strings.Join(parts, ", "), reasonDNSSEC))
	}
	return out
}

// dnssecRecords counts the DNSSEC records among skips.
func dnssecRecords(skips []Skip) int {
	n := 0
	for _, s := range skips {
		if s.DNSSEC {
			n += s.Records
		}
	}
	return n
}
