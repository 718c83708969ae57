package dnssec

import (
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
	"github.com/miekg/dns"
)

// rollPolicy has short roll waits, and a backdate that covers the fake
// clock running ahead of the real one (dnssec-verify judges by the real
// clock).
func rollPolicy(split bool) Policy {
	p := DefaultPolicy()
	p.Split = split
	p.Backdate = 12 * time.Hour
	p.RollMargin = time.Minute
	p.ParentDSTTL = 10 * time.Minute
	return p
}

// parentDS is the DS a parent holds for k.
func parentDS(k *Key) *dns.DS { return k.DNSKEY.ToDS(dns.SHA256) }

// queries are the answers checked at every step: positive, NXDOMAIN and
// NODATA, at the apex and below it.
var rollQueries = []struct {
	name  string
	qtype uint16
}{
	{"www.example.com.", dns.TypeA},
	{"example.com.", dns.TypeMX},
	{"nope.example.com.", dns.TypeA},
	{"www.example.com.", dns.TypeTXT},
	{"example.com.", dns.TypeAAAA},
}

// answerOf builds the answer an authoritative server gives from z: the
// set and its signatures, or for a denial the SOA and every NSEC with
// their signatures (the validator picks the proof it needs).
func answerOf(z rrset.Zone, name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	signedSet := func(k rrset.Key) []dns.RR {
		out := append([]dns.RR(nil), z[k].RRs...)
		for _, sig := range covering(z, k) {
			out = append(out, sig)
		}
		return out
	}
	if set := z[rrset.Key{Name: name, Type: qtype}]; set != nil {
		m.Answer = signedSet(set.Key)
		return m
	}
	m.Ns = signedSet(rrset.Key{Name: testZone, Type: dns.TypeSOA})
	exists := false
	for k := range z {
		if k.Type == dns.TypeNSEC {
			m.Ns = append(m.Ns, signedSet(k)...)
		}
		exists = exists || k.Name == name
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	return m
}

// validatesFrom checks z as a validating resolver would, trusting the
// parent's DS set ds and the DNSKEY RRset in keysFrom (the zone's, or
// one a resolver cached from an earlier stage): it reports the first
// failure.
func validatesFrom(z, keysFrom rrset.Zone, ds []*dns.DS, now time.Time) error {
	k := rrset.Key{Name: testZone, Type: dns.TypeDNSKEY}
	rrs := append([]dns.RR(nil), keysFrom[k].RRs...)
	for _, sig := range covering(keysFrom, k) {
		rrs = append(rrs, sig)
	}
	keys, _, err := verify.ValidateDNSKEY(testZone, rrs, verify.TrustAnchor{DS: ds}, now, time.Hour)
	if err != nil {
		return err
	}
	for _, q := range rollQueries {
		if _, err := verify.ValidateAnswer(answerOf(z, q.name, q.qtype), q.name, q.qtype, keys, now, time.Hour); err != nil {
			return err
		}
	}
	return nil
}

// TestRoll steps a ZSK, a KSK and a CSK roll through every stage with a
// fake clock, signing the zone at each as the daemon would, and checks at
// each: dnssec-verify passes; the zone validates from the DS the parent
// may hold then (the old one until the new one is published, then the
// new one, and both while a resolver may still hold the old); a resolver
// holding the previous stage's DNSKEY RRset validates the new answers,
// and one holding the previous answers validates them with the new
// DNSKEY RRset (until the old key is removed, which the waits cover); and
// the steps wait for what they must.
func TestRoll(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		split bool
		kind  Role
	}{
		{"zsk", true, ZSK},
		{"ksk", true, KSK},
		{"csk", false, CSK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := rollPolicy(tc.split)
			keys := testKeys(t, p)
			var ksk *Key
			for _, k := range keys {
				if k.Role.signsKeys() {
					ksk = k
				}
			}
			now := t0
			serial := 1
			sign := func() rrset.Zone {
				t.Helper()
				serial++
				z, err := Sign(testZone, testUnsigned(t, serial), keys, p, now)
				if err != nil {
					t.Fatal(err)
				}
				validate(t, z, keys, p, now)
				dnssecVerify(t, z, p, now)
				return z
			}
			prev := sign()
			keys, roll, err := StartRoll(testZone, keys, tc.kind, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ApplyRequest(testZone, keys, roll, RollRequest{Action: RequestStart, Kind: tc.kind}, p, now); err == nil {
				t.Error("a second roll was started while one is in progress")
			}
			var oldKey, newKey *Key
			for _, k := range keys {
				switch k.Tag() {
				case roll.Old:
					oldKey = k
				case roll.New:
					newKey = k
				}
			}
			oldDS := []*dns.DS{parentDS(ksk)}
			firstDS := oldDS // the DS the parent held before the roll
			newDS := oldDS
			if tc.kind != ZSK {
				newDS = []*dns.DS{parentDS(newKey)}
			}
			for stages := 0; roll != nil; stages++ {
				if stages > 3 {
					t.Fatal("the roll does not end")
				}
				z := sign()
				roll.Serial = uint32(serial)
				dsHeld := [][]*dns.DS{oldDS}
				switch {
				case roll.Stage == StageSwap && tc.kind != ZSK:
					dsHeld = [][]*dns.DS{oldDS, newDS} // the parent may have polled the CDS
					cds := z[rrset.Key{Name: testZone, Type: dns.TypeCDS}]
					if len(cds.RRs) != 1 || cds.RRs[0].(*dns.CDS).KeyTag != newKey.Tag() {
						t.Errorf("stage %s: the CDS is %v, want only the new key %d", roll.Stage, cds.RRs, newKey.Tag())
					}
				case roll.Stage == StageRemove:
					dsHeld = [][]*dns.DS{newDS}
					if tc.kind != ZSK {
						if err := validatesFrom(z, z, firstDS, now); err == nil {
							t.Errorf("stage %s: the zone still validates from the old DS", roll.Stage)
						}
					}
				case roll.Stage == StagePublish:
					cds := z[rrset.Key{Name: testZone, Type: dns.TypeCDS}]
					if len(cds.RRs) != 1 || cds.RRs[0].(*dns.CDS).KeyTag != ksk.Tag() {
						t.Errorf("stage %s: the CDS is %v, want only the old key %d", roll.Stage, cds.RRs, ksk.Tag())
					}
				}
				for _, ds := range dsHeld {
					if err := validatesFrom(z, z, ds, now); err != nil {
						t.Errorf("stage %s, DS %d: %v", roll.Stage, ds[0].KeyTag, err)
					}
					if err := validatesFrom(z, prev, ds, now); err != nil && roll.Stage != StageRemove {
						t.Errorf("stage %s, DS %d, DNSKEY RRset of the stage before: %v", roll.Stage, ds[0].KeyTag, err)
					}
					if err := validatesFrom(prev, z, ds, now); err != nil && roll.Stage != StageRemove {
						t.Errorf("stage %s, DS %d, answers of the stage before: %v", roll.Stage, ds[0].KeyTag, err)
					}
				}
				if roll.Due(now) {
					t.Fatalf("stage %s: due before it was seen served", roll.Stage)
				}
				roll.MarkServed(p, TTLsOf(testZone, z), now)
				if roll.WaitsForDS() {
					now = now.Add(3 * time.Hour)
					if roll.Due(now) {
						t.Fatalf("stage %s: due before the parent's DS was published", roll.Stage)
					}
					if err := roll.SetDSPublished(p, now); err != nil {
						t.Fatal(err)
					}
					oldDS = newDS
				}
				if roll.Stage != StageRemove {
					if roll.Due(roll.NextAfter.Add(-time.Second)) {
						t.Fatalf("stage %s: due a second before %s", roll.Stage, roll.NextAfter)
					}
				}
				if !roll.Due(roll.NextAfter) {
					t.Fatalf("stage %s: not due at %s", roll.Stage, roll.NextAfter)
				}
				now = roll.NextAfter
				prev = z
				keys, roll, err = Advance(keys, roll, now)
				if err != nil {
					t.Fatal(err)
				}
			}
			z := sign()
			dnskeys := z[rrset.Key{Name: testZone, Type: dns.TypeDNSKEY}]
			for _, rr := range dnskeys.RRs {
				if rr.(*dns.DNSKEY).KeyTag() == oldKey.Tag() {
					t.Errorf("the old key %d is still published after the roll", oldKey.Tag())
				}
			}
			if len(keys) != len(testKeys(t, p)) {
				t.Errorf("%d keys after the roll, want %d", len(keys), len(testKeys(t, p)))
			}
			if err := validatesFrom(z, z, newDS, now); err != nil {
				t.Errorf("after the roll: %v", err)
			}
		})
	}
}

// TestRollWaits checks the waits the roll takes from the zone's TTLs and
// the policy: Ipub after publishing, Iret after a ZSK's or CSK's swap,
// the parent's DS TTL after the DS is published.
func TestRollWaits(t *testing.T) {
	t.Parallel()
	p := rollPolicy(false)
	ttls := ZoneTTLs{DNSKEY: 300 * time.Second, Max: 3600 * time.Second}
	served := t0
	for _, tc := range []struct {
		name string
		roll Roll
		ds   time.Time
		want time.Time
	}{
		{"publish", Roll{Kind: CSK, Stage: StagePublish}, time.Time{}, served.Add(300*time.Second + time.Minute)},
		{"zsk swap", Roll{Kind: ZSK, Stage: StageSwap}, time.Time{}, served.Add(3600*time.Second + time.Minute)},
		{"csk swap, DS early", Roll{Kind: CSK, Stage: StageSwap}, served, served.Add(3600*time.Second + time.Minute)},
		{"csk swap, DS late", Roll{Kind: CSK, Stage: StageSwap}, served.Add(time.Hour), served.Add(time.Hour + 11*time.Minute)},
		{"ksk swap", Roll{Kind: KSK, Stage: StageSwap}, served.Add(time.Minute), served.Add(12 * time.Minute)},
		{"remove", Roll{Kind: KSK, Stage: StageRemove}, time.Time{}, served},
	} {
		r := tc.roll
		r.Serial = 1
		r.MarkServed(p, ttls, served)
		if !tc.ds.IsZero() {
			if err := r.SetDSPublished(p, tc.ds); err != nil {
				t.Fatal(err)
			}
		}
		if !r.NextAfter.Equal(tc.want) {
			t.Errorf("%s: next step after %s, want %s", tc.name, r.NextAfter, tc.want)
		}
	}
}
