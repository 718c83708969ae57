package rrset

import (
	"slices"

	"github.com/miekg/dns"
)

// sameRdata reports whether two records of one RRset have the same data:
// exactly when their Rdata strings are equal, the one definition of a
// record's identity here. Records whose data fields are identical print
// identically, so for the common types that is decided on the fields, with
// no text made; records that differ (or of a type not listed) are compared
// by their text, since two spellings of one field may print the same.
func sameRdata(a, b dns.RR) bool {
	if a == b || sameFields(a, b) {
		return true
	}
	return Rdata(a) == Rdata(b)
}

// sameFields reports whether a and b are of one listed type with every
// data field (all but the header) identical. False says nothing.
func sameFields(a, b dns.RR) bool {
	switch x := a.(type) {
	// Identical bytes, not net.IP.Equal: an address in its 4- and 16-byte
	// forms is equal as an address but may not print the same; a false
	// here only costs the comparison of the text.
	case *dns.A:
		y, ok := b.(*dns.A)
		return ok && slices.Equal(x.A, y.A)
	case *dns.AAAA:
		y, ok := b.(*dns.AAAA)
		return ok && slices.Equal(x.AAAA, y.AAAA)
	case *dns.CNAME:
		y, ok := b.(*dns.CNAME)
		return ok && x.Target == y.Target
	case *dns.NS:
		y, ok := b.(*dns.NS)
		return ok && x.Ns == y.Ns
	case *dns.PTR:
		y, ok := b.(*dns.PTR)
		return ok && x.Ptr == y.Ptr
	case *dns.TXT:
		y, ok := b.(*dns.TXT)
		return ok && slices.Equal(x.Txt, y.Txt)
	case *dns.NSEC:
		y, ok := b.(*dns.NSEC)
		return ok && x.NextDomain == y.NextDomain && slices.Equal(x.TypeBitMap, y.TypeBitMap)
	case *dns.MX:
		y, ok := b.(*dns.MX)
		return ok && withoutHeader(x, y, func(r *dns.MX) *dns.RR_Header { return &r.Hdr })
	case *dns.SRV:
		y, ok := b.(*dns.SRV)
		return ok && withoutHeader(x, y, func(r *dns.SRV) *dns.RR_Header { return &r.Hdr })
	case *dns.SOA:
		y, ok := b.(*dns.SOA)
		return ok && withoutHeader(x, y, func(r *dns.SOA) *dns.RR_Header { return &r.Hdr })
	case *dns.CAA:
		y, ok := b.(*dns.CAA)
		return ok && withoutHeader(x, y, func(r *dns.CAA) *dns.RR_Header { return &r.Hdr })
	case *dns.RRSIG:
		y, ok := b.(*dns.RRSIG)
		return ok && withoutHeader(x, y, func(r *dns.RRSIG) *dns.RR_Header { return &r.Hdr })
	case *dns.DNSKEY:
		y, ok := b.(*dns.DNSKEY)
		return ok && withoutHeader(x, y, func(r *dns.DNSKEY) *dns.RR_Header { return &r.Hdr })
	case *dns.DS:
		y, ok := b.(*dns.DS)
		return ok && withoutHeader(x, y, func(r *dns.DS) *dns.RR_Header { return &r.Hdr })
	}
	return false
}

// withoutHeader compares two records of a type whose fields are all
// comparable (numbers and strings) on every field but the header: copies
// with their headers cleared, so that a field added to the type is compared
// too rather than forgotten.
func withoutHeader[T comparable](x, y *T, hdr func(*T) *dns.RR_Header) bool {
	cx, cy := *x, *y
	*hdr(&cx), *hdr(&cy) = dns.RR_Header{}, dns.RR_Header{}
	return cx == cy
}
