package desired

import (
	"strconv"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/yamlnode"
	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

const maxTTL = 2147483647 // RFC 2181 section 8

// record is one validated record with where it came from, for conflict
// reports.
type record struct {
	zone string
	rr   dns.RR // canonical; TTL set
	// line of the entry (its "- name:" line). int32 beside noPTR: a
	// record is 40 bytes, not 48 (a file is at most maxFileSize bytes).
	line int32
	// noPTR: `ptr: false` on an A or AAAA entry; no PTR is derived from
	// this record (internal/reverse).
	noPTR bool
}

// validator holds what checking a record needs from Options.
type validator struct {
	zones      zoneSet
	defaultTTL uint32
	reserved   func(rrset.Key) string
}

func newValidator(o Options) *validator {
	return &validator{zones: newZoneSet(o.Zones), defaultTTL: o.DefaultTTL, reserved: o.Reserved}
}

// record checks one entry and appends its records (one per value) to recs.
// Every bad value is reported, not only the first: a person fixes them in
// one go. On errors recs is returned as it was.
func (v *validator) record(recs []record, f recordFields, ar *arena) ([]record, []*lineError) {
	e, lerr := v.check(f)
	if lerr != nil {
		return recs, []*lineError{lerr}
	}
	n0 := len(recs)
	var errs []*lineError
	for i := range e.count() {
		rr, lerr := e.value(e.node(i), ar)
		if lerr != nil {
			errs = append(errs, lerr)
			continue
		}
		recs = append(recs, record{zone: e.zone, rr: rr, line: int32(f.line), noPTR: e.noPTR})
	}
	if len(errs) > 0 {
		return recs[:n0], errs
	}
	return recs, nil
}

// entry is a record entry whose name, type, TTL and shape are valid.
type entry struct {
	zone  string
	hdr   dns.RR_Header
	parse valueParser
	// one (value), or else list (values, a list node): one is set.
	one, list *yaml.Node
	noPTR     bool
}

func (e *entry) count() int {
	if e.one != nil {
		return 1
	}
	return len(e.list.Content)
}

func (e *entry) node(i int) *yaml.Node {
	if e.one != nil {
		return e.one
	}
	return yamlnode.Deref(e.list.Content[i])
}

func (v *validator) check(f recordFields) (entry, *lineError) {
	var e entry
	if f.name == nil {
		return e, errAt(f.line, "record has no name")
	}
	raw, lerr := scalar(f.name, "name")
	if lerr != nil {
		return e, lerr
	}
	name, err := checkName(raw, true)
	if err != nil {
		return e, errAt(f.name.Line, "invalid name %s: %v", excerpt(raw), err)
	}
	if f.typ == nil {
		return e, errAt(f.line, "record %s has no type", name)
	}
	typName, lerr := scalar(f.typ, "type")
	if lerr != nil {
		return e, lerr
	}
	typ, ok := dns.StringToType[strings.ToUpper(typName)]
	if e.parse = valueParsers[typ]; !ok || e.parse == nil {
		return e, errAt(f.typ.Line, "unsupported type %s (want %s)", excerpt(typName), strings.Join(typeNames, ", "))
	}
	typName = dns.TypeToString[typ]

	if lerr = checkValues(f, name); lerr != nil {
		return e, lerr
	}
	e.one, e.list = f.value, f.values
	ttl, lerr := v.ttl(f.ttl)
	if lerr != nil {
		return e, lerr
	}
	if e.noPTR, lerr = ptrOptOut(f.ptr, typ); lerr != nil {
		return e, lerr
	}

	e.zone = v.zones.zoneOf(name)
	switch {
	case e.zone == "":
		lerr := errAt(f.name.Line, "name %s is not inside a managed zone (%s)", name, v.zones.list)
		lerr.unzoned = name
		return e, lerr
	case name == e.zone && typ == dns.TypeCNAME:
		return e, errAt(f.line, "CNAME at the zone apex %s is not allowed", e.zone)
	case name == e.zone && typ == dns.TypeNS:
		return e, errAt(f.line, "NS at the zone apex %s is not allowed: the apex NS records come from the configuration", e.zone)
	case typ == dns.TypeCNAME && e.count() > 1:
		return e, errAt(f.line, "CNAME %s has %d values; a CNAME has exactly one", name, e.count())
	}
	if v.reserved != nil {
		if why := v.reserved(rrset.Key{Name: name, Type: typ}); why != "" {
			return e, errAt(f.line, "%s %s is reserved: %s", name, typName, why)
		}
	}
	e.hdr = dns.RR_Header{Name: name, Rrtype: typ, Class: dns.ClassINET, Ttl: ttl}
	return e, nil
}

// value parses one value of the entry into a canonical record.
func (e entry) value(n *yaml.Node, ar *arena) (dns.RR, *lineError) {
	typName := dns.TypeToString[e.hdr.Rrtype]
	s, lerr := scalar(n, "value")
	if lerr != nil {
		return nil, lerr
	}
	if hasControl(s) {
		return nil, errAt(n.Line, "invalid %s value %s: contains a control character (newline, tab, ...)", typName, excerpt(s))
	}
	var rr dns.RR
	var err error
	if e.hdr.Rrtype == dns.TypeA {
		rr, err = ar.parseA(e.hdr, s)
	} else {
		rr, err = e.parse(e.hdr, s)
	}
	if err != nil {
		return nil, errAt(n.Line, "invalid %s value %s: %v", typName, excerpt(s), err)
	}
	return rrset.Canonical(rr), nil
}

// checkValues checks the value nodes of an entry: exactly one of value and
// values, and values a list, not empty.
func checkValues(f recordFields, name string) *lineError {
	switch {
	case f.value != nil && f.values != nil:
		return errAt(f.line, "record %s has both value and values (use one)", name)
	case f.value != nil:
		return nil
	case f.values == nil:
		return errAt(f.line, "record %s has neither value nor values", name)
	case f.values.Kind != yaml.SequenceNode:
		return errAt(f.values.Line, "values must be a list, got %s (use value for one)", yamlnode.Describe(f.values))
	case len(f.values.Content) == 0:
		return errAt(f.values.Line, "values is empty")
	}
	return nil
}

// ttl reads a plain decimal TTL; YAML's other integer spellings (0x.., 1_000)
// are refused as surprising in a TTL.
func (v *validator) ttl(n *yaml.Node) (uint32, *lineError) {
	if n == nil {
		return v.defaultTTL, nil
	}
	got := yamlnode.Describe(n)
	if n.Kind == yaml.ScalarNode && !yamlnode.IsNull(n) {
		if t, err := strconv.ParseUint(n.Value, 10, 32); err == nil && t <= maxTTL {
			return uint32(t), nil
		}
		got = excerpt(n.Value) // a ttl in a well-formed entry: quoting it helps fix it
	}
	return 0, errAt(n.Line, "invalid ttl %s: want an integer from 0 to %d", got, maxTTL)
}

// scalar returns the text of a scalar as written. The YAML type does not
// matter (a TXT value of 123 is the text "123"), but null and collections
// are errors.
func scalar(n *yaml.Node, what string) (string, *lineError) {
	if n.Kind != yaml.ScalarNode || yamlnode.IsNull(n) {
		return "", errAt(n.Line, "%s must be a string, got %s", what, yamlnode.Describe(n))
	}
	return n.Value, nil
}

// ptrOptOut reads the optional `ptr` key: false opts an A or AAAA record out
// of the PTR records derived for reverse zones. On any other type it is an
// error rather than ignored: it would promise something that never happens.
func ptrOptOut(n *yaml.Node, typ uint16) (bool, *lineError) {
	if n == nil {
		return false, nil
	}
	if typ != dns.TypeA && typ != dns.TypeAAAA {
		return false, errAt(n.Line, "ptr applies only to A and AAAA records, not %s", dns.TypeToString[typ])
	}
	var want bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&want) != nil {
		return false, errAt(n.Line, "ptr must be true or false, got %s", yamlnode.Describe(n))
	}
	return !want, nil
}
