package dnssec

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// changedKeys is what diff hands Resign: the keys whose sets differ.
func changedKeys(a, b rrset.Zone) []rrset.Key {
	var out []rrset.Key
	for k, s := range a {
		if !s.Equal(b[k]) {
			out = append(out, k)
		}
	}
	for k := range b {
		if a[k] == nil {
			out = append(out, k)
		}
	}
	return out
}

// edit returns a copy of z with serial 2, without the sets at the given
// keys, with the records added.
func edit(t testing.TB, z rrset.Zone, remove []rrset.Key, add ...string) rrset.Zone {
	t.Helper()
	out := maps.Clone(z)
	for _, k := range remove {
		delete(out, k)
	}
	soa := testUnsigned(t, 2)[rrset.Key{Name: testZone, Type: dns.TypeSOA}]
	out[soa.Key] = soa
	for _, l := range add {
		r := mustRR(t, l)
		k := rrset.KeyOf(r)
		if s := out[k]; s != nil {
			n := rrset.New(s.RRs...) // never modify the set the old zone shares
			n.Add(r)
			out[k] = n
		} else {
			out[k] = rrset.New(r)
		}
	}
	return out
}

func key(name string, t uint16) rrset.Key { return rrset.Key{Name: name, Type: t} }

func changes(t testing.TB) map[string]func(rrset.Zone) rrset.Zone {
	return map[string]func(rrset.Zone) rrset.Zone{
		"create a name": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "new.example.com. 300 IN A 192.0.2.7")
		},
		"create a name after the last": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "zzz.example.com. 300 IN A 192.0.2.7")
		},
		"create adjacent names": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "n1.example.com. 300 IN A 192.0.2.7", "n2.example.com. 300 IN A 192.0.2.8", "n2.n1.example.com. 300 IN A 192.0.2.9")
		},
		"update a set": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "www.example.com. 300 IN A 192.0.2.81")
		},
		"add a type to a name": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "mail.example.com. 300 IN TXT \"mx\"")
		},
		"delete one type of a name": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("www.example.com.", dns.TypeAAAA)})
		},
		"delete a name": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("mail.example.com.", dns.TypeA)})
		},
		"delete the last name": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("www.example.com.", dns.TypeA), key("www.example.com.", dns.TypeAAAA)})
		},
		"delete adjacent names": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("a.b.c.example.com.", dns.TypeTXT), key("*.wild.example.com.", dns.TypeA)})
		},
		"type change": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("mail.example.com.", dns.TypeA)}, "mail.example.com. 300 IN CNAME www.example.com.")
		},
		"replace a name by its neighbour": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("mail.example.com.", dns.TypeA)}, "mail2.example.com. 300 IN A 192.0.2.25")
		},
		"DS added at a delegation": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "insecure.example.com. 3600 IN DS 1 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")
		},
		"DS removed": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, []rrset.Key{key("sub.example.com.", dns.TypeDS)})
		},
		"glue changed and added": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "ns.sub.example.com. 3600 IN A 192.0.2.56", "ns2.sub.example.com. 3600 IN A 192.0.2.57")
		},
		"apex data": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil, "example.com. 300 IN MX 20 mail2.example.com.")
		},
		"no change but the serial": func(z rrset.Zone) rrset.Zone {
			return edit(t, z, nil)
		},
	}
}

func TestResignEqualsFullSignAndReusesSignatures(t *testing.T) {
	t.Parallel()
	for _, pname := range []string{"csk ecdsa nsec", "split ed25519"} {
		p := policies()[pname]
		keys := testKeys(t, p)
		before := testUnsigned(t, 1)
		prev, err := Sign(testZone, before, keys, p, t0)
		if err != nil {
			t.Fatal(err)
		}
		for name, change := range changes(t) {
			t.Run(pname+"/"+name, func(t *testing.T) {
				t.Parallel()
				after := change(before)
				changed := changedKeys(before, after)
				now := t0.Add(time.Hour)
				got, stats, err := Resign(testZone, prev, after, changed, keys, p, now)
				if err != nil {
					t.Fatal(err)
				}
				if stats.Full {
					t.Fatalf("signed in full (%s), want incremental", stats.Reason)
				}
				validate(t, got, keys, p, now)
				dnssecVerify(t, got, p, now)
				full, err := Sign(testZone, after, keys, p, now)
				if err != nil {
					t.Fatal(err)
				}
				// The same records as a full signing, but for the signatures.
				for k, s := range full {
					if k.Type != dns.TypeRRSIG && !s.Equal(got[k]) {
						t.Errorf("%s: incremental %v, full %v", k, got[k], s)
					}
				}
				for k := range got {
					if full[k] == nil {
						t.Errorf("%s: in the incremental result only", k)
					}
				}
				// Unchanged sets keep their signatures byte for byte.
				for k, s := range prev {
					if k.Type == dns.TypeRRSIG || k.Type == dns.TypeNSEC || k.Type == dns.TypeSOA || slices.Contains(changed, k) || !s.Equal(got[k]) {
						continue
					}
					if a, b := sigTexts(prev, k), sigTexts(got, k); !slices.Equal(a, b) {
						t.Errorf("%s: signatures %v became %v", k, a, b)
					}
				}
				if limit := (len(changed) + 1 + 2*len(changed) + 2) * 2; stats.Signed > limit {
					t.Errorf("made %d signatures for %d changed sets, want at most %d", stats.Signed, len(changed), limit)
				}
			})
		}
	}
}

func sigTexts(z rrset.Zone, k rrset.Key) []string {
	var out []string
	for _, s := range covering(z, k) {
		out = append(out, s.String())
	}
	slices.Sort(out)
	return out
}

func TestResignRefreshesSignaturesDue(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	keys := testKeys(t, p)
	before := testUnsigned(t, 1)
	prev, err := Sign(testZone, before, keys, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	sigCount := 0
	for k, s := range prev {
		if k.Type == dns.TypeRRSIG {
			sigCount += len(s.RRs)
		}
	}
	after := edit(t, before, nil)
	// A day on, nothing is due: only the SOA is signed again.
	_, stats, err := Resign(testZone, prev, after, changedKeys(before, after), keys, p, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Signed != 1 || stats.Full {
		t.Errorf("a day on: %+v, want only the SOA signed", stats)
	}
	// Past validity - refresh, every signature is due, and the zone stays
	// valid through the refresh window.
	later := t0.Add(p.Validity - p.Refresh + time.Hour)
	got, stats, err := Resign(testZone, prev, after, changedKeys(before, after), keys, p, later)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Full || stats.Signed != sigCount {
		t.Errorf("%d days on: %+v, want all %d signatures made again", int(later.Sub(t0).Hours()/24), stats, sigCount)
	}
	validate(t, got, keys, p, later)
}

func TestResignExpirationsSpread(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	signed, err := Sign(testZone, testUnsigned(t, 1), testKeys(t, p), p, t0)
	if err != nil {
		t.Fatal(err)
	}
	exp := map[uint32]bool{}
	for k, s := range signed {
		if k.Type != dns.TypeRRSIG {
			continue
		}
		for _, rr := range s.RRs {
			sig := rr.(*dns.RRSIG)
			exp[sig.Expiration] = true
			if int64(sig.Inception) != t0.Add(-p.Backdate).Unix() {
				t.Errorf("%s: inception %d, want now - backdate", k, sig.Inception)
			}
			if left := time.Unix(int64(sig.Expiration), 0).Sub(t0); left > p.Validity || left <= p.Refresh {
				t.Errorf("%s: expires in %s, want within the validity and past the refresh window", k, left)
			}
		}
	}
	if len(exp) < 5 {
		t.Errorf("%d distinct expirations, want them spread", len(exp))
	}
}

func TestResignFallsBackToFull(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	keys := testKeys(t, p)
	before := testUnsigned(t, 1)
	prev, err := Sign(testZone, before, keys, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	n3 := p
	n3.NSEC3 = true
	n3prev, err := Sign(testZone, before, keys, n3, t0)
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := NewKey(testZone, CSK, p.Algorithm, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		prev  rrset.Zone
		after rrset.Zone
		keys  []*Key
		p     Policy
		// maxSigned, when set, bounds the signatures made: the full path
		// still reuses the fresh signatures of unchanged sets.
		maxSigned int
	}{
		{"delegation made", prev, edit(t, before, nil, "new.example.com. 300 IN NS ns.new.example.com.", "ns.new.example.com. 300 IN A 192.0.2.9"), keys, p, 4},
		{"delegation removed", prev, edit(t, before, []rrset.Key{key("insecure.example.com.", dns.TypeNS)}), keys, p, 0},
		{"NSEC3", n3prev, edit(t, before, nil, "new.example.com. 300 IN A 192.0.2.7"), keys, n3, 5},
		{"NSEC to NSEC3", prev, edit(t, before, nil), keys, n3, 0},
		{"a key added", prev, edit(t, before, nil), append(slices.Clone(keys), newKey), p, 0},
		{"no zone before", nil, edit(t, before, nil), keys, p, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(time.Hour)
			got, stats, err := Resign(testZone, tt.prev, tt.after, changedKeys(before, tt.after), tt.keys, tt.p, now)
			if err != nil {
				t.Fatal(err)
			}
			if !stats.Full || stats.Reason == "" {
				t.Errorf("stats %+v, want a full signing with its reason", stats)
			}
			if tt.maxSigned > 0 && (stats.Signed > tt.maxSigned || stats.Reused == 0) {
				t.Errorf("stats %+v: want at most %d signatures made and the rest reused", stats, tt.maxSigned)
			}
			validate(t, got, tt.keys, tt.p, now)
			dnssecVerify(t, got, tt.p, now)
		})
	}
}
