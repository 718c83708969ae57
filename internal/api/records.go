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
	Resolver *verify.Resolver // the authoritative server, for verify and ?wait=verified
	// Resolvers are asked after Resolver by GET verify, as `dnssync
	// verify NAME` asks them: [verify] nameservers and [[resolvers]].
	Resolvers    []*verify.Resolver
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
	s.write(w, r, c, req, http.StatusCreated, func(ctx context.Context) (registry.Change, error) {
		return s.rec.Registry.Register(ctx, registry.Record{Name: req.Name, Type: req.RecordType, Value: req.Value, TTL: req.TTL})
	})
}

func (s *Server) updateRecord(w http.ResponseWriter, r *http.Request, c caller) {
	req, ok := s.decode(w, r, c, false)
	if !ok {
		return
	}
	req.Name = r.PathValue("name")
	s.write(w, r, c, req, http.StatusOK, func(ctx context.Context) (registry.Change, error) {
		return s.rec.Registry.Update(ctx, registry.Record{Name: req.Name, Type: req.RecordType, Value: req.Value, TTL: req.TTL})
	})
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request, c caller) {
	req := client.WriteRequest{Name: r.PathValue("name"), RecordType: strings.ToUpper(r.URL.Query().Get("type"))}
	s.write(w, r, c, req, http.StatusOK, func(ctx context.Context) (registry.Change, error) {
		return s.rec.Registry.Unregister(ctx, req.Name, req.RecordType)
	})
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

// verifyName is verify.NameAt, as `dnssync verify NAME` runs it here: the
// same names refused, in the same words, and the same servers asked (the
// authoritative one, then the resolvers), each judged alike.
func (s *Server) verifyName(w http.ResponseWriter, r *http.Request, c caller) {
	servers := append([]*verify.Resolver{s.rec.Resolver}, s.rec.Resolvers...)
	v, err := verify.NameAt(r.Context(), servers, r.PathValue("name"), s.rec.Declared)
	switch {
	case errors.Is(err, verify.ErrInvalidName):
		s.refuse(w, r, c, http.StatusUnprocessableEntity, err.Error(), "refused: "+err.Error())
	case errors.Is(err, verify.ErrNotDeclared):
		s.fail(w, http.StatusNotFound, err.Error())
	case err != nil:
		s.fail(w, http.StatusInternalServerError, err.Error())
	default:
		s.ok(w, http.StatusOK, v)
	}
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
