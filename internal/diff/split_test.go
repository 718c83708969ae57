package diff

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

func TestSplit(t *testing.T) {
	def := Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}
	tests := []struct {
		name     string
		observed []string
		desired  []string
		safety   Safety
		wantErr  string   // "" means allowed: safe is the whole plan
		wantSafe []string // as summary renders them
		wantHeld []string
	}{
		{
			name:     "allowed: everything is safe",
			observed: with(hosts(10)...),
			desired:  with(append(readdress(hosts(10), 2), "new.example.com. 300 IN A 192.0.2.200")...),
			safety:   def,
			wantSafe: []string{"create new.example.com. A", "update h0.example.com. A", "update h1.example.com. A"},
		},
		{
			name:     "refused updates: the new name is still created",
			observed: with(hosts(50)...),
			desired:  with(append(readdress(hosts(50), 40), "new.example.com. 300 IN A 192.0.2.200")...),
			safety:   def,
			wantErr:  "updates 40 of 51 records",
			wantSafe: []string{"create new.example.com. A"},
			wantHeld: func() []string {
				var out []string
				for _, h := range readdress(hosts(50), 40)[:40] {
					out = append(out, "update "+strings.Fields(h)[0]+" A")
				}
				slices.SortFunc(out, func(a, b string) int {
					return rrset.CompareNames(strings.Fields(a)[1], strings.Fields(b)[1])
				})
				return out
			}(),
		},
		{
			name:     "refused deletes: creates at new names apply, deletes and updates wait",
			observed: with(hosts(10)...),
			desired:  with(append(readdress(hosts(10), 1)[:6], "new.example.com. 300 IN A 192.0.2.200", "new.example.com. 300 IN TXT \"x\"")...),
			safety:   def,
			wantErr:  "deletes 4 of 11 records",
			wantSafe: []string{"create new.example.com. A", "create new.example.com. TXT"},
			wantHeld: []string{"delete h6.example.com. A", "delete h7.example.com. A", "delete h8.example.com. A", "delete h9.example.com. A", "update h0.example.com. A"},
		},
		{
			name:     "a create at a name whose served data is held waits with it",
			observed: with(append(hosts(9), "alias.example.com. 300 IN CNAME h1.example.com.")...),
			desired: with(append(hosts(9)[5:],
				"alias.example.com. 300 IN A 192.0.2.100",   // replaces the CNAME: held with its delete
				"h5.example.com. 300 IN AAAA 2001:db8::5",   // beside a served set nothing changes: safe
				"h0.example.com. 300 IN TXT \"moved\"")...), // at a name whose A is deleted: held
			safety:   def,
			wantErr:  "deletes 6 of 11 records",
			wantSafe: []string{"create h5.example.com. AAAA"},
			wantHeld: []string{
				"delete alias.example.com. CNAME",
				"delete h0.example.com. A", "delete h1.example.com. A", "delete h2.example.com. A", "delete h3.example.com. A", "delete h4.example.com. A",
				"create alias.example.com. A", "create h0.example.com. TXT",
			},
		},
		{
			name:     "refused with nothing safe",
			observed: with(hosts(10)...),
			desired:  with(),
			safety:   def,
			wantErr:  "deletes 10 of 11 records",
			wantHeld: []string{
				"delete h0.example.com. A", "delete h1.example.com. A", "delete h2.example.com. A", "delete h3.example.com. A", "delete h4.example.com. A",
				"delete h5.example.com. A", "delete h6.example.com. A", "delete h7.example.com. A", "delete h8.example.com. A", "delete h9.example.com. A",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			observed := zoneOf(t, tt.observed...)
			p := Compute(Input{Zone: zone, Desired: zoneOf(t, tt.desired...), Observed: observed})
			safe, held, err := p.Split(observed, tt.safety)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Split refused: %v", err)
			case tt.wantErr != "" && (err == nil || !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Split refusal = %v, want ErrUnsafe saying %q", err, tt.wantErr)
			}
			if got := summary(safe); !slices.Equal(got, tt.wantSafe) {
				t.Errorf("safe = %q\nwant %q", got, tt.wantSafe)
			}
			if got := summary(held); !slices.Equal(got, tt.wantHeld) {
				t.Errorf("held = %q\nwant %q", got, tt.wantHeld)
			}
			if safe.Zone != zone || held.Zone != zone {
				t.Errorf("zones %q and %q, want %q", safe.Zone, held.Zone, zone)
			}
			// Nothing lost, nothing doubled: the parts make the plan.
			if len(safe.Changes)+len(held.Changes) != len(p.Changes) {
				t.Errorf("%d safe + %d held changes, plan has %d", len(safe.Changes), len(held.Changes), len(p.Changes))
			}
			// When refused, the safe part takes nothing away; it is always
			// allowed itself.
			if safe.Removed() != 0 && err != nil {
				t.Errorf("safe part removes %d records", safe.Removed())
			}
			if err := safe.Check(observed, tt.safety); err != nil {
				t.Errorf("the safe part is refused: %v", err)
			}
		})
	}
}

// TestHoldServedKeepsAdoptAndForeign: what changes nothing served stays
// with the part that applies.
func TestHoldServedKeepsAdoptAndForeign(t *testing.T) {
	p := Plan{Zone: zone,
		Adopt:   []rrset.Key{{Name: "a.example.com.", Type: 1}},
		Foreign: []rrset.Key{{Name: "f.example.com.", Type: 1}},
	}
	safe, held := p.HoldServed()
	if !slices.Equal(safe.Adopt, p.Adopt) || !slices.Equal(safe.Foreign, p.Foreign) || len(held.Adopt)+len(held.Foreign) != 0 {
		t.Errorf("safe %+v, held %+v", safe, held)
	}
}

// TestHoldKeys: only the changes to served sets at the held keys wait, with
// the creates at their names; everything else applies, whatever its size.
func TestHoldKeys(t *testing.T) {
	observed := zoneOf(t, with(append(hosts(9), "alias.example.com. 300 IN CNAME h1.example.com.")...)...)
	p := Compute(Input{Zone: zone, Observed: observed, Desired: zoneOf(t, with(append(readdress(hosts(9), 3)[2:],
		"alias.example.com. 300 IN A 192.0.2.100",        // replaces the held CNAME: waits with it
		"new.example.com. 300 IN A 192.0.2.200",          // a new name: applies
		"h0.example.com. 300 IN TXT \"moved\"")...)...)}) // at a name whose A is deleted, not held: applies
	held := map[rrset.Key]bool{
		{Name: "alias.example.com.", Type: dns.TypeCNAME}: true,
		{Name: "h2.example.com.", Type: dns.TypeA}:        true,
		{Name: "gone.example.com.", Type: dns.TypeA}:      true, // no longer planned: holds nothing
		{Name: "new.example.com.", Type: dns.TypeA}:       true, // a create takes nothing away: not held by key
	}
	safe, kept := p.HoldKeys(held)
	if got, want := summary(kept), []string{"delete alias.example.com. CNAME", "create alias.example.com. A", "update h2.example.com. A"}; !slices.Equal(got, want) {
		t.Errorf("held = %q\nwant %q", got, want)
	}
	if got, want := summary(safe), []string{"delete h0.example.com. A", "delete h1.example.com. A",
		"create h0.example.com. TXT", "create new.example.com. A"}; !slices.Equal(got, want) {
		t.Errorf("safe = %q\nwant %q", got, want)
	}
	if safe.Zone != zone || kept.Zone != zone {
		t.Errorf("zones %q and %q, want %q", safe.Zone, kept.Zone, zone)
	}
}
