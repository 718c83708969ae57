package verify

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// A change of many RRsets is verified by one zone transfer instead of a
// query per set (100,000 queries take seconds). A transfer is the server's
// own data, so its sets are judged as authoritative answers: exactly, TTL
// included.

// Streamer reads a zone record by record without holding it, as
// observed.Client does.
type Streamer interface {
	Stream(ctx context.Context, zone string, fn func(dns.RR) error) (uint32, error)
}

// ServedAll streams zone from st and reports whether every wanted set (nil:
// absent) is served exactly: each served record of a wanted key must be
// wanted, with the wanted TTL, and as many must match as are wanted (sets
// hold no duplicates). It holds no copy of the zone: the common case (all
// served) costs one pass over the transfer.
func ServedAll(ctx context.Context, st Streamer, zone string, want map[rrset.Key]*rrset.Set) (bool, error) {
	expected := 0
	for _, w := range want {
		if w != nil {
			expected += len(w.RRs)
		}
	}
	matched, wrong := 0, false
	_, err := st.Stream(ctx, zone, func(rr dns.RR) error {
		w, wanted := want[rrset.KeyOf(rr)]
		switch {
		case !wanted:
		case w != nil && rr.Header().Ttl == w.TTL && w.Contains(rr):
			matched++
		default:
			wrong = true
		}
		return nil
	})
	return err == nil && !wrong && matched == expected, err
}

// CompareZone judges every wanted set against served, a zone as transferred
// from server (empty: not known to the caller).
func CompareZone(server string, served rrset.Zone, want map[rrset.Key]*rrset.Set) Report {
	rep := Report{Time: time.Now(), Checked: len(want), Results: make([]Result, 0, len(want))}
	if server != "" {
		rep.Servers = []string{server}
	}
	for _, k := range slices.SortedFunc(maps.Keys(want), rrset.Key.Compare) {
		rep.Results = append(rep.Results, judge(server, k, want[k], served[k], true, time.Time{}))
	}
	return rep
}
