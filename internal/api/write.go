package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/textcap"
)

// actions name a write as the CLI's commands do, in the audit log.
var actions = map[string]string{http.MethodPost: "register", http.MethodPut: "update", http.MethodDelete: "unregister"}

// write makes one write to records.d (edit, through the registry), audits
// it by the rule the CLI's local writes follow (audit.Writer: one line
// each, written before the answer), and answers it. changed is the status
// of a write that changed records.d (201 for a register).
func (s *Server) write(w http.ResponseWriter, r *http.Request, c caller, req client.WriteRequest, changed int,
	edit func(context.Context) (registry.Change, error)) {
	asked := audit.Write{Who: audit.Event{Kind: "api", Client: c.addr, TokenID: c.tokenID, Method: r.Method, Path: r.URL.Path},
		Action: actions[r.Method], Name: req.Name, Type: req.RecordType, Value: req.Value}
	var (
		out    audit.Outcome
		answer func(http.ResponseWriter)
	)
	err := audit.Writer{Log: s.rec.Audit}.Do(asked, func() audit.Outcome {
		ch, err := edit(r.Context())
		out, answer = s.outcome(r, req, ch, err, changed)
		return out
	})
	if err != nil {
		// The write stands; the gap in the trail is logged, never silent.
		s.log.Error("audit log: line not recorded", "kind", asked.Who.Kind, "action", asked.Action, "name", textcap.Cut(req.Name, 256),
			"client", c.addr, "status", out.Status, "err", err)
	}
	answer(w)
}

// outcome is what became of a write, for the trail, and the answer to
// send once it is recorded: the registry's error as a status, or what
// became of the change, waiting for it to be served when asked to
// (?wait=verified).
func (s *Server) outcome(r *http.Request, req client.WriteRequest, ch registry.Change, err error, changed int) (audit.Outcome, func(http.ResponseWriter)) {
	if err != nil {
		code := http.StatusServiceUnavailable
		switch {
		case errors.Is(err, registry.ErrInvalid):
			code = http.StatusUnprocessableEntity
		case errors.Is(err, registry.ErrConflict):
			code = http.StatusConflict
		case errors.Is(err, registry.ErrNotFound):
			code = http.StatusNotFound
		case errors.Is(err, registry.ErrUnreadable):
			code = http.StatusServiceUnavailable // records.d's state, not the request: an operator must look
		}
		return audit.Outcome{Status: code, Err: err}, func(w http.ResponseWriter) { s.fail(w, code, s.redact.text(err.Error())) }
	}
	code := http.StatusOK
	if ch.Changed {
		code = changed
	}
	// Worded as the CLI's local writes are (registry.Result).
	res := registry.Result(registry.Record{Name: req.Name, Type: req.RecordType, Value: req.Value}, ch, s.rec.AutoRegister)
	if r.Method == http.MethodDelete {
		res.Removed = s.removed(req.Name, ch)
	}
	if r.URL.Query().Get("wait") == "verified" && s.rec.AutoRegister {
		v, err := s.waitServed(r.Context(), req.Name, ch)
		res.Verification = &v
		if err != nil {
			if st := s.health.Status(); !st.Healthy {
				msg := fmt.Sprintf("written to records.d, but the daemon cannot apply it now (%s): %s; it will be applied when it can",
					reasonKinds(st.Reasons), s.redact.text(err.Error()))
				return audit.Outcome{Result: "written; not served: " + err.Error(), Status: http.StatusServiceUnavailable, Changed: ch.Changed},
					func(w http.ResponseWriter) { s.fail(w, http.StatusServiceUnavailable, msg) }
			}
			res.Status, res.Message, code = "accepted", "written to records.d; not served yet: "+s.redact.text(err.Error()), http.StatusAccepted
		} else {
			res.Status, res.Applied, res.Verified, res.Message = "verified", true, true, ""
		}
	}
	return audit.Outcome{Result: res.Status, Status: code, Changed: ch.Changed}, func(w http.ResponseWriter) { s.ok(w, code, res) }
}
