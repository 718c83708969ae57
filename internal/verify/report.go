package verify

import "time"

// Report is one check: every wanted RRset at every server asked.
type Report struct {
	Time    time.Time
	Servers []string // as asked, the authoritative one first
	Checked int      // RRsets times servers
	// Results holds every RRset at every server, verified ones included,
	// by key and then server.
	Results []Result
	// Sync is, per zone checked, each server's state of the zone (the
	// primary, its secondaries, the resolvers): servers.go. Empty for a
	// check of RRsets alone.
	Sync []ServerStatus
	// DNSSEC is, per signed zone, its validation at each authoritative
	// server (dnsseczone.go). Empty when no zone is signed.
	DNSSEC []ZoneSignature
}

// DNSSECFailed returns the signed zones that do not validate at a server.
func (r Report) DNSSECFailed() []ZoneSignature {
	var out []ZoneSignature
	for _, z := range r.DNSSEC {
		if !z.OK() {
			out = append(out, z)
		}
	}
	return out
}

// Failed returns the results that count against the check: neither
// verified nor lagging.
func (r Report) Failed() []Result { return r.filter(Result.Failed) }

// Lagging returns the caches still within the TTL of a change.
func (r Report) Lagging() []Result {
	return r.filter(func(res Result) bool { return res.Status == StatusLagging })
}

// NotVerified returns what is worth a line in a report: the failed
// results and the lagging ones, in order.
func (r Report) NotVerified() []Result {
	return r.filter(func(res Result) bool { return res.Status != StatusVerified })
}

// OK reports whether every RRset is served as desired (lagging caches
// aside), every authoritative server checked is in sync, and every
// signed zone validates at each.
func (r Report) OK() bool {
	if len(r.OutOfSync()) > 0 || len(r.DNSSECFailed()) > 0 {
		return false
	}
	for _, res := range r.Results {
		if res.Failed() {
			return false
		}
	}
	return true
}

func (r Report) filter(keep func(Result) bool) []Result {
	var out []Result
	for _, res := range r.Results {
		if keep(res) {
			out = append(out, res)
		}
	}
	return out
}
