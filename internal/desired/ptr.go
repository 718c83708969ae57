package desired

import (
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
	for _, f := range files {
		for _, r := range f.recs() {
			if !r.noPTR {
				continue
			}
			if zv.noPTR == nil {
				zv.noPTR = make(map[rrset.Key]map[string]bool)
			}
			k := rrset.KeyOf(r.rr)
			if zv.noPTR[k] == nil {
				zv.noPTR[k] = make(map[string]bool)
			}
			zv.noPTR[k][rrset.Rdata(r.rr)] = true
		}
	}
}
