package reconcile

import (
	"fmt"
	"log/slog"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/textcap"
	"github.com/dnssync/dnssync/internal/verify"
)

// What a pass reports beyond its Result: standing conflicts and check
// failures are logged when they change, not every pass.

// logChanges logs every change applied: the operator's record of what
// dnssync did (the audit log has it too, when configured). Values are
// bounded as diff.ShowSet bounds them: one RRset must not make a 174 KB
// line.
func logChanges(log *slog.Logger, p diff.Plan) {
	for _, c := range p.Changes {
		log.Info("change applied", "action", c.Action.String(), "name", c.Key.Name,
			"type", dns.TypeToString[c.Key.Type], "old", diff.ShowSet(c.Old), "new", diff.ShowSet(c.New))
	}
}

// maxReasonBytes bounds a conflict's reason in the log: it lists every
// file and line involved, and a name in 20,000 files would list them all.
const maxReasonBytes = 1024

func (r *Reconciler) logHeld(log *slog.Logger, zone string, held []desired.Conflict) {
	if !r.changed("held "+zone, held) {
		return
	}
	for _, c := range held {
		log.Warn("conflict: name left as served", "name", c.Name, "reason", textcap.Cut(c.Reason, maxReasonBytes))
	}
}

// reachable: no zone failed to transfer. Checking every record against an
// unreachable server would only repeat that one failure once per record.
func reachable(res Result) bool {
	for _, z := range res.Zones {
		if z.Stage == StageTransfer {
			return false
		}
	}
	return true
}

// logCheck logs the failures of a scheduled check when they change.
func (r *Reconciler) logCheck(rep verify.Report) {
	off := rep.NotVerified()
	if !r.changed("check", off) {
		return
	}
	for _, f := range off {
		if f.Status == verify.StatusLagging {
			r.Log.Info("resolver still serves old data (within the TTL of the change)", "check", f.String())
		} else {
			r.Log.Warn("record not served as desired", "check", f.String())
		}
	}
	if len(off) == 0 {
		r.Log.Info("every record served as desired", "checked", rep.Checked, "servers", len(rep.Servers))
	}
}

func (r *Reconciler) logForeign(log *slog.Logger, zone string, keys []rrset.Key) {
	if !r.changed("foreign "+zone, keys) {
		return
	}
	for _, k := range keys {
		log.Warn("conflict: served RRset is not dnssync's; left alone", "name", k.Name, "type", dns.TypeToString[k.Type])
	}
}

// changed reports whether v differs from what was last reported under
// topic, so that a standing conflict is logged once, not every pass.
func (r *Reconciler) changed(topic string, v any) bool {
	s := fmt.Sprint(v)
	if r.reported == nil {
		r.reported = map[string]string{}
	}
	if r.reported[topic] == s {
		return false
	}
	r.reported[topic] = s
	return true
}
