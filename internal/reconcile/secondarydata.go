package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Secondaries' data: a serial says which version of the zone a secondary
// holds, not that it holds it intact. A scheduled check therefore compares
// the data of each secondary that serves the primary's serial with the
// desired state, by one zone transfer from it: at 100,000 records a query
// per RRset is 100,000 queries per secondary per check (seconds to
// minutes), a transfer streams the zone once. Only the wanted sets are
// kept from the stream, so memory stays what records.d already costs.
//
// A secondary behind the primary is not transferred from: its serial
// already fails the check, and its data would only repeat it. One whose
// data was compared equal at a serial is not transferred from again until
// its serial (or records.d) changes: a server's data at a serial changes
// only with the serial, unless the server is corrupt; a transfer every
// check would cost the whole zone per secondary per schedule to catch
// only that.
//
// Sets the primary itself does not serve as desired (a change held by the
// safety rules, a failed apply) are left out: the check reports them on
// the primary, and a secondary copying the primary faithfully is in sync.
// Only the differing sets become results of the check (at the secondary's
// address): 100,000 verified results per secondary would double the
// report for nothing.

// dataRefused is the note on a secondary that refuses transfers to
// dnssync (BIND's and Knot's default): its data is not compared, which is
// not a failure.
const dataRefused = "data not compared: transfer refused"

// dataParallelism bounds the transfers from secondaries a check runs at
// once: each streams a whole zone (100,000 records), and a check of
// 1,000 zones on four secondaries must not open 4,000 transfers at once.
const dataParallelism = 4

// dataMark is what a secondary's data was last compared equal at.
type dataMark struct {
	serial     uint32
	generation uint64 // of the desired state compared with
}

// dataJob is one secondary of one zone whose data a check compares.
type dataJob struct {
	status  *verify.ServerStatus
	sec     Secondary
	mark    dataMark
	equal   bool // compared equal: remember mark
	results []verify.Result
}

// compareData compares the data of each secondary in rep.Sync that serves
// the primary's serial with st (nil: none is compared), in parallel, and
// marks those serving other data not in sync. Run under r.mu.
func (r *Reconciler) compareData(ctx context.Context, st *desired.State, rep *verify.Report) {
	if st == nil {
		return
	}
	skip := map[rrset.Key]bool{}
	primary := authority(*rep)
	for _, res := range rep.Results {
		if res.Server == primary && res.Failed() {
			skip[res.Key] = true
		}
	}
	var jobs []*dataJob
	for i := range rep.Sync {
		s := &rep.Sync[i]
		if s.Role != verify.RoleSecondary || !s.InSync || s.Serial == 0 { // 0: not asked (catalogcheck.go)
			continue
		}
		sec, ok := r.secondaryAt(s.Zone, s.Server)
		if !ok || sec.Data == nil {
			continue
		}
		mark := dataMark{serial: s.Serial, generation: st.Generation}
		if seen, ok := r.dataSeen[s.Zone+" "+s.Server]; ok && seen == mark {
			continue
		}
		jobs = append(jobs, &dataJob{status: s, sec: sec, mark: mark})
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, dataParallelism)
	for _, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			j.compare(ctx, wanted(st.Zone(j.status.Zone), skip))
		})
	}
	wg.Wait()
	for _, j := range jobs {
		if j.equal {
			if r.dataSeen == nil {
				r.dataSeen = map[string]dataMark{}
			}
			r.dataSeen[j.status.Zone+" "+j.status.Server] = j.mark
		}
		rep.Add(j.results...)
	}
	r.logNotes(rep.Sync)
}

// logNotes logs, when they change, the secondaries whose data a check
// could not compare: not a failure, but the operator should know what the
// check does not cover (and that allowing transfers to dnssync fixes it).
func (r *Reconciler) logNotes(sync []verify.ServerStatus) {
	var noted []verify.ServerStatus
	key := []string{}
	for _, s := range sync {
		if s.Note != "" {
			noted = append(noted, s)
			key = append(key, s.Zone+" "+s.Server+" "+s.Note)
		}
	}
	if !r.changed("secondary data", key) {
		return
	}
	for _, s := range noted {
		r.Log.Info("secondary data not compared", "zone", s.Zone, "secondary", s.Name, "note", s.Note)
	}
}

// compare transfers the wanted sets of j's zone from j's secondary and
// judges them.
func (j *dataJob) compare(ctx context.Context, want map[rrset.Key]*rrset.Set) {
	s := j.status
	served := rrset.Zone{}
	serial, err := j.sec.Data.Stream(ctx, s.Zone, func(rr dns.RR) error {
		if _, ok := want[rrset.KeyOf(rr)]; ok {
			served.Put(rr)
		}
		return nil
	})
	switch {
	case errors.Is(err, observed.ErrTransferRefused):
		s.Note = dataRefused
		return
	case err != nil:
		s.Note = fmt.Sprintf("data not compared: %v", err)
		return
	case serial != s.Want:
		// It moved between its SOA answer and the transfer: the next check
		// compares it at the serial it settles on.
		s.Note = fmt.Sprintf("data not compared: it served serial %d by transfer, want %d", serial, s.Want)
		return
	}
	failed := verify.CompareZone(s.Server, served, want).Failed()
	if len(failed) == 0 {
		j.equal = true
		return
	}
	s.InSync, s.Reason = false, fmt.Sprintf("data differs at serial %d: %d RRsets", serial, len(failed))
	j.results = failed
}

// wanted is zone's desired sets but those in skip.
func wanted(zone rrset.Sets, skip map[rrset.Key]bool) map[rrset.Key]*rrset.Set {
	out := make(map[rrset.Key]*rrset.Set, zone.Len())
	for k, s := range zone.All() {
		if !skip[k] {
			out[k] = s
		}
	}
	return out
}

// secondaryAt is the secondary at addr serving zone.
func (r *Reconciler) secondaryAt(zone, addr string) (Secondary, bool) {
	for _, s := range r.secondariesOf(zone) {
		if s.Addr == addr {
			return s, true
		}
	}
	return Secondary{}, false
}
