package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

const zone = "example.com."

// zoneOf builds a zone from records in zone-file syntax.
func zoneOf(t testing.TB, lines ...string) rrset.Zone {
	t.Helper()
	z := rrset.Zone{}
	for _, l := range lines {
		r, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("parse %q: %v", l, err)
		}
		z.Put(r)
	}
	return z
}

// base is what every served zone holds: not counted by the safety check.
var base = []string{
	"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300",
	"example.com. 3600 IN NS ns1.example.com.",
	"ns1.example.com. 3600 IN A 127.0.0.1",
}

func with(extra ...string) []string { return append(slices.Clone(base), extra...) }

// summary renders a plan as "action name type" lines, one per change.
func summary(p Plan) []string {
	out := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = fmt.Sprintf("%s %s %s", c.Action, c.Key.Name, dns.TypeToString[c.Key.Type])
	}
	return out
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name     string
		desired  []string
		observed []string
		held     []string
		managed  func(rrset.Key) bool
		want     []string
		adopt    []string // Plan.Adopt keys as "name type"
		foreign  []string // Plan.Foreign keys as "name type"
	}{
		{
			name:     "in sync",
			desired:  with("www.example.com. 300 IN A 192.0.2.1"),
			observed: with("www.example.com. 300 IN A 192.0.2.1"),
			want:     []string{},
		},
		{
			name:     "in sync despite case and IPv6 spelling",
			desired:  with("WWW.example.com. 300 IN CNAME App.Example.com.", "v6.example.com. 300 IN AAAA 2001:0db8::0001"),
			observed: with("www.example.com. 300 IN CNAME app.example.com.", "v6.example.com. 300 IN AAAA 2001:db8::1"),
			want:     []string{},
		},
		{
			name:     "create",
			desired:  with("www.example.com. 300 IN A 192.0.2.1"),
			observed: with(),
			want:     []string{"create www.example.com. A"},
		},
		{
			name:     "create into an empty zone includes the base",
			desired:  with("www.example.com. 300 IN A 192.0.2.1"),
			observed: nil,
			want: []string{
				"create example.com. NS",
				"create example.com. SOA",
				"create ns1.example.com. A",
				"create www.example.com. A",
			},
		},
		{
			name:     "update value",
			desired:  with("www.example.com. 300 IN A 192.0.2.2"),
			observed: with("www.example.com. 300 IN A 192.0.2.1"),
			want:     []string{"update www.example.com. A"},
		},
		{
			name:     "update TTL only",
			desired:  with("www.example.com. 60 IN A 192.0.2.1"),
			observed: with("www.example.com. 300 IN A 192.0.2.1"),
			want:     []string{"update www.example.com. A"},
		},
		{
			name:     "update adds a value",
			desired:  with("www.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN A 192.0.2.2"),
			observed: with("www.example.com. 300 IN A 192.0.2.1"),
			want:     []string{"update www.example.com. A"},
		},
		{
			name:     "delete",
			desired:  with(),
			observed: with("old.example.com. 300 IN A 192.0.2.1"),
			want:     []string{"delete old.example.com. A"},
		},
		{
			name:     "type change at one name",
			desired:  with("www.example.com. 300 IN A 192.0.2.1"),
			observed: with("www.example.com. 300 IN CNAME app.example.com."),
			want:     []string{"delete www.example.com. CNAME", "create www.example.com. A"},
		},
		{
			name:     "held name is left as served",
			desired:  with("held.example.com. 300 IN A 192.0.2.9", "new.held.example.com. 300 IN A 192.0.2.9"),
			observed: with("held.example.com. 300 IN A 192.0.2.1", "held.example.com. 300 IN TXT \"gone\""),
			held:     []string{"held.example.com."},
			want:     []string{"create new.held.example.com. A"},
		},
		{
			name:     "held name not yet served is not created",
			desired:  with("held.example.com. 300 IN A 192.0.2.9"),
			observed: with(),
			held:     []string{"held.example.com."},
			want:     []string{},
		},
		{
			name:     "unmanaged sets are neither updated nor deleted",
			desired:  with("mine.example.com. 300 IN A 192.0.2.2", "theirs.example.com. 300 IN A 192.0.2.2", "new.example.com. 300 IN A 192.0.2.3"),
			observed: with("mine.example.com. 300 IN A 192.0.2.1", "theirs.example.com. 300 IN A 192.0.2.1", "other.example.com. 300 IN A 192.0.2.1", "gone.example.com. 300 IN A 192.0.2.1"),
			managed: func(k rrset.Key) bool {
				return k.Name == "mine.example.com." || k.Name == "gone.example.com." || k.Name == "new.example.com."
			},
			want:    []string{"delete gone.example.com. A", "create new.example.com. A", "update mine.example.com. A"},
			adopt:   []string{"example.com. NS", "example.com. SOA", "ns1.example.com. A"},
			foreign: []string{"theirs.example.com. A"},
		},
		{
			name: "unmanaged sets served as desired are adopted, others reported",
			desired: with(
				"same.example.com. 300 IN A 192.0.2.1",
				"b.same.example.com. 300 IN TXT \"x\"",
				"ttl.example.com. 60 IN A 192.0.2.1",
				"held.example.com. 300 IN A 192.0.2.1",
			),
			observed: with(
				"same.example.com. 300 IN A 192.0.2.1",
				"b.same.example.com. 300 IN TXT \"x\"",
				"ttl.example.com. 300 IN A 192.0.2.1",
				"held.example.com. 300 IN A 192.0.2.2",
			),
			held: []string{"held.example.com."},
			managed: func(k rrset.Key) bool {
				return k.Type == dns.TypeSOA || k.Type == dns.TypeNS || k.Name == "ns1.example.com."
			},
			want:    []string{},
			adopt:   []string{"same.example.com. A", "b.same.example.com. TXT"},
			foreign: []string{"ttl.example.com. A"},
		},
		{
			name: "order: CNAME deletes, deletes, creates, updates, each by name",
			desired: with(
				"a.example.com. 300 IN A 192.0.2.9",
				"b.example.com. 300 IN A 192.0.2.9",
				"z.example.com. 300 IN A 192.0.2.2",
				"c.example.com. 300 IN TXT \"new\"",
				"c.example.com. 300 IN A 192.0.2.2",
				"example.com. 300 IN TXT \"apex\"",
			),
			observed: with(
				"a.example.com. 300 IN A 192.0.2.1",
				"z.example.com. 300 IN A 192.0.2.1",
				"y.example.com. 300 IN CNAME a.example.com.",
				"x.example.com. 300 IN A 192.0.2.1",
				"x.example.com. 300 IN TXT \"old\"",
				"b.example.com. 300 IN CNAME a.example.com.",
				"w.example.com. 300 IN MX 10 a.example.com.",
			),
			want: []string{
				"delete b.example.com. CNAME",
				"delete y.example.com. CNAME",
				"delete w.example.com. MX",
				"delete x.example.com. A",
				"delete x.example.com. TXT",
				"create example.com. TXT",
				"create b.example.com. A",
				"create c.example.com. A",
				"create c.example.com. TXT",
				"update a.example.com. A",
				"update z.example.com. A",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held := map[string]bool{}
			for _, h := range tt.held {
				held[h] = true
			}
			in := Input{
				Zone:     zone,
				Desired:  zoneOf(t, tt.desired...),
				Observed: zoneOf(t, tt.observed...),
				Held:     held,
				Managed:  tt.managed,
			}
			p := Compute(in)
			if p.Zone != zone {
				t.Errorf("plan zone = %q", p.Zone)
			}
			if got := summary(p); !slices.Equal(got, tt.want) {
				t.Fatalf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if got := keyStrings(p.Adopt); !slices.Equal(got, tt.adopt) {
				t.Errorf("Adopt = %v, want %v", got, tt.adopt)
			}
			if got := keyStrings(p.Foreign); !slices.Equal(got, tt.foreign) {
				t.Errorf("Foreign = %v, want %v", got, tt.foreign)
			}
			if p.Empty() != (len(tt.want) == 0) {
				t.Errorf("Empty() = %v with %d changes", p.Empty(), len(p.Changes))
			}
			for _, c := range p.Changes {
				checkChange(t, in, c)
			}
			// Determinism: map iteration order must not show.
			for range 20 {
				again := Compute(in)
				if !slices.Equal(summary(again), summary(p)) || !slices.Equal(again.Adopt, p.Adopt) || !slices.Equal(again.Foreign, p.Foreign) {
					t.Fatalf("plan changed between runs:\n%v\n%v", summary(p), summary(again))
				}
			}
		})
	}
}

func keyStrings(keys []rrset.Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.String())
	}
	return out
}

// checkChange checks that a change carries the sets it claims to replace.
func checkChange(t *testing.T, in Input, c Change) {
	t.Helper()
	desired := func(k rrset.Key) *rrset.Set {
		if in.Desired == nil {
			return nil
		}
		return in.Desired.Get(k)
	}
	switch c.Action {
	case Create:
		if c.Old != nil || c.New != desired(c.Key) {
			t.Errorf("create %v: old %v, new %v", c.Key, c.Old, c.New)
		}
	case Update:
		if c.Old != in.Observed[c.Key] || c.New != desired(c.Key) {
			t.Errorf("update %v: old %v, new %v", c.Key, c.Old, c.New)
		}
	case Delete:
		if c.Old != in.Observed[c.Key] || c.New != nil {
			t.Errorf("delete %v: old %v, new %v", c.Key, c.Old, c.New)
		}
	}
}

// TestComputeThenApply: applying the plan to observed gives desired, and the
// next plan is empty (no perpetual diffs).
func TestComputeThenApply(t *testing.T) {
	desired := zoneOf(t, with(
		"www.example.com. 300 IN CNAME App.example.com.",
		"app.example.com. 60 IN A 192.0.2.1",
		"app.example.com. 60 IN A 192.0.2.2",
		"v6.example.com. 300 IN AAAA 2001:DB8:0:0::1",
		"example.com. 300 IN MX 10 Mail.example.com.",
	)...)
	observed := zoneOf(t, with(
		"www.example.com. 300 IN A 192.0.2.1",
		"app.example.com. 300 IN A 192.0.2.1",
		"old.example.com. 300 IN TXT \"x\"",
	)...)
	before := len(observed)
	p := Compute(Input{Zone: zone, Desired: desired, Observed: observed})
	got := p.Apply(observed)
	if len(observed) != before {
		t.Errorf("Apply modified observed: %d sets, had %d", len(observed), before)
	}
	if len(got) != len(desired) {
		t.Errorf("applied zone has %d sets, desired %d: %v", len(got), len(desired), got.Keys())
	}
	for k, want := range desired {
		if !want.Equal(got[k]) {
			t.Errorf("%v: applied %v, want %v", k, got[k], want)
		}
	}
	if again := Compute(Input{Zone: zone, Desired: desired, Observed: got}); !again.Empty() {
		t.Errorf("plan after apply is not empty: %v", summary(again))
	}
}

func TestActionStrings(t *testing.T) {
	tests := []struct {
		a            Action
		name, symbol string
	}{
		{Delete, "delete", "-"},
		{Create, "create", "+"},
		{Update, "update", "~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.String() != tt.name || tt.a.Symbol() != tt.symbol {
				t.Errorf("%d: %q %q, want %q %q", tt.a, tt.a.String(), tt.a.Symbol(), tt.name, tt.symbol)
			}
		})
	}
}

// A plan's changes are in the order they apply: deletions (CNAMEs first,
// so that a name freed of its CNAME can take other data), creations,
// updates, each by key in canonical order; also for a plan large enough
// to be sorted by rrset.SortBy's byte strings.
func TestPlanOrder(t *testing.T) {
	var desired, observed []string
	for i := range 400 {
		name := fmt.Sprintf("h%d.%s.example.", i, []string{"a", "b", "ab"}[i%3])
		switch i % 4 {
		case 0: // created
			desired = append(desired, name+" 300 IN A 192.0.2.1")
		case 1: // updated
			desired = append(desired, name+" 300 IN A 192.0.2.1")
			observed = append(observed, name+" 300 IN A 192.0.2.2")
		case 2: // a CNAME deleted
			observed = append(observed, name+" 300 IN CNAME target.example.")
		case 3: // deleted
			observed = append(observed, name+" 300 IN TXT \"x\"")
		}
	}
	p := Compute(Input{Zone: "example.", Desired: zoneOf(t, desired...), Observed: zoneOf(t, observed...)})
	if len(p.Changes) != 400 {
		t.Fatalf("%d changes, want 400", len(p.Changes))
	}
	before := func(a, b Change) bool {
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		if ac, bc := a.Key.Type == dns.TypeCNAME, b.Key.Type == dns.TypeCNAME; a.Action == Delete && ac != bc {
			return ac
		}
		return a.Key.Compare(b.Key) < 0
	}
	for i := 1; i < len(p.Changes); i++ {
		if a, b := p.Changes[i-1], p.Changes[i]; !before(a, b) {
			t.Fatalf("change %d (%s %s) before change %d (%s %s)", i-1, a.Action, a.Key, i, b.Action, b.Key)
		}
	}
}
