package dnssec

import (
	"container/heap"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// expiry is one signature in the index: the expiration of the RRSIG over
// (name, t). An entry whose signature was replaced since is stale: it is
// skipped when it comes up (see current), not looked for when replaced.
type expiry struct {
	exp  uint32
	name string
	t    uint16
}

// expiryHeap orders signatures by expiration, earliest first, in RFC 4034
// serial arithmetic (every expiration lies within 68 years of the others).
type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return int32(h[i].exp-h[j].exp) < 0 }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// current reports whether e is still a signature in z.
func (z *Signed) current(e expiry) bool {
	set := z.Sets[rrset.Key{Name: e.name, Type: dns.TypeRRSIG}]
	if set == nil {
		return false
	}
	for _, rr := range set.RRs {
		if sig := rr.(*dns.RRSIG); sig.TypeCovered == e.t && sig.Expiration == e.exp {
			return true
		}
	}
	return false
}

// reindex builds the index from every signature in z: after a full
// signing, a walk, or when stale entries outnumber the zone.
func (z *Signed) reindex() {
	h := make(expiryHeap, 0, len(z.Sets))
	z.maxIncp = 0
	first := true
	for k, set := range z.Sets {
		if k.Type != dns.TypeRRSIG {
			continue
		}
		for _, rr := range set.RRs {
			sig := rr.(*dns.RRSIG)
			h = append(h, expiry{sig.Expiration, k.Name, sig.TypeCovered})
			if first || int32(sig.Inception-z.maxIncp) > 0 {
				z.maxIncp, first = sig.Inception, false
			}
		}
	}
	heap.Init(&h)
	z.expiry = h
}

// index adds the signatures an incremental signing made to the index.
func (z *Signed) index(edits *sigEdits) {
	if z.expiry == nil {
		z.reindex()
		return
	}
	for name, types := range edits.byName {
		for _, sigs := range types {
			for _, rr := range sigs {
				sig := rr.(*dns.RRSIG)
				heap.Push(&z.expiry, expiry{sig.Expiration, name, sig.TypeCovered})
				if int32(sig.Inception-z.maxIncp) > 0 {
					z.maxIncp = sig.Inception
				}
			}
		}
	}
	if len(z.expiry) > 2*len(z.Sets)+1024 {
		z.reindex()
	}
}

// refresh adds to edits the signatures due for refresh that the change
// did not make already. A zone not walked yet (read from outside, or
// after an error), or a clock that went back before a signature's
// inception, takes a walk of every signature; otherwise the index gives
// the due ones, and the cost is what is due, not the zone.
func (z *Signed) refresh(s *signer, edits *sigEdits) error {
	if !z.checked || z.expiry == nil || int32(s.nowSerial-z.maxIncp) < 0 {
		if err := s.refreshWalk(z.Sets, edits); err != nil {
			return err
		}
		z.checked, z.expiry = true, nil // index rebuilt once the edits are in
		return nil
	}
	type due struct {
		name string
		t    uint16
	}
	var todo []due
	for len(z.expiry) > 0 && int32(z.expiry[0].exp-s.horizon) < 0 {
		e := heap.Pop(&z.expiry).(expiry)
		if !z.current(e) || edits.has(e.name, e.t) {
			continue
		}
		todo = append(todo, due{e.name, e.t})
		edits.drop(e.name, e.t) // marks it; put below
	}
	for _, d := range todo {
		set := z.Sets[rrset.Key{Name: d.name, Type: d.t}]
		if set == nil {
			continue // a signature of nothing: dropped
		}
		sigs, err := s.sigs(set, nil, true)
		if err != nil {
			return err
		}
		edits.put(d.name, d.t, sigs)
	}
	return nil
}

// Due reports whether a signature in z falls due for refresh under p at
// now (expires within p.Refresh, or is not valid yet): a write then signs
// it again. From the index it costs the stale entries it drops on the way;
// a zone not walked yet is walked.
func (z *Signed) Due(p Policy, now time.Time) bool {
	nowSerial, horizon := uint32(now.Unix()), uint32(now.Add(p.Refresh).Unix())
	if !z.checked || z.expiry == nil {
		for k, set := range z.Sets {
			if k.Type != dns.TypeRRSIG {
				continue
			}
			for _, rr := range set.RRs {
				sig := rr.(*dns.RRSIG)
				if int32(nowSerial-sig.Inception) < 0 || int32(sig.Expiration-horizon) < 0 {
					return true
				}
			}
		}
		return false
	}
	if int32(nowSerial-z.maxIncp) < 0 {
		return true
	}
	for len(z.expiry) > 0 && !z.current(z.expiry[0]) {
		heap.Pop(&z.expiry)
	}
	return len(z.expiry) > 0 && int32(z.expiry[0].exp-horizon) < 0
}
