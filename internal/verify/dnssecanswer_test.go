package verify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A case of ValidateAnswer: the answer a server gives to qname and qtype,
// built from the test zone, and what the validator must say.
type answerCase struct {
	name  string
	nsec3 bool
	qname string
	qtype uint16
	msg   func(z *testZone) *dns.Msg
	kind  AnswerKind
	wild  string
	ds    bool // a referral to a signed child: its DS, no denial
	// wantErr is the exact error; ZSK and OTHER stand for key tags.
	wantErr string
}

func TestValidateAnswerAccepts(t *testing.T) {
	t.Parallel()
	runAnswerCases(t, []answerCase{
		{name: "positive", qname: "www.example.org.", qtype: dns.TypeA, kind: AnswerPositive,
			msg: func(z *testZone) *dns.Msg { return testMsg(dns.RcodeSuccess, z.signed("www.example.org. A")) }},
		{name: "positive with a signed NS set in authority", qname: "www.example.org.", qtype: dns.TypeA, kind: AnswerPositive,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, z.signed("www.example.org. A"), z.signed("example.org. NS"))
			}},
		{name: "CNAME chain in the zone", qname: "alias.example.org.", qtype: dns.TypeA, kind: AnswerPositive,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, append(z.signed("alias.example.org. CNAME"), z.signed("www.example.org. A")...))
			}},
		{name: "nxdomain NSEC", qname: "nope.example.org.", qtype: dns.TypeA, kind: AnswerNXDomain,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.signed("a.b.example.org. NSEC"), z.signed("example.org. NSEC"))
			}},
		{name: "nodata NSEC", qname: "www.example.org.", qtype: dns.TypeTXT, kind: AnswerNoData,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.signed("www.example.org. NSEC"))
			}},
		{name: "nodata at an empty non-terminal NSEC", qname: "b.example.org.", qtype: dns.TypeA, kind: AnswerNoData,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.signed("example.org. NSEC"))
			}},
		{name: "wildcard answer NSEC", qname: "host.wild.example.org.", qtype: dns.TypeA, kind: AnswerPositive, wild: "*.wild.example.org.",
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, expand(z.signed("*.wild.example.org. A"), "host.wild.example.org."), z.signed("*.wild.example.org. NSEC"))
			}},
		{name: "wildcard nodata NSEC", qname: "host.wild.example.org.", qtype: dns.TypeTXT, kind: AnswerNoData, wild: "*.wild.example.org.",
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.signed("*.wild.example.org. NSEC"))
			}},
		{name: "referral with a DS", qname: "host.sec.example.org.", qtype: dns.TypeA, kind: AnswerReferral, ds: true,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.rrs("sec.example.org. NS"), z.signed("sec.example.org. DS"))
			}},
		{name: "insecure referral NSEC", qname: "host.sub.example.org.", qtype: dns.TypeA, kind: AnswerReferral,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.rrs("sub.example.org. NS"), z.signed("sub.example.org. NSEC"))
			}},
		{name: "insecure referral NSEC3", nsec3: true, qname: "host.sub.example.org.", qtype: dns.TypeA, kind: AnswerReferral,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.rrs("sub.example.org. NS"), z.nsec3Signed())
			}},
		{name: "nxdomain NSEC3", nsec3: true, qname: "nope.example.org.", qtype: dns.TypeA, kind: AnswerNXDomain,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			}},
		{name: "nxdomain below an existing name NSEC3", nsec3: true, qname: "x.y.www.example.org.", qtype: dns.TypeA, kind: AnswerNXDomain,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			}},
		{name: "nodata NSEC3", nsec3: true, qname: "www.example.org.", qtype: dns.TypeTXT, kind: AnswerNoData,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			}},
		{name: "nodata at an empty non-terminal NSEC3", nsec3: true, qname: "b.example.org.", qtype: dns.TypeA, kind: AnswerNoData,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			}},
		{name: "wildcard answer NSEC3", nsec3: true, qname: "host.wild.example.org.", qtype: dns.TypeA, kind: AnswerPositive, wild: "*.wild.example.org.",
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, expand(z.signed("*.wild.example.org. A"), "host.wild.example.org."), z.nsec3Signed())
			}},
		{name: "wildcard nodata NSEC3", nsec3: true, qname: "host.wild.example.org.", qtype: dns.TypeTXT, kind: AnswerNoData, wild: "*.wild.example.org.",
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			}},
	})
}

func TestValidateAnswerRejects(t *testing.T) {
	t.Parallel()
	runAnswerCases(t, []answerCase{
		{name: "tampered RDATA", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				set := z.signed("www.example.org. A")
				set[0].(*dns.A).A[3] = 99
				return testMsg(dns.RcodeSuccess, set)
			},
			wantErr: "RRSIG www.example.org. A by key ZSK does not verify: dns: bad signature"},
		{name: "signed by a key not in the set", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				set := z.rrs("www.example.org. A")
				return testMsg(dns.RcodeSuccess, append(set, z.other().signAt(t, testNow.Add(-time.Hour), testNow.Add(240*time.Hour), set...)))
			},
			wantErr: "RRSIG www.example.org. A: no DNSKEY with tag OTHER (algorithm ECDSAP256SHA256)"},
		{name: "a name outside the zone", qname: "www.example.net.", qtype: dns.TypeA,
			msg:     func(z *testZone) *dns.Msg { return testMsg(dns.RcodeSuccess, nil) },
			wantErr: "www.example.net. A: not in the zone example.org."},
		{name: "unsigned", qname: "www.example.org.", qtype: dns.TypeA,
			msg:     func(z *testZone) *dns.Msg { return testMsg(dns.RcodeSuccess, z.rrs("www.example.org. A")) },
			wantErr: "no RRSIG over www.example.org. A"},
		{name: "expired", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				set := z.rrs("www.example.org. A")
				return testMsg(dns.RcodeSuccess, append(set, z.zsk.signAt(t, testNow.Add(-48*time.Hour), testNow.Add(-time.Hour), set...)))
			},
			wantErr: "RRSIG www.example.org. A by key ZSK expired at 2026-12-01T11:00:00Z"},
		{name: "expiring within the margin", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				set := z.rrs("www.example.org. A")
				return testMsg(dns.RcodeSuccess, append(set, z.zsk.signAt(t, testNow.Add(-time.Hour), testNow.Add(24*time.Hour), set...)))
			},
			wantErr: "RRSIG www.example.org. A by key ZSK expires at 2026-12-02T12:00:00Z, within the 72h0m0s margin"},
		{name: "not valid yet", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				set := z.rrs("www.example.org. A")
				return testMsg(dns.RcodeSuccess, append(set, z.zsk.signAt(t, testNow.Add(time.Hour), testNow.Add(240*time.Hour), set...)))
			},
			wantErr: "RRSIG www.example.org. A by key ZSK not valid until 2026-12-01T13:00:00Z"},
		{name: "TTL above the original TTL", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				set := z.signed("www.example.org. A")
				set[0].Header().Ttl = 3600
				return testMsg(dns.RcodeSuccess, set)
			},
			wantErr: "RRSIG www.example.org. A by key ZSK: TTL 3600 above the original TTL 300"},
		{name: "a denial's SOA tampered", qname: "nope.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				soa := z.signed("example.org. SOA")
				soa[0].(*dns.SOA).Serial++
				return testMsg(dns.RcodeNameError, nil, soa, z.signed("a.b.example.org. NSEC"), z.signed("example.org. NSEC"))
			},
			wantErr: "RRSIG example.org. SOA by key ZSK does not verify: dns: bad signature"},
		{name: "nxdomain without NSEC", qname: "nope.example.org.", qtype: dns.TypeA,
			msg:     func(z *testZone) *dns.Msg { return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA")) },
			wantErr: "nope.example.org. A (nxdomain): no NSEC or NSEC3 in the answer"},
		{name: "nxdomain with an NSEC that does not cover", qname: "nope.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.signed("www.example.org. NSEC"), z.signed("example.org. NSEC"))
			},
			wantErr: "nope.example.org. A (nxdomain): no NSEC covers nope.example.org."},
		{name: "nxdomain without the wildcard's NSEC", qname: "nope.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.signed("a.b.example.org. NSEC"))
			},
			wantErr: "nope.example.org. A (nxdomain): no NSEC covers the wildcard *.example.org."},
		{name: "nodata for a type the NSEC lists", qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.signed("www.example.org. NSEC"))
			},
			wantErr: "www.example.org. A (nodata): NSEC at www.example.org. lists A: the set exists"},
		{name: "nodata without the name's NSEC", qname: "ns.example.org.", qtype: dns.TypeTXT,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.signed("www.example.org. NSEC"))
			},
			wantErr: "ns.example.org. TXT (nodata): no NSEC at or covering ns.example.org."},
		{name: "wildcard answer without proof", qname: "host.wild.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, expand(z.signed("*.wild.example.org. A"), "host.wild.example.org."), z.signed("www.example.org. NSEC"))
			},
			wantErr: "host.wild.example.org. A from *.wild.example.org.: no NSEC proves host.wild.example.org. does not exist"},
		{name: "referral without DS or proof", qname: "host.sub.example.org.", qtype: dns.TypeA,
			msg:     func(z *testZone) *dns.Msg { return testMsg(dns.RcodeSuccess, nil, z.rrs("sub.example.org. NS")) },
			wantErr: "host.sub.example.org. A (referral): no DS for the delegation sub.example.org.: no NSEC or NSEC3 in the answer"},
		{name: "referral with an NSEC listing DS", qname: "host.sec.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.rrs("sec.example.org. NS"), z.signed("sec.example.org. NSEC"))
			},
			wantErr: "host.sec.example.org. A (referral): no DS for the delegation sec.example.org. and no NSEC proving it has none"},
		{name: "nxdomain below a delegation by its NSEC", qname: "x.sub.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.signed("sub.example.org. NSEC"), z.signed("example.org. NSEC"))
			},
			wantErr: "x.sub.example.org. A (nxdomain): NSEC at sub.example.org. is a delegation's or a DNAME's: it proves nothing below it"},
		{name: "nodata at a delegation", qname: "sub.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.signed("sub.example.org. NSEC"))
			},
			wantErr: "sub.example.org. A (nodata): NSEC at sub.example.org. is a delegation's (NS without SOA)"},
		{name: "nxdomain for a name that exists NSEC3", nsec3: true, qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			},
			wantErr: "www.example.org. A (nxdomain): NSEC3 HASH(www.example.org.) matches www.example.org.: the name exists"},
		{name: "nxdomain without the next closer's NSEC3", nsec3: true, qname: "nope.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.nsec3Signed("nope.example.org."))
			},
			wantErr: "nope.example.org. A (nxdomain): no NSEC3 covers nope.example.org., the next closer name"},
		{name: "nxdomain without the wildcard's NSEC3", nsec3: true, qname: "nope.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeNameError, nil, z.signed("example.org. SOA"), z.nsec3Signed("*.example.org."))
			},
			wantErr: "nope.example.org. A (nxdomain): no NSEC3 covers the wildcard *.example.org."},
		{name: "nodata for a type the NSEC3 lists", nsec3: true, qname: "www.example.org.", qtype: dns.TypeA,
			msg: func(z *testZone) *dns.Msg {
				return testMsg(dns.RcodeSuccess, nil, z.signed("example.org. SOA"), z.nsec3Signed())
			},
			wantErr: "www.example.org. A (nodata): NSEC3 at www.example.org. lists A: the set exists"},
	})
}

func runAnswerCases(t *testing.T, cases []answerCase) {
	t.Helper()
	zones := map[bool]*testZone{false: newTestZone(t, false), true: newTestZone(t, true)}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			z := zones[tt.nsec3]
			z.t = t
			v, err := ValidateAnswer(tt.msg(z), tt.qname, tt.qtype, z.keys(), testNow, testMargin)
			if tt.wantErr != "" {
				want := strings.NewReplacer("ZSK", itoa(z.zsk.key.KeyTag()), "OTHER", itoa(z.other().key.KeyTag()),
					"HASH(www.example.org.)", strings.ToLower(dns.HashName("www.example.org.", dns.SHA1, 0, ""))+".example.org.").Replace(tt.wantErr)
				if err == nil || err.Error() != want {
					t.Fatalf("err = %v\nwant   %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantDenial := uint16(0)
			if tt.kind != AnswerPositive && !tt.ds || tt.wild != "" {
				wantDenial = dns.TypeNSEC
				if tt.nsec3 {
					wantDenial = dns.TypeNSEC3
				}
			}
			if v.Kind != tt.kind || v.Wildcard != tt.wild || v.Denial != wantDenial || v.Zone != testApex {
				t.Fatalf("validation %+v, want kind %s, wildcard %q, denial %d", v, tt.kind, tt.wild, wantDenial)
			}
			if !v.Expiry.Equal(testNow.Add(14 * 24 * time.Hour)) {
				t.Fatalf("expiry %s, want %s", v.Expiry, testNow.Add(14*24*time.Hour))
			}
		})
	}
}

// expand is a wildcard's signed set as served for name: the owner
// replaced, the RRSIG unchanged (its Labels tell the validator).
func expand(set []dns.RR, name string) []dns.RR {
	out := make([]dns.RR, len(set))
	for i, rr := range set {
		rr = dns.Copy(rr)
		rr.Header().Name = name
		out[i] = rr
	}
	return out
}

// The expiry an answer reports is its earliest set's, each set counting its
// latest valid signature (a resolver needs one), and it is reported also
// when the check fails on time: that is when the metric matters.
func TestValidateAnswerExpiry(t *testing.T) {
	t.Parallel()
	z := newTestZone(t, false)
	in10, in20, in1 := testNow.Add(10*24*time.Hour), testNow.Add(20*24*time.Hour), testNow.Add(time.Hour)
	cname := z.rrs("alias.example.org. CNAME")
	a := z.rrs("www.example.org. A")
	answer := append(append(cname, z.zsk.signAt(t, testNow.Add(-time.Hour), in10, cname...)), a...)
	answer = append(answer, z.zsk.signAt(t, testNow.Add(-time.Hour), in1, a...), z.zsk.signAt(t, testNow.Add(-time.Hour), in20, a...))
	v, err := ValidateAnswer(testMsg(dns.RcodeSuccess, answer), "alias.example.org.", dns.TypeA, z.keys(), testNow, testMargin)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Expiry.Equal(in10) || v.Name != "www.example.org." {
		t.Fatalf("expiry %s, name %s; want %s, www.example.org.", v.Expiry, v.Name, in10)
	}

	expiring := append(z.rrs("www.example.org. A"), z.zsk.signAt(t, testNow.Add(-time.Hour), in1, a...))
	v, err = ValidateAnswer(testMsg(dns.RcodeSuccess, expiring), "www.example.org.", dns.TypeA, z.keys(), testNow, testMargin)
	var ee *ExpiryError
	if !errors.As(err, &ee) || ee.RRset != "www.example.org. A" || !ee.Expires.Equal(in1) {
		t.Fatalf("err = %v, want an *ExpiryError for www.example.org. A at %s", err, in1)
	}
	if !v.Expiry.Equal(in1) {
		t.Fatalf("expiry %s, want %s", v.Expiry, in1)
	}
}

func TestCanonicalCompare(t *testing.T) {
	t.Parallel()
	// RFC 4034 6.1's example, in order.
	names := []string{"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."}
	for i := range names {
		for j := range names {
			got := canonicalCompare(names[i], names[j])
			if (got < 0) != (i < j) || (got == 0) != (i == j) {
				t.Errorf("canonicalCompare(%q, %q) = %d", names[i], names[j], got)
			}
		}
	}
}
