// Package rrset is the one shape of DNS data inside dnssync: RRsets keyed by
// canonical (name, type), built from miekg/dns records.
//
// Desired state (records.d) and observed state (AXFR) are both turned into
// RRsets here, in canonical form (a Zone; the desired state's a Sharded
// zone's snapshots, sharded.go), so that comparing them is plain equality
// and the plan right after an apply is always empty.
package rrset

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Key identifies an RRset: canonical owner name (lower case, fully
// qualified) and type.
type Key struct {
	Name string
	Type uint16
}

func (k Key) String() string { return k.Name + " " + dns.TypeToString[k.Type] }

// Compare orders keys by name in DNS canonical order, then by type, so that
// plans and rendered zones are deterministic and readable.
func (k Key) Compare(o Key) int {
	if c := CompareNames(k.Name, o.Name); c != 0 {
		return c
	}
	return cmp.Compare(k.Type, o.Type)
}

// Set is one RRset: every record shares Name, Type and TTL. Records are
// canonical and sorted by Rdata, without duplicates. Build sets with New and
// Add only, so that the order holds.
//
// A set keeps no text beside its records: at 100,000 records a second copy
// of every value (its Rdata string) cost more than the records themselves.
// Comparing sets (every pass, for every set in a zone) compares the
// records' fields instead (sameRdata), formatting nothing when they agree.
type Set struct {
	Key
	TTL uint32
	RRs []dns.RR
}

// New builds a Set from records sharing owner and type. The records are
// canonicalised (copies; the arguments are not modified), duplicates dropped
// and the TTL taken from the first record.
func New(rrs ...dns.RR) *Set {
	if len(rrs) == 0 {
		return nil
	}
	first := Canonical(rrs[0])
	s := &Set{Key: KeyOf(first), TTL: first.Header().Ttl}
	for _, rr := range rrs {
		s.Add(rr)
	}
	return s
}

// Add inserts rr (canonicalised) unless an equal record is present. The TTL
// of rr is set to the Set's TTL, but for signatures: the RRSIGs at a name
// are one set here, yet each has the TTL of the set it covers (RFC 4034
// section 3), and the set's TTL is the lowest of them.
func (s *Set) Add(rr dns.RR) {
	rr = Canonical(rr)
	if s.Type == dns.TypeRRSIG {
		s.TTL = min(s.TTL, rr.Header().Ttl)
	} else if rr.Header().Ttl != s.TTL {
		rr = dns.Copy(rr)
		rr.Header().Ttl = s.TTL
	}
	if len(s.RRs) == 0 {
		s.RRs = []dns.RR{rr}
		return
	}
	data := Rdata(rr)
	i, found := slices.BinarySearchFunc(s.RRs, data, func(e dns.RR, d string) int {
		return strings.Compare(Rdata(e), d)
	})
	if !found {
		s.RRs = slices.Insert(s.RRs, i, rr)
	}
}

// Equal reports whether two sets serve the same answer: same TTL and the same
// records.
func (s *Set) Equal(o *Set) bool {
	if s == nil || o == nil {
		return s == o
	}
	return s.Key == o.Key && s.TTL == o.TTL && s.SameRecords(o)
}

// SameRecords reports whether two sets hold the same records, whatever
// their TTLs (a cache counts them down). Two nil sets hold the same (none).
func (s *Set) SameRecords(o *Set) bool {
	var a, b []dns.RR
	if s != nil {
		a = s.RRs
	}
	if o != nil {
		b = o.RRs
	}
	return slices.EqualFunc(a, b, sameRdata)
}

// Has reports whether the set holds a record with this Rdata.
func (s *Set) Has(rdata string) bool {
	return slices.ContainsFunc(s.RRs, func(rr dns.RR) bool { return Rdata(rr) == rdata })
}

// Contains reports whether the set holds rr's data (canonicalised): what
// Has(Rdata(Canonical(rr))) says, without formatting a record that agrees.
func (s *Set) Contains(rr dns.RR) bool {
	rr = Canonical(rr)
	return slices.ContainsFunc(s.RRs, func(e dns.RR) bool { return sameRdata(e, rr) })
}

// Values returns the presentation form of each record's data.
func (s *Set) Values() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.RRs))
	for i, rr := range s.RRs {
		out[i] = Rdata(rr)
	}
	return out
}

// String is "ttl [v1 v2]" for plans and logs.
func (s *Set) String() string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%d [%s]", s.TTL, strings.Join(s.Values(), ", "))
}

// Zone holds the RRsets of one zone by key.
type Zone map[Key]*Set

// Put adds rr to its RRset, creating it if needed. A record whose TTL
// differs from the set's takes the set's TTL, as DNS servers do.
func (z Zone) Put(rr dns.RR) {
	k := KeyOf(rr)
	if s, ok := z[k]; ok {
		s.Add(rr)
		return
	}
	z[k] = New(rr)
}

// Keys returns the keys in canonical order.
func (z Zone) Keys() []Key {
	keys := make([]Key, 0, len(z))
	for k := range z {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, Key.Compare)
	return keys
}

// Count is the number of records (not sets) in the zone.
func (z Zone) Count() int {
	n := 0
	for _, s := range z {
		n += len(s.RRs)
	}
	return n
}

// Records returns every record, sets in canonical order.
func (z Zone) Records() []dns.RR {
	out := make([]dns.RR, 0, z.Count())
	for _, k := range z.Keys() {
		out = append(out, z[k].RRs...)
	}
	return out
}

// KeyOf returns the canonical key of rr.
func KeyOf(rr dns.RR) Key {
	h := rr.Header()
	return Key{Name: dns.CanonicalName(h.Name), Type: h.Rrtype}
}

// Rdata is the canonical presentation of rr's data, without the header. Two
// records with equal Rdata (and key) are the same record.
func Rdata(rr dns.RR) string {
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// Canonical returns rr with its owner and any domain names in its data lower
// case and fully qualified, so that comparisons settle: rr itself when it is
// canonical already (records are shared, never modified), else a copy.
func Canonical(rr dns.RR) dns.RR {
	if isCanonical(rr) {
		return rr
	}
	rr = dns.Copy(rr)
	h := rr.Header()
	h.Name = dns.CanonicalName(h.Name)
	h.Class = dns.ClassINET
	switch r := rr.(type) {
	case *dns.CNAME:
		r.Target = dns.CanonicalName(r.Target)
	case *dns.NS:
		r.Ns = dns.CanonicalName(r.Ns)
	case *dns.PTR:
		r.Ptr = dns.CanonicalName(r.Ptr)
	case *dns.MX:
		r.Mx = dns.CanonicalName(r.Mx)
	case *dns.SRV:
		r.Target = dns.CanonicalName(r.Target)
	case *dns.SOA:
		r.Ns = dns.CanonicalName(r.Ns)
		r.Mbox = dns.CanonicalName(r.Mbox)
	case *dns.CAA:
		r.Tag = strings.ToLower(r.Tag)
	}
	return rr
}

func isCanonical(rr dns.RR) bool {
	h := rr.Header()
	if h.Class != dns.ClassINET || !canonicalName(h.Name) {
		return false
	}
	switch r := rr.(type) {
	case *dns.CNAME:
		return canonicalName(r.Target)
	case *dns.NS:
		return canonicalName(r.Ns)
	case *dns.PTR:
		return canonicalName(r.Ptr)
	case *dns.MX:
		return canonicalName(r.Mx)
	case *dns.SRV:
		return canonicalName(r.Target)
	case *dns.SOA:
		return canonicalName(r.Ns) && canonicalName(r.Mbox)
	case *dns.CAA:
		return r.Tag == strings.ToLower(r.Tag)
	}
	return true
}

func canonicalName(s string) bool { return dns.IsFqdn(s) && s == strings.ToLower(s) }

// CompareNames orders names in DNS canonical order (RFC 4034 section 6.1):
// label by label from the root, so that a zone's apex comes first and its
// subtrees stay together. Names are canonical (lower case, fully
// qualified). It walks both names from the end without allocating: plans and
// zone files sort 100,000 names with it.
func CompareNames(a, b string) int {
	if a == b {
		return 0
	}
	a, b = strings.TrimSuffix(a, "."), strings.TrimSuffix(b, ".")
	for a != "" && b != "" {
		la, ra := lastLabel(a)
		lb, rb := lastLabel(b)
		if c := strings.Compare(la, lb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return cmp.Compare(len(a), len(b))
}

// lastLabel splits the last label off name (without its dot).
func lastLabel(name string) (label, rest string) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, ""
	}
	return name[i+1:], name[:i]
}
