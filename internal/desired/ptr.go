package desired

import (
	"maps"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// The `ptr: false` opt-out travels beside the merged RRsets rather than in
// them: rrset.Set is the unit every comparison uses, and a flag there would
// make an opted-out address differ from the served one. Nearly no record
// opts out, so a zone keeps a map only once one does.

// forgetNoPTR drops name's opt-outs before the name is merged again.
func (zv *zoneView) forgetNoPTR(name string) {
	if zv.noPTR == nil {
		return
	}
	delete(zv.noPTR, rrset.Key{Name: name, Type: dns.TypeA})
	delete(zv.noPTR, rrset.Key{Name: name, Type: dns.TypeAAAA})
	if len(zv.noPTR) == 0 {
		zv.noPTR = nil
	}
}

// noteNoPTR records the opt-outs of one merged name. A value declared by
// several entries is opted out when any of them says `ptr: false`: someone
// asked for no PTR, and publishing one anyway cannot be taken back by them.
// Each value set is built anew, never changed in place, so States may share
// it.
func (zv *zoneView) noteNoPTR(files byFile) {
	for k, values := range optOuts(files) {
		if zv.noPTR == nil {
			zv.noPTR = make(map[rrset.Key]map[string]bool)
		}
		zv.noPTR[k] = values
	}
}

// optOuts is the values of files' records that opt out of their PTR, by
// key; nil when none does.
func optOuts(files byFile) map[rrset.Key]map[string]bool {
	var out map[rrset.Key]map[string]bool
	for _, f := range files {
		for _, r := range f.recs() {
			if !r.noPTR {
				continue
			}
			if out == nil {
				out = make(map[rrset.Key]map[string]bool)
			}
			k := rrset.KeyOf(r.rr)
			if out[k] == nil {
				out[k] = make(map[string]bool)
			}
			out[k][rrset.Rdata(r.rr)] = true
		}
	}
	return out
}

// sameNoPTR reports whether name's opt-outs, as files declare them now,
// are the ones noted.
func (zv *zoneView) sameNoPTR(name string, files byFile) bool {
	now := optOuts(files)
	for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
		k := rrset.Key{Name: name, Type: t}
		if !maps.Equal(now[k], zv.noPTR[k]) {
			return false
		}
	}
	return true
}
