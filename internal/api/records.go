package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/textcap"
	"github.com/dnssync/dnssync/internal/verify"
)

// RecordsOptions enable the records API under /api/v1/dns/. It changes
// records.d through the registry, never the DNS server: the files stay the
// one source of truth.
type RecordsOptions struct {
	Registry *registry.Registry
	Declared interface {
		AllDeclared() []desired.Declared
		DeclaredAt(name string) []desired.Declared
	}
	Resolver     *verify.Resolver // the authoritative server, for verify and ?wait=verified
	AutoRegister bool
	WaitTimeout  time.Duration
	Tokens       []Token // none: no tokens (the API then listens on loopback only)
	Rate         float64 // requests per second per client
	Burst        int
	Audit        *audit.Log
}

func (s *Server) recordRoutes() {
	s.mux.HandleFunc("GET /api/v1/dns/records", s.guard(s.listRecords))
	s.mux.HandleFunc("POST /api/v1/dns/records", s.guard(s.createRecord))
	s.mux.HandleFunc("PUT /api/v1/dns/records/{name}", s.guard(s.updateRecord))
	s.mux.HandleFunc("DELETE /api/v1/dns/records/{name}", s.guard(s.deleteRecord))
	s.mux.HandleFunc("GET /api/v1/dns/verify/{name}", s.guard(s.verifyName))
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, _ caller) {
	q := r.URL.Query()
	name, typ, zone := q.Get("name"), strings.ToUpper(q.Get("type")), q.Get("zone")
	out := []client.Record{}
	var all []desired.Declared
	if name != "" {
		all = s.rec.Declared.DeclaredAt(name)
	} else {
		all = s.rec.Declared.AllDeclared()
	}
	for _, d := range all {
		h := d.RR.Header()
		if typ != "" && dns.TypeToString[h.Rrtype] != typ || zone != "" && !dns.IsSubDomain(dns.CanonicalName(zone), h.Name) {
			continue
		}
		out = append(out, registry.ToRecord(d))
	}
	s.ok(w, http.StatusOK, out)
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, c caller) {
	req, ok := s.decode(w, r, c, true)
	if !ok {
		return
	}
	ch, err := s.rec.Registry.Register(r.Context(), registry.Record{Name: req.Name, Type: req.RecordType, Value: req.Value, TTL: req.TTL})
	code := http.StatusOK
	if ch.Changed {
		code = http.StatusCreated
	}
	s.written(w, r, c, req, ch, err, code)
}

func (s *Server) updateRecord(w http.ResponseWriter, r *http.Request, c caller) {
	req, ok := s.decode(w, r, c, false)
	if !ok {
		return
	}
	req.Name = r.PathValue("name")
	ch, err := s.rec.Registry.Update(r.Context(), registry.Record{Name: req.Name, Type: req.RecordType, Value: req.Value, TTL: req.TTL})
	s.written(w, r, c, req, ch, err, http.StatusOK)
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request, c caller) {
	req := client.WriteRequest{Name: r.PathValue("name"), RecordType: strings.ToUpper(r.URL.Query().Get("type"))}
	ch, err := s.rec.Registry.Unregister(r.Context(), req.Name, req.RecordType)
	s.written(w, r, c, req, ch, err, http.StatusOK)
}

// decode reads the request's body as a WriteRequest; a body refused is
// answered and audited here.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, c caller, withName bool) (client.WriteRequest, bool) {
	req, err := decodeWriteRequest(http.MaxBytesReader(w, r.Body, maxBody), withName)
	if err != nil {
		s.refuse(w, r, c, err.status, err.msg, err.audit)
		return req, false
	}
	return req, true
}

// refuse answers a request refused before it could act (bad body, bad or
// missing token, a browser, a name that could never be a record) and
// audits it: who asked and what was wrong, never the token or the body.
// The audit log caps the path (audit.MaxFieldBytes).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, c caller, code int, msg, audited string) {
	s.record(audit.Event{Kind: "api", Client: c.addr, TokenID: c.tokenID, Method: r.Method, Path: r.URL.Path, Result: audited, Status: code})
	s.fail(w, code, msg)
}

// refuseQuietly is refuse for a refusal that repeats as long as a client
// keeps at it (429s): the first per client and kind in quietEvery is
// audited, saying that the rest are not; every one is answered.
func (s *Server) refuseQuietly(w http.ResponseWriter, r *http.Request, c caller, kind string, code int, msg, audited string) {
	if ok, _ := s.quiet.allow(kind+c.key(), time.Now()); ok {
		s.record(audit.Event{Kind: "api", Client: c.addr, TokenID: c.tokenID, Method: r.Method, Path: r.URL.Path,
			Result: audited + quietNote, Status: code})
	}
	s.fail(w, code, msg)
}

// quietNote ends the audit line of a refusal audited once a minute.
const quietNote = " (more of these from this client within a minute are not audited)"

// actions name a write as the CLI's commands do, in the audit log.
var actions = map[string]string{http.MethodPost: "register", http.MethodPut: "update", http.MethodDelete: "unregister"}

// written answers a write: the registry's error as a status, or what became
// of the change, waiting for it to be served when asked to (?wait=verified).
func (s *Server) written(w http.ResponseWriter, r *http.Request, c caller, req client.WriteRequest, ch registry.Change, err error, code int) {
	ev := audit.Event{Kind: "api", Client: c.addr, TokenID: c.tokenID, Method: r.Method, Path: r.URL.Path,
		Action: actions[r.Method], Name: req.Name, Type: req.RecordType, Value: req.Value}
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
		ev.Result, ev.Status = err.Error(), code // the trail keeps the paths: it is the operator's
		s.record(ev)
		s.fail(w, code, s.redact.text(err.Error()))
		return
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
				ev.Result, ev.Status = "written; not served: "+err.Error(), http.StatusServiceUnavailable
				s.record(ev)
				s.fail(w, http.StatusServiceUnavailable, fmt.Sprintf("written to records.d, but the daemon cannot apply it now (%s): %s; it will be applied when it can",
					reasonKinds(st.Reasons), s.redact.text(err.Error())))
				return
			}
			res.Status, res.Message, code = "accepted", "written to records.d; not served yet: "+s.redact.text(err.Error()), http.StatusAccepted
		} else {
			res.Status, res.Applied, res.Verified, res.Message = "verified", true, true, ""
		}
	}
	ev.Result, ev.Status = res.Status, code
	s.record(ev)
	s.ok(w, code, res)
}

// waitServed polls the authoritative server until every RRset the change
// touched is answered as the API's file now declares it, or the wait ends;
// it returns what the last answers were, and what was still not served.
func (s *Server) waitServed(ctx context.Context, name string, ch registry.Change) (client.Verification, error) {
	want := map[rrset.Key]*rrset.Set{}
	for _, rr := range ch.Before {
		want[rrset.KeyOf(rr)] = nil
	}
	for _, rr := range ch.After {
		k := rrset.KeyOf(rr)
		if want[k] == nil {
			want[k] = rrset.New(rr)
		} else {
			want[k].Add(rr)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.rec.WaitTimeout)
	defer cancel()
	rep := s.rec.Resolver.Wait(ctx, want, 25*time.Millisecond)
	if miss := rep.Failed(); len(miss) > 0 {
		return rep.JSON(name), fmt.Errorf("after %s: %s", s.rec.WaitTimeout, verify.Summary(miss))
	}
	return rep.JSON(name), nil
}

func (s *Server) verifyName(w http.ResponseWriter, r *http.Request, c caller) {
	name := r.PathValue("name")
	if _, err := registry.CheckName(name); err != nil {
		s.refuse(w, r, c, http.StatusUnprocessableEntity, err.Error(), "refused: "+err.Error())
		return
	}
	declared := s.rec.Declared.DeclaredAt(name)
	if len(declared) == 0 {
		s.fail(w, http.StatusNotFound, fmt.Sprintf("%s is not declared in records.d", strings.TrimSuffix(name, ".")))
		return
	}
	s.ok(w, http.StatusOK, s.rec.Resolver.Check(r.Context(), registry.Sets(declared)).JSON(name))
}

// SetAudit sets where API writes are recorded (before Serve).
func (s *Server) SetAudit(l *audit.Log) {
	if s.rec != nil {
		s.rec.Audit = l
	}
}

// record audits ev. A line the audit log could not take is logged here,
// at error level with what it was about, never dropped silently.
func (s *Server) record(ev audit.Event) {
	if err := s.rec.Audit.Record(ev); err != nil {
		s.log.Error("audit log: line not recorded", "kind", ev.Kind, "action", ev.Action, "name", textcap.Cut(ev.Name, 256),
			"client", ev.Client, "status", ev.Status, "err", err)
	}
}

// ok and fail write the seed's envelope: {"success": true, "data": ...} or
// {"success": false, "error": "..."}.
func (s *Server) ok(w http.ResponseWriter, code int, data any) {
	s.writeJSON(w, code, client.Response[any]{Success: true, Data: data})
}

func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.writeJSON(w, code, client.Response[any]{Success: false, Error: msg})
}

// reasonKinds joins the kinds of health reasons for an error message:
// their messages name the server's files, which are for operators
// (/readyz with a token), and the kinds say what kind of trouble it is.
func reasonKinds(rs []health.Reason) string {
	kinds := make([]string, 0, len(rs))
	for _, r := range rs {
		if !slices.Contains(kinds, r.Kind) {
			kinds = append(kinds, r.Kind)
		}
	}
	return strings.Join(kinds, ", ")
}

// removed is what an unregister took out of the API's file for name: each
// value of ch.Before that ch.After no longer holds, source the file.
func (s *Server) removed(name string, ch registry.Change) []client.Record {
	file := s.rec.Registry.Path(name)
	out := []client.Record{}
	for _, rr := range ch.Before {
		if !slices.ContainsFunc(ch.After, func(a dns.RR) bool { return dns.IsDuplicate(a, rr) }) {
			out = append(out, registry.ToRecord(desired.Declared{RR: rr, File: file}))
		}
	}
	return out
}
