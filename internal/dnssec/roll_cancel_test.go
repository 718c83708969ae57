package dnssec

import (
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// TestRollCancel cancels a ZSK, a KSK and a CSK roll at publish and at
// swap, signing the zone as the daemon would, and checks that it
// validates right after the cancel from the DS the parent holds (and a
// resolver holding the stage before's DNSKEY RRset or answers), and
// through the cancelled roll's end, with the old key the zone's again
// and the new one gone; a cancel at remove, or of a cancelled roll, is
// refused.
func TestRollCancel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		split bool
		kind  Role
		stage Stage
	}{
		{"zsk at publish", true, ZSK, StagePublish},
		{"zsk at swap", true, ZSK, StageSwap},
		{"ksk at publish", true, KSK, StagePublish},
		{"ksk at swap", true, KSK, StageSwap},
		{"csk at publish", false, CSK, StagePublish},
		{"csk at swap", false, CSK, StageSwap},
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
			oldDS := []*dns.DS{parentDS(ksk)}
			now, serial := t0, 1
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
			keys, roll, err := StartRoll(testZone, keys, tc.kind, now)
			if err != nil {
				t.Fatal(err)
			}
			oldTag, newTag := roll.Old, roll.New
			prev := sign()
			for roll.Stage != tc.stage {
				roll.Serial = uint32(serial)
				roll.MarkServed(p, TTLsOf(testZone, prev), now)
				now = roll.NextAfter
				if keys, roll, err = Advance(keys, roll, now); err != nil {
					t.Fatal(err)
				}
				prev = sign()
			}
			now = now.Add(time.Minute)
			keys, roll, err = ApplyRequest(testZone, keys, roll, RollRequest{Action: RequestCancel}, p, now)
			if err != nil {
				t.Fatalf("cancel at %s: %v", tc.stage, err)
			}
			z := sign()
			held := [][]*dns.DS{oldDS}
			if tc.kind != ZSK && tc.stage == StageSwap {
				// The parent may have polled the CDS, which named the new key.
				held = append(held, []*dns.DS{parentDS(keyByTag(t, keys, newTag))})
			}
			for _, ds := range held {
				if err := validatesFrom(z, z, ds, now); err != nil {
					t.Errorf("after the cancel, DS %d: %v", ds[0].KeyTag, err)
				}
				if err := validatesFrom(z, prev, ds, now); err != nil {
					t.Errorf("after the cancel, DS %d, the DNSKEY RRset of the stage before: %v", ds[0].KeyTag, err)
				}
				if err := validatesFrom(prev, z, ds, now); err != nil {
					t.Errorf("after the cancel, DS %d, answers of the stage before: %v", ds[0].KeyTag, err)
				}
			}
			if tc.stage == StageSwap {
				if roll == nil || !roll.Cancelled || roll.Old != newTag || roll.New != oldTag || roll.Stage != StageSwap {
					t.Fatalf("cancelled at swap: roll %+v, want the swap run back from %d to %d", roll, newTag, oldTag)
				}
				if !keyByTag(t, keys, oldTag).IsActive(now) || keyByTag(t, keys, newTag).IsActive(now) {
					t.Fatalf("cancelled at swap: key %d is not active again, or %d still is", oldTag, newTag)
				}
				if _, _, err := ApplyRequest(testZone, keys, roll, RollRequest{Action: RequestCancel}, p, now); err == nil {
					t.Error("a cancelled roll was cancelled again")
				}
				// The run back ends as a roll does: the key it brought in is
				// removed after the waits.
				for roll != nil {
					roll.Serial = uint32(serial)
					roll.MarkServed(p, TTLsOf(testZone, z), now)
					if roll.WaitsForDS() && roll.DSPublished.IsZero() {
						t.Fatalf("the parent's DS never left key %d, and the run back waits for it", oldTag)
					}
					if roll.Stage == StageRemove {
						if _, _, err := ApplyRequest(testZone, keys, roll, RollRequest{Action: RequestCancel}, p, now); err == nil {
							t.Error("a roll removing a key was cancelled")
						}
					}
					now = roll.NextAfter
					if keys, roll, err = Advance(keys, roll, now); err != nil {
						t.Fatal(err)
					}
					z = sign()
					if err := validatesFrom(z, z, oldDS, now); err != nil {
						t.Errorf("the cancelled roll's next step: %v", err)
					}
				}
			} else if roll != nil {
				t.Fatalf("cancelled at publish: roll %+v, want none", roll)
			}
			for _, k := range keys {
				if k.Tag() == newTag {
					t.Errorf("key %d of the cancelled roll is still the zone's", newTag)
				}
			}
			for _, rr := range z[rrset.Key{Name: testZone, Type: dns.TypeDNSKEY}].RRs {
				if rr.(*dns.DNSKEY).KeyTag() == newTag {
					t.Errorf("key %d of the cancelled roll is still published", newTag)
				}
			}
		})
	}
}

func keyByTag(t *testing.T, keys []*Key, tag uint16) *Key {
	t.Helper()
	for _, k := range keys {
		if k.Tag() == tag {
			return k
		}
	}
	t.Fatalf("no key %d", tag)
	return nil
}
