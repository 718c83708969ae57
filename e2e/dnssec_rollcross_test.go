package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/verify"
)

// Across the stages of a roll: a validating resolver caches the DNSKEY
// RRset and the answers of one stage while the primary serves the next, so
// each stage must validate from the one before's keys and the one before's
// answers from its keys; and the next step may come only once nothing of
// the stage before can be cached any more (its TTLs have passed since the
// stage was served). These checks use the pure validator (internal/verify)
// on what the primary served at each stage.

// rollQueries are the answers kept at each stage: positive, NXDOMAIN and
// NODATA.
var rollQueries = []struct {
	name  string
	qtype uint16
}{
	{"www.example.com.", dns.TypeA},
	{"nope.example.com.", dns.TypeA},
	{"www.example.com.", dns.TypeAAAA},
}

// rollSnap is what the primary served at one stage of a roll.
type rollSnap struct {
	stage   string
	roll    *client.DNSSECRoll // the roll's status when the snapshot was taken
	keys    []dns.RR           // the DNSKEY RRset and its RRSIGs
	answers []*dns.Msg         // to rollQueries, in order
	ttl     time.Duration      // the largest TTL served
	seen    time.Time          // when the test first saw the stage served
}

func dnssecQuery(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(4096, true)
	in, _, err := (&dns.Client{Timeout: 2 * time.Second, Net: "tcp"}).Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s with DO at %s: %v", name, dns.TypeToString[qtype], addr, err)
	}
	return in
}

// snapRoll keeps what addr serves now, at the stage of roll r.
func snapRoll(t *testing.T, addr string, r *client.DNSSECRoll) rollSnap {
	t.Helper()
	s := rollSnap{stage: "done", roll: r, seen: time.Now()}
	if r != nil {
		s.stage = r.Stage
	}
	k := dnssecQuery(t, addr, "example.com.", dns.TypeDNSKEY)
	s.keys = k.Answer
	for _, rr := range k.Answer {
		s.ttl = max(s.ttl, time.Duration(rr.Header().Ttl)*time.Second)
	}
	for _, q := range rollQueries {
		a := dnssecQuery(t, addr, q.name, q.qtype)
		for _, rr := range append(append([]dns.RR(nil), a.Answer...), a.Ns...) {
			s.ttl = max(s.ttl, time.Duration(rr.Header().Ttl)*time.Second)
		}
		s.answers = append(s.answers, a)
	}
	return s
}

// crossValidates checks answers' answers with keys' DNSKEY RRset, as a
// resolver trusting ds and holding both would.
func crossValidates(keys, answers rollSnap, ds *dns.DS) error {
	now := time.Now()
	set, _, err := verify.ValidateDNSKEY("example.com.", keys.keys, verify.TrustAnchor{DS: []*dns.DS{ds}}, now, 0)
	if err != nil {
		return fmt.Errorf("the DNSKEY RRset of stage %s from the DS of key %d: %w", keys.stage, ds.KeyTag, err)
	}
	for i, q := range rollQueries {
		if _, err := verify.ValidateAnswer(answers.answers[i], q.name, q.qtype, set, now, 0); err != nil {
			return fmt.Errorf("%s %s of stage %s with the DNSKEY RRset of stage %s: %w", q.name, dns.TypeToString[q.qtype], answers.stage, keys.stage, err)
		}
	}
	return nil
}

// checkStages checks the stage next against prev, with each DS a parent
// may hold across both: each validates from the other's keys; and the
// step to next was taken only once the TTLs had passed since prev was
// first served (until then a resolver may hold what the stage before prev
// served, which next need not validate with). StageSince is kept to the
// second, and prev was seen served at most a poll after it was: a second
// of slack, which the roll margin (1s) covers.
func checkStages(t *testing.T, prev, next rollSnap, ds ...*dns.DS) {
	t.Helper()
	for _, d := range ds {
		if err := crossValidates(prev, next, d); err != nil {
			t.Errorf("a resolver holding stage %s's keys: %v", prev.stage, err)
		}
		if err := crossValidates(next, prev, d); err != nil {
			t.Errorf("a resolver holding stage %s's answers: %v", prev.stage, err)
		}
	}
	if prev.roll == nil || next.roll == nil {
		return
	}
	if step := next.roll.StageSince; step.Add(time.Second).Before(prev.seen.Add(prev.ttl)) {
		t.Errorf("the step to %s at %s came before the TTLs (%s) had passed since stage %s was served (seen at %s)",
			next.stage, step.Format(time.RFC3339Nano), prev.ttl, prev.stage, prev.seen.Format(time.RFC3339Nano))
	}
}
