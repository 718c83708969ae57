package health

import (
	"fmt"
	"testing"
	"time"
)

func hasKind(st Status, kind string) *Reason {
	for _, r := range st.Reasons {
		if r.Kind == kind {
			return &r
		}
	}
	return nil
}

func kinds(st Status) string {
	var out []string
	for _, r := range st.Reasons {
		out = append(out, r.Kind)
	}
	return fmt.Sprint(out)
}

// How passes fold into the Status: a partial pass replaces only its own
// zones' reasons, a full one all of them; an unreadable records dir keeps
// what the zones last said; files and the check stand until a pass
// carries them again. (passhealth's tests cover the reasons a reconcile
// result gives.)
func TestRecordFoldsPasses(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	down := func(zone string) map[string][]Reason {
		return map[string][]Reason{zone: {{Kind: KindCoreDNSUnreachable, Message: "axfr " + zone + ": refused"}}}
	}
	tr := NewTracker()
	steps := []struct {
		name string
		p    Pass
		want string
	}{
		{"two zones down", Pass{Full: true, End: t0, Zones: map[string][]Reason{"a.": down("a.")["a."], "b.": down("b.")["b."]}, FilesRead: true},
			"[coredns_unreachable coredns_unreachable]"},
		{"a partial pass heals a only", Pass{End: t0, Zones: map[string][]Reason{"a.": nil}}, "[coredns_unreachable]"},
		{"records unreadable keeps b", Pass{Full: true, End: t0, Unreadable: &Reason{Kind: KindRecordsUnreadable, Message: "gone"}},
			"[coredns_unreachable records_unreadable]"},
		{"an invalid file", Pass{End: t0, FilesRead: true, Files: &Reason{Kind: KindInvalidFiles, Message: "x.yaml:1: bad"}, Zones: map[string][]Reason{}},
			"[coredns_unreachable invalid_files records_unreadable]"},
		{"a failed check", Pass{End: t0, Check: &Check{Time: t0, Failed: &Reason{Kind: KindVerifyFailed, Message: "1 of 1 checks failed"}}},
			"[coredns_unreachable invalid_files records_unreadable verify_failed]"},
		{"a full clean pass clears the zones and the records dir", Pass{Full: true, End: t0, OK: true, FilesRead: true, Zones: map[string][]Reason{"a.": nil, "b.": nil}},
			"[verify_failed]"},
		{"a clean check", Pass{End: t0, OK: true, Check: &Check{Time: t0}}, "[]"},
	}
	for _, s := range steps {
		tr.Record(s.p)
		if got := kinds(tr.Status()); got != s.want {
			t.Errorf("%s: reasons %s, want %s", s.name, got, s.want)
		}
	}
	if st := tr.Status(); !st.OK() || !st.LastVerifyOK.Equal(t0) || !st.LastReconcileOK.Equal(t0) {
		t.Errorf("at the end: %+v, want ok with both times", st)
	}
}
