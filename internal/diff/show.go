package diff

import (
	"fmt"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/textcap"
)

// What a plan, a log line or a health message shows of record data is
// bounded: a TXT value may be 64 KB and an RRset may hold thousands of
// values, and one line of the journal must stay readable and cheap. Each
// value is cut at MaxShownBytes, and at most MaxShownValues of a set are
// listed; the cut says how much was left out.
const (
	MaxShownBytes  = 256
	MaxShownValues = 8
)

// ShowValue returns v cut at MaxShownBytes, as Cut cuts.
func ShowValue(v string) string { return textcap.Cut(v, MaxShownBytes) }

// ShowValues joins the first MaxShownValues of vals, each cut by
// ShowValue, saying how many more there are.
func ShowValues(vals []string) string {
	n := min(len(vals), MaxShownValues)
	parts := make([]string, 0, n+1)
	for _, v := range vals[:n] {
		parts = append(parts, ShowValue(v))
	}
	if more := len(vals) - n; more > 0 {
		parts = append(parts, fmt.Sprintf("… and %d more values", more))
	}
	return strings.Join(parts, ", ")
}

// ShowSet is "ttl [v1, v2]" as rrset.Set's String, bounded by ShowValues;
// "-" for no set.
func ShowSet(s *rrset.Set) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%d [%s]", s.TTL, ShowValues(s.Values()))
}
