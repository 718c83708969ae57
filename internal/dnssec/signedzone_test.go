package dnssec

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// randomChange is one to three RRsets of a small pool of names (new names,
// names of the zone, an empty non-terminal's child, the DS of a
// delegation) made new or removed, the unsigned zone after it, and the
// SOA with serial.
func randomChange(t *testing.T, r *rand.Rand, unsigned rrset.Zone, serial uint32) ([]Change, rrset.Zone) {
	t.Helper()
	names := []string{"www", "mail", "n1", "n2", "n3", "zz", "a.b.c", "x.b.c", "0", "deep.n2"}
	after := maps.Clone(unsigned)
	var out []Change
	for range 1 + r.IntN(3) {
		var k rrset.Key
		var set *rrset.Set
		if r.IntN(8) == 0 {
			k = key("sub.example.com.", dns.TypeDS)
			set = rrset.New(mustRR(t, fmt.Sprintf("sub.example.com. 3600 IN DS %d 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", r.IntN(60000))))
		} else {
			name := names[r.IntN(len(names))] + ".example.com."
			switch r.IntN(3) {
			case 0:
				k, set = key(name, dns.TypeA), rrset.New(mustRR(t, fmt.Sprintf("%s 300 IN A 192.0.2.%d", name, r.IntN(250))))
			case 1:
				k, set = key(name, dns.TypeTXT), rrset.New(mustRR(t, fmt.Sprintf("%s 300 IN TXT \"v%d\"", name, r.IntN(1000))))
			default:
				k, set = key(name, dns.TypeAAAA), rrset.New(mustRR(t, fmt.Sprintf("%s 300 IN AAAA 2001:db8::%x", name, r.IntN(1000))))
			}
		}
		if after[k] != nil && r.IntN(2) == 0 {
			set = nil
		}
		if slices.ContainsFunc(out, func(c Change) bool { return c.Key == k }) {
			continue
		}
		out = append(out, Change{Key: k, New: set})
		if set != nil {
			after[k] = set
		} else {
			delete(after, k)
		}
	}
	soaKey := key(testZone, dns.TypeSOA)
	soa := *unsigned[soaKey].RRs[0].(*dns.SOA)
	soa.Serial = serial
	after[soaKey] = rrset.New(&soa)
	return append(out, Change{Key: soaKey, New: after[soaKey]}), after
}

// TestSignedRandomChanges: a run of random changes signed in place, each
// in time (the index, the kept chain) gives after every step the records
// a full signing gives, signatures that validate, the signatures of
// every set not touched byte for byte as they were, and the keys of
// every set it changed among those it returns; dnssec-verify takes the
// zone at the end.
func TestSignedRandomChanges(t *testing.T) {
	t.Parallel()
	for _, pname := range []string{"csk ecdsa nsec", "split ed25519"} {
		t.Run(pname, func(t *testing.T) {
			t.Parallel()
			p := policies()[pname]
			keys := testKeys(t, p)
			unsigned := testUnsigned(t, 1)
			signed, err := Sign(testZone, unsigned, keys, p, t0)
			if err != nil {
				t.Fatal(err)
			}
			z := NewSigned(testZone, signed)
			r := rand.New(rand.NewPCG(14, uint64(len(pname))))
			now := t0
			for step := range 60 {
				now = now.Add(time.Minute) // dnssec-verify reads the real clock: inceptions stay in the past
				var changes []Change
				changes, unsigned = randomChange(t, r, unsigned, uint32(step+2))
				before := maps.Clone(z.Sets)
				touched, stats, err := z.Resign(changes, keys, p, now)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if stats.Full {
					t.Fatalf("step %d: signed in full (%s)", step, stats.Reason)
				}
				for k, set := range z.Sets {
					if before[k] != set && !slices.Contains(touched, k) {
						t.Errorf("step %d: %s changed but is not among the keys returned", step, k)
					}
				}
				for k := range before {
					if z.Sets[k] == nil && !slices.Contains(touched, k) {
						t.Errorf("step %d: %s removed but not among the keys returned", step, k)
					}
				}
				full, err := Sign(testZone, unsigned, keys, p, now)
				if err != nil {
					t.Fatal(err)
				}
				for k, s := range full {
					if k.Type != dns.TypeRRSIG && !s.Equal(z.Sets[k]) {
						t.Errorf("step %d: %s: in place %v, full %v", step, k, z.Sets[k], s)
					}
				}
				for k := range z.Sets {
					if full[k] == nil {
						t.Errorf("step %d: %s in the signed zone only", step, k)
					}
				}
				for k, s := range before {
					if k.Type == dns.TypeRRSIG || k.Type == dns.TypeNSEC || k.Type == dns.TypeSOA || s != z.Sets[k] {
						continue
					}
					if a, b := sigTexts(before, k), sigTexts(z.Sets, k); !slices.Equal(a, b) {
						t.Errorf("step %d: %s: signatures %v became %v", step, k, a, b)
					}
				}
				validate(t, z.Sets, keys, p, now)
				if t.Failed() {
					t.FailNow()
				}
			}
			dnssecVerify(t, z.Sets, p, now)
		})
	}
}

// TestSignedRefreshFromIndex: once a kept zone was walked, the index
// finds the signatures due: as many are made again as a walk of every
// signature finds, the zone still validates, and Due says so before and
// not after.
func TestSignedRefreshFromIndex(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	keys := testKeys(t, p)
	unsigned := bigZone(t, 300)
	signed, err := Sign(testZone, unsigned, keys, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	z := NewSigned(testZone, signed)
	soaKey := key(testZone, dns.TypeSOA)
	soa := *unsigned[soaKey].RRs[0].(*dns.SOA)
	serialOnly := func() []Change {
		soa.Serial++
		return []Change{{Key: soaKey, New: rrset.New(&soa)}}
	}
	if _, stats, err := z.Resign(serialOnly(), keys, p, t0.Add(time.Hour)); err != nil || stats.Signed != 1 {
		t.Fatalf("first change (the walk): %+v, %v; want only the SOA signed", stats, err)
	}
	// Halfway through the jitter's spread: some signatures are due, not all.
	later := t0.Add(p.Validity - p.Refresh - p.jitterSpan()/2)
	if z.Due(p, t0.Add(2*time.Hour)) {
		t.Error("due two hours after signing")
	}
	if !z.Due(p, later) {
		t.Fatal("not due halfway through the spread")
	}
	changes := serialOnly()
	_, walked, err := Resign(testZone, z.Sets, unsignedOf(z.Sets, changes), []rrset.Key{soaKey}, keys, p, later)
	if err != nil {
		t.Fatal(err)
	}
	_, stats, err := z.Resign(changes, keys, p, later)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for k, set := range z.Sets {
		if k.Type == dns.TypeRRSIG {
			total += len(set.RRs)
		}
	}
	if stats.Signed != walked.Signed || stats.Signed <= 2 || stats.Signed >= total {
		t.Errorf("from the index %d signatures made, by a walk %d; want the same, some but not all", stats.Signed, walked.Signed)
	}
	if z.Due(p, later) {
		t.Error("still due after the refresh")
	}
	validate(t, z.Sets, keys, p, later)

	// A set signed by a change (in the index from then on) falls due on
	// its own: a week after it was made, with the rest refreshed since.
	changed := later.Add(24 * time.Hour)
	x := rrset.New(mustRR(t, "x.example.com. 300 IN A 192.0.2.1"))
	changes = append(serialOnly(), Change{Key: x.Key, New: x})
	if _, _, err := z.Resign(changes, keys, p, changed); err != nil {
		t.Fatal(err)
	}
	after := changed.Add(p.Validity - p.Refresh)
	if !z.Due(p, after) {
		t.Fatal("the change's signatures are not due a validity less the refresh after it")
	}
	changes = serialOnly()
	_, walked, err = Resign(testZone, z.Sets, unsignedOf(z.Sets, changes), []rrset.Key{soaKey}, keys, p, after)
	if err != nil {
		t.Fatal(err)
	}
	if _, stats, err = z.Resign(changes, keys, p, after); err != nil {
		t.Fatal(err)
	}
	if stats.Signed != walked.Signed || stats.Signed < 2 {
		t.Errorf("from the index %d signatures made, by a walk %d; want the same, the change's among them", stats.Signed, walked.Signed)
	}
	validate(t, z.Sets, keys, p, after)
}

// unsignedOf is the data of signed with changes applied.
func unsignedOf(signed rrset.Zone, changes []Change) rrset.Zone {
	out := rrset.Zone{}
	for k, s := range signed {
		if !managed[k.Type] {
			out[k] = s
		}
	}
	for _, c := range changes {
		out[c.Key] = c.New
	}
	return out
}

// failingSigner signs nothing.
type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("the signing device is gone")
}

// TestSignedErrorLeavesZone: a signing that fails half way leaves the
// kept zone as it was, and the next one (which walks it again) signs the
// change correctly.
func TestSignedErrorLeavesZone(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	keys := testKeys(t, p)
	unsigned := testUnsigned(t, 1)
	signed, err := Sign(testZone, unsigned, keys, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	z := NewSigned(testZone, signed)
	r := rand.New(rand.NewPCG(1, 2))
	changes, unsigned := randomChange(t, r, unsigned, 2)
	if _, _, err := z.Resign(changes, keys, p, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	before := maps.Clone(z.Sets)
	bad := *keys[0]
	bad.Signer = failingSigner{keys[0].Signer}
	changes, unsigned = randomChange(t, r, unsigned, 3)
	if _, _, err := z.Resign(changes, []*Key{&bad}, p, t0.Add(2*time.Minute)); err == nil {
		t.Fatal("a signing with a failing key succeeded")
	}
	if len(before) != len(z.Sets) {
		t.Fatalf("%d sets after the failure, %d before", len(z.Sets), len(before))
	}
	for k, s := range before {
		if z.Sets[k] != s {
			t.Errorf("%s changed by a signing that failed", k)
		}
	}
	now := t0.Add(3 * time.Minute) // dnssec-verify reads the real clock
	if _, stats, err := z.Resign(changes, keys, p, now); err != nil || stats.Full {
		t.Fatalf("the retry: %+v, %v", stats, err)
	}
	full, err := Sign(testZone, unsigned, keys, p, now)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range full {
		if k.Type != dns.TypeRRSIG && !s.Equal(z.Sets[k]) {
			t.Errorf("%s: after the retry %v, full %v", k, z.Sets[k], s)
		}
	}
	validate(t, z.Sets, keys, p, now)
	dnssecVerify(t, z.Sets, p, now)
}
