package desired

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// An RRset is answered whole, in one DNS message; over TCP a message holds
// at most 65535 bytes (RFC 1035 4.2.2, the two-byte length). A set larger
// than that cannot be served: CoreDNS truncates it even over TCP, and every
// pass then sees a difference it can never settle. So such a set is invalid
// in a file, and held (like a conflict) when several files add up to it.

const (
	maxMessage = 65535
	// sigReserve leaves room for the set's RRSIG in a signed zone (a
	// 4096-bit RSA signature and a long signer name take under 800 bytes).
	sigReserve = 1024
)

// answerSize returns the size of a response carrying rrs (all of one name
// and type) as a server sends it: the question, the records with names
// compressed, and an OPT record; and whether that fits in a message.
func answerSize(rrs []dns.RR) (int, bool) {
	if len(rrs) == 0 {
		return 0, true
	}
	h := rrs[0].Header()
	// A cheap upper bound first: nearly every set is far below the limit,
	// and a whole-message length costs a map of names.
	bound := 12 + len(h.Name) + 2 + 4 + 11 // header, question, OPT
	for _, rr := range rrs {
		bound += dns.Len(rr)
	}
	if bound <= maxMessage-sigReserve {
		return bound, true
	}
	m := new(dns.Msg)
	m.SetQuestion(h.Name, h.Rrtype)
	m.Response = true
	m.Compress = true
	m.Answer = rrs
	m.SetEdns0(dns.DefaultMsgSize, false)
	n := m.Len()
	return n, n <= maxMessage-sigReserve
}

// tooLarge explains why a set does not fit, or returns "".
func tooLarge(s *rrset.Set) string {
	n, ok := answerSize(s.RRs)
	if ok {
		return ""
	}
	return fmt.Sprintf("%s has %d values: its answer would take %d bytes, more than one DNS message carries even over TCP (%d, with room for a signature)",
		dns.TypeToString[s.Key.Type], len(s.RRs), n, maxMessage-sigReserve)
}

// oversized returns a problem for each RRset of one file that cannot be
// served, at the line of its first record in the file.
func oversized(path string, recs []record) []Problem {
	const fits = maxMessage - sigReserve - 300 // 300: more than a question and an OPT take
	total := 0
	for _, r := range recs {
		total += dns.Len(r.rr)
	}
	if total <= fits {
		return nil // no set of the file's can be larger than all of them
	}
	bytes := make(map[rrset.Key]int)
	for _, r := range recs {
		bytes[rrset.KeyOf(r.rr)] += dns.Len(r.rr)
	}
	var problems []Problem
	for k, n := range bytes {
		if n <= fits {
			continue
		}
		var rrs []dns.RR
		line := 0
		for _, r := range recs {
			if rrset.KeyOf(r.rr) == k {
				rrs = append(rrs, r.rr)
				if line == 0 {
					line = int(r.line)
				}
			}
		}
		if why := tooLarge(rrset.New(rrs...)); why != "" {
			problems = append(problems, Problem{File: path, Line: line, Msg: k.Name + " " + why})
		}
	}
	slices.SortFunc(problems, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return problems
}

// fromFiles names where a merged set's records come from, for its reason:
// the first line of each file, at most a few files.
func fromFiles(recs []located) string {
	const most = 5
	groups := distinct(recs, func(l located) string { return l.at.file })
	var locs []string
	for i, g := range groups {
		if i == most {
			locs = append(locs, fmt.Sprintf("and %d more files", len(groups)-most))
			break
		}
		locs = append(locs, g.at[0].String())
	}
	return strings.Join(locs, ", ")
}
