package reconcile

import (
	"context"
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
// failures are logged when they change, not every pass, and at most
// maxKindLines lines of a kind at a time.

// maxChangeLines is the most changes a pass logs one by one at INFO.
const maxChangeLines = 10

// logChanges logs the changes a pass applied: the operator's record of
// what dnssync did. A pass of up to maxChangeLines changes (an
// orchestrator registering a server or two) logs each at INFO. A larger
// one (a cold start, a new zone, a bulk edit: 100,000 records) logs one
// INFO line with the counts, and each change at DEBUG only: a journal
// flooded with one line per record hides everything else, and the records
// are all in the audit log (when configured) and in `dnssync plan`. Not
// the first N at INFO and "M more": which N are shown would be arbitrary,
// and tell an operator less than the counts. Values are bounded as
// diff.ShowSet bounds them: one RRset must not make a 174 KB line.
func logChanges(ctx context.Context, log *slog.Logger, plans []diff.Plan) {
	total := 0
	count := map[diff.Action]int{}
	for _, p := range plans {
		total += len(p.Changes)
		for _, c := range p.Changes {
			count[c.Action]++
		}
	}
	level := slog.LevelInfo
	if total > maxChangeLines {
		level = slog.LevelDebug
		where := slog.Int("zones", len(plans))
		if len(plans) == 1 {
			where = slog.String("zone", plans[0].Zone)
		}
		log.Info("changes applied", where, "changes", total, "create", count[diff.Create], "update", count[diff.Update],
			"delete", count[diff.Delete], "each", "at debug level")
	}
	if !log.Enabled(ctx, level) {
		return
	}
	for _, p := range plans {
		for _, c := range p.Changes {
			log.Log(ctx, level, "change applied", "zone", p.Zone, "action", c.Action.String(), "name", c.Key.Name,
				"type", dns.TypeToString[c.Key.Type], "old", diff.ShowSet(c.Old), "new", diff.ShowSet(c.New))
		}
	}
}

// maxReasonBytes bounds a conflict's reason in the log: it lists every
// file and line involved, and a name in 20,000 files would list them all.
const maxReasonBytes = 1024

func (r *Reconciler) logHeld(log *slog.Logger, zone string, held []desired.Conflict) {
	if !r.changed("held "+zone, held) {
		return
	}
	lines := newKindLines(log)
	for _, c := range held {
		lines.add(slog.LevelWarn, "conflict: name left as served", "name", c.Name, "reason", textcap.Cut(c.Reason, maxReasonBytes))
	}
	lines.more()
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
	lines := newKindLines(r.Log)
	for _, f := range off {
		switch f.Status {
		case verify.StatusLagging:
			lines.add(slog.LevelInfo, "resolver still serves old data (within the TTL of the change)", "check", f.String())
		case verify.StatusStale:
			lines.add(slog.LevelWarn, "record still served, declared by no records file (stale)", "check", f.String())
		default:
			lines.add(slog.LevelWarn, "record not served as desired", "check", f.String())
		}
	}
	lines.more()
	if len(off) == 0 {
		r.Log.Info("every record served as desired", "checked", rep.Checked, "servers", len(rep.Servers))
	}
}

func (r *Reconciler) logForeign(log *slog.Logger, zone string, keys []rrset.Key) {
	if !r.changed("foreign "+zone, keys) {
		return
	}
	lines := newKindLines(log)
	for _, k := range keys {
		lines.add(slog.LevelWarn, "conflict: served RRset is not dnssync's; left alone", "name", k.Name, "type", dns.TypeToString[k.Type])
	}
	lines.more()
}

// maxKindLines bounds the lines of one kind (one message) a pass logs one
// by one: after a 100,000-record cold start a resolver lags on every
// record, and a dead secondary misses every one. The count line says how
// many more there were; `dnssync verify` and /readyz list them all.
const maxKindLines = 20

// kindLines logs up to maxKindLines lines per message, counting the rest.
type kindLines struct {
	log   *slog.Logger
	count map[string]int
	level map[string]slog.Level
	order []string // messages in the order first logged
}

func newKindLines(log *slog.Logger) *kindLines {
	return &kindLines{log: log, count: map[string]int{}, level: map[string]slog.Level{}}
}

func (k *kindLines) add(level slog.Level, msg string, args ...any) {
	k.count[msg]++
	if k.count[msg] == 1 {
		k.order = append(k.order, msg)
		k.level[msg] = level
	}
	if k.count[msg] <= maxKindLines {
		k.log.Log(context.Background(), level, msg, args...)
	}
}

// more logs, for each message past the bound, one line with the count.
func (k *kindLines) more() {
	for _, msg := range k.order {
		if n := k.count[msg]; n > maxKindLines {
			k.log.Log(context.Background(), k.level[msg], msg+": more not logged one by one", "more", n-maxKindLines, "total", n)
		}
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
