package dnssec

import (
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// Sign returns unsigned signed with keys at now: the DNSKEY RRset of the
// published keys (signed by the KSK or CSK), CDS and CDNSKEY for the parent,
// an NSEC chain (or NSEC3 and NSEC3PARAM) over the authoritative names,
// and RRSIGs over every authoritative RRset, but not over a delegation's NS
// or the glue below it (a delegation's DS is signed). zone is canonical;
// unsigned holds the zone's SOA and none of the types the signer makes.
// unsigned is not modified; the result shares its sets.
func Sign(zone string, unsigned rrset.Zone, keys []*Key, p Policy, now time.Time) (rrset.Zone, error) {
	s, err := newSigner(zone, keys, p, now)
	if err != nil {
		return nil, err
	}
	return s.full(unsigned)
}

// full signs the whole zone, reusing s.prev's fresh signatures of sets
// that did not change.
func (s *signer) full(unsigned rrset.Zone) (rrset.Zone, error) {
	soa, err := checkUnsigned(s.zone, unsigned)
	if err != nil {
		return nil, err
	}
	out := make(rrset.Zone, len(unsigned)*3)
	for k, set := range unsigned {
		out[k] = set
	}
	for _, set := range s.apexSets(soa) {
		out[set.Key] = set
	}
	kinds := make(map[string]kind, len(out))
	names := make([]string, 0, len(out))
	for name := range typesByName(out) {
		k := kindOf(out, s.zone, name)
		kinds[name] = k
		if k != occluded {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, rrset.CompareNames)
	s.chain = names
	if s.p.NSEC3 {
		s.addNSEC3(out, names, kinds, soa)
	} else {
		addNSEC(out, s.zone, names, kinds, negativeTTL(soa))
	}
	return out, s.signAll(out, kinds)
}

// apexSets are the DNSKEY RRset of the published keys and the CDS and
// CDNSKEY of the active key-signing keys (SHA-256), with the SOA's TTL.
// During a KSK or CSK roll the CDS names the incoming key only once it is
// active: a parent that polls moves to it when the zone says so.
func (s *signer) apexSets(soa *dns.SOA) []*rrset.Set {
	ttl := soa.Hdr.Ttl
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: s.zone, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	var keys, cds, cdnskey []dns.RR
	for _, k := range s.published {
		key := *k.DNSKEY
		key.Hdr = hdr(dns.TypeDNSKEY)
		keys = append(keys, &key)
	}
	for _, k := range s.dsKeys {
		ds := k.DNSKEY.ToDS(dns.SHA256).ToCDS()
		ds.Hdr = hdr(dns.TypeCDS)
		cds = append(cds, ds)
		ck := k.DNSKEY.ToCDNSKEY()
		ck.Hdr = hdr(dns.TypeCDNSKEY)
		cdnskey = append(cdnskey, ck)
	}
	return []*rrset.Set{rrset.New(keys...), rrset.New(cds...), rrset.New(cdnskey...)}
}

// signAll puts the RRSIGs of every set that is signed into z. The sets
// are signed on every CPU: signing is nearly all of a cold start's work.
func (s *signer) signAll(z rrset.Zone, kinds map[string]kind) error {
	var jobs []*rrset.Set
	for k, set := range z {
		if k.Type == dns.TypeRRSIG {
			continue
		}
		kd, ok := kinds[k.Name]
		if !ok {
			kd = authoritative // NSEC3 owners: hashed names directly below the apex
		}
		if signed(kd, k.Type) {
			jobs = append(jobs, set)
		}
	}
	type result struct {
		sigs   []dns.RR
		reused bool
		err    error
	}
	results := make([]result, len(jobs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(jobs)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(jobs); i += workers {
				prev := s.before(rrset.Key{Name: jobs[i].Name, Type: dns.TypeRRSIG})
				r := &results[i]
				r.sigs, r.reused, r.err = s.makeSigs(jobs[i], prev, false)
			}
		})
	}
	wg.Wait()
	byName := make(map[string][]dns.RR, len(kinds))
	for i, r := range results {
		if r.err != nil {
			return r.err
		}
		s.count(len(r.sigs), r.reused)
		byName[jobs[i].Name] = append(byName[jobs[i].Name], r.sigs...)
	}
	for name, sigs := range byName {
		z[rrset.Key{Name: name, Type: dns.TypeRRSIG}] = sigSet(sigs)
	}
	return nil
}

// addNSEC puts the NSEC chain over names (canonical order, not occluded)
// into z: each name points at the next, the last at the apex.
func addNSEC(z rrset.Zone, apex string, names []string, kinds map[string]kind, ttl uint32) {
	types := typesByName(z)
	for i, name := range names {
		next := apex
		if i+1 < len(names) {
			next = names[i+1]
		}
		set := nsecSet(name, next, bitmap(kinds[name], types[name]), ttl)
		z[set.Key] = set
	}
}

func nsecSet(name, next string, types []uint16, ttl uint32) *rrset.Set {
	return rrset.New(&dns.NSEC{
		Hdr:        dns.RR_Header{Name: name, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: ttl},
		NextDomain: next,
		TypeBitMap: types,
	})
}
