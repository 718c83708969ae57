// Package diff computes the minimal change that makes what is served equal to
// what is desired, and decides which of it may be applied: every
// deletion-safety rule lives here (safety.go). It is pure: no I/O, no
// clock, deterministic output, so that a plan can be printed, judged and
// applied by any backend.
package diff

import (
	"maps"
	"slices"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Action is what a Change does to one RRset.
type Action int

// The actions, in the order a plan applies them.
const (
	Delete Action = iota
	Create
	Update
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	default:
		return "delete"
	}
}

// Symbol is the plan's one-character mark for the action.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	default:
		return "-"
	}
}

// Change replaces one RRset: Old is nil for a create, New is nil for a delete.
type Change struct {
	Action Action
	Key    rrset.Key
	Old    *rrset.Set
	New    *rrset.Set
}

// Plan is the ordered list of changes for one zone.
type Plan struct {
	Zone    string
	Changes []Change
	// Adopt lists desired sets already served exactly as desired but not
	// yet managed: the backend takes them over without a change.
	Adopt []rrset.Key
	// Foreign lists desired sets that differ from a served set dnssync does
	// not manage. They are left alone and reported.
	Foreign []rrset.Key
	// Conflicts lists the names Input.Held keeps as served, in canonical
	// order: records.d declares them, in ways that disagree, so the plan
	// is not in sync while they stand.
	Conflicts []string
	// HeldDeletes lists the deletions the safety rules keep back while a
	// record file is unread (Judge): shown, never applied, so that a plan
	// can say what waits on an unread file.
	HeldDeletes []Change
	// HeldUnzoned, when set, is why HeldDeletes are held: files read but
	// waiting for a zone (their reasons, one a file), not a file unread.
	HeldUnzoned []string
}

// Empty reports whether nothing needs to change.
func (p Plan) Empty() bool { return len(p.Changes) == 0 }

// Input is everything Compute looks at.
type Input struct {
	Zone    string
	Desired rrset.Sets // nil: none
	// Base holds the backend's own records (a zone file's SOA and NS). They
	// are desired too, and win over Desired at the same key. Apart, so that
	// Desired, shared and large, is never copied.
	Base     rrset.Zone
	Observed rrset.Zone
	// Held names stay as served: they are in conflict in records.d.
	Held map[string]bool
	// Managed reports whether an observed RRset is dnssync's to change or
	// delete. Nil means every RRset in the zone is.
	Managed func(rrset.Key) bool
	// Only, when not nil, limits the plan to these names: the caller knows
	// the rest is in sync (it was when last applied, and only these names
	// changed since). The cost is then that of the change, not the zone.
	Only map[string]bool
}

// Compute returns the changes that turn Observed into Desired, within the
// limits Input sets. Whether they may be applied is Judge's to say. Deletes come first (CNAMEs before anything else, so a
// name can change type in one message), then creates, then updates.
func Compute(in Input) Plan {
	p := Plan{Zone: in.Zone}
	if in.Desired == nil {
		in.Desired = rrset.Zone(nil)
	}
	managed := func(k rrset.Key) bool { return in.Managed == nil || in.Managed(k) }
	// desire plans k to be served as want. Base wins over Desired at a key;
	// a held name keeps what is served (the backend's own records are never
	// held).
	desire := func(k rrset.Key, want *rrset.Set, fromBase bool) {
		if !fromBase && (in.Held[k.Name] || in.Base[k] != nil) {
			return
		}
		p.plan(in, k, want, managed)
	}
	remove := func(k rrset.Key, have *rrset.Set) {
		_, inBase := in.Base[k]
		if inBase || in.Desired.Get(k) != nil || in.Held[k.Name] || !managed(k) {
			return
		}
		p.Changes = append(p.Changes, Change{Action: Delete, Key: k, Old: have})
	}
	// Per name, Only looks up every type there is; past a share of the zone
	// a full pass over the zone is cheaper, and gives the same plan.
	if in.Only != nil && len(in.Only)*len(dns.TypeToString) > 2*(in.Desired.Len()+len(in.Observed)) {
		in.Only = nil
	}
	if in.Only != nil {
		for name := range in.Only {
			for t := range dns.TypeToString {
				k := rrset.Key{Name: name, Type: t}
				if want, ok := in.Base[k]; ok {
					desire(k, want, true)
				} else if want := in.Desired.Get(k); want != nil {
					desire(k, want, false)
				}
				if have, ok := in.Observed[k]; ok {
					remove(k, have)
				}
			}
		}
	} else {
		for k, want := range in.Base {
			desire(k, want, true)
		}
		for k, want := range in.Desired.All() {
			desire(k, want, false)
		}
		for k, have := range in.Observed {
			remove(k, have)
		}
	}
	rrset.SortBy(p.Changes, changeRank, func(c Change) rrset.Key { return c.Key })
	slices.SortFunc(p.Adopt, rrset.Key.Compare)
	slices.SortFunc(p.Foreign, rrset.Key.Compare)
	for name, held := range in.Held {
		if held {
			p.Conflicts = append(p.Conflicts, name)
		}
	}
	slices.SortFunc(p.Conflicts, rrset.CompareNames)
	return p
}

// plan adds what it takes to serve want at k.
func (p *Plan) plan(in Input, k rrset.Key, want *rrset.Set, managed func(rrset.Key) bool) {
	have, ok := in.Observed[k]
	switch {
	case !ok:
		p.Changes = append(p.Changes, Change{Action: Create, Key: k, New: want})
	case !managed(k) && want.Equal(have):
		p.Adopt = append(p.Adopt, k)
	case !managed(k):
		p.Foreign = append(p.Foreign, k)
	case !want.Equal(have):
		p.Changes = append(p.Changes, Change{Action: Update, Key: k, Old: have, New: want})
	}
}

// changeRank orders a plan's changes before their keys do: by action,
// and among deletions CNAMEs first, so that a name freed of its CNAME can
// take other data.
func changeRank(c Change) byte {
	r := byte(c.Action) * 2
	if c.Action == Delete && c.Key.Type != dns.TypeCNAME {
		r++
	}
	return r
}

// ApplyTo applies the plan to z in place.
func (p Plan) ApplyTo(z rrset.Zone) {
	for _, c := range p.Changes {
		if c.New == nil {
			delete(z, c.Key)
		} else {
			z[c.Key] = c.New
		}
	}
}

// Apply returns observed with the plan applied, sharing unchanged sets;
// observed is not changed.
func (p Plan) Apply(observed rrset.Zone) rrset.Zone {
	out := maps.Clone(observed)
	if out == nil {
		out = rrset.Zone{}
	}
	p.ApplyTo(out)
	return out
}
