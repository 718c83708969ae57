package api

// The zones API: GET, POST /api/v1/dns/zones and DELETE
// /api/v1/dns/zones/{name}. It changes zones.d through a ZoneStore (the
// one that decides what may be added and removed: internal/zones.Editor),
// never the DNS server nor the config's [[zones]]; the daemon notices
// zones.d and makes the server serve it. Same envelope, tokens, rate limit
// and audit trail as the records API.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/textcap"
	"github.com/dnssync/dnssync/internal/zones"
)

// ZoneStore lists and edits the managed zones (zones.Editor). Its errors
// wrap zones.ErrInvalid, ErrConflict, ErrNotFound or ErrNotServed where a
// request is refused; any other is the server's trouble.
type ZoneStore interface {
	List() ([]client.Zone, error)
	Add(ctx context.Context, z client.Zone) (client.Zone, error)
	// Remove returns, besides the zone, the records files (relative to
	// records.d) declaring records in it.
	Remove(ctx context.Context, name string, force bool) (client.Zone, []string, error)
}

var _ ZoneStore = (*zones.Editor)(nil)

func (s *Server) zoneRoutes() {
	s.mux.HandleFunc("GET /api/v1/dns/zones", s.guard(s.listZones))
	s.mux.HandleFunc("POST /api/v1/dns/zones", s.guard(s.addZone))
	s.mux.HandleFunc("DELETE /api/v1/dns/zones/{name}", s.guard(s.removeZone))
}

func (s *Server) listZones(w http.ResponseWriter, _ *http.Request, _ caller) {
	zs, err := s.zones.List()
	if err != nil {
		s.fail(w, http.StatusServiceUnavailable, s.redact.text(err.Error()))
		return
	}
	s.ok(w, http.StatusOK, zs)
}

func (s *Server) addZone(w http.ResponseWriter, r *http.Request, c caller) {
	z, rerr := decodeZone(http.MaxBytesReader(w, r.Body, maxBody))
	if rerr != nil {
		s.refuse(w, r, c, rerr.status, rerr.msg, rerr.audit)
		return
	}
	s.zoneWrite(w, r, c, "add-zone", z.Name, func(ctx context.Context) (client.ZoneChange, int, error) {
		added, err := s.zones.Add(ctx, z)
		if err != nil {
			return client.ZoneChange{}, 0, err
		}
		ch := client.ZoneChange{Zone: added, Status: s.zoneStatus()}
		if r.URL.Query().Get("wait") != "verified" || !s.rec.AutoRegister {
			return ch, http.StatusCreated, nil
		}
		if err := s.waitZone(ctx, added.Name); err != nil {
			if st := s.health.Status(); !st.Healthy {
				return ch, http.StatusServiceUnavailable, fmt.Errorf("written to zones.d, but the daemon cannot apply it now (%s): %s; it will be applied when it can",
					reasonKinds(st.Reasons), err)
			}
			ch.Message = "written to zones.d; not served yet: " + err.Error()
			return ch, http.StatusAccepted, nil
		}
		ch.Status = "verified"
		return ch, http.StatusCreated, nil
	})
}

func (s *Server) removeZone(w http.ResponseWriter, r *http.Request, c caller) {
	name, force := r.PathValue("name"), r.URL.Query().Get("force") == "true"
	action := "remove-zone"
	if force {
		action = "remove-zone-forced"
	}
	s.zoneWrite(w, r, c, action, name, func(ctx context.Context) (client.ZoneChange, int, error) {
		removed, files, err := s.zones.Remove(ctx, name, force)
		if err != nil {
			return client.ZoneChange{}, 0, err
		}
		return client.ZoneChange{Zone: removed, Status: s.zoneStatus(), RecordFiles: files}, http.StatusOK, nil
	})
}

// zoneStatus is a change's status once zones.d holds it.
func (s *Server) zoneStatus() string {
	if s.rec.AutoRegister {
		return "accepted"
	}
	return "pending"
}

// zoneWrite makes one change to zones.d, audits it as the records API's
// writes are (one line, written before the answer), and answers it. edit
// returns the change and its status, or an error: zones' sentinels are
// refusals, a status with an error is a change made that cannot be
// served now.
func (s *Server) zoneWrite(w http.ResponseWriter, r *http.Request, c caller, action, name string,
	edit func(context.Context) (client.ZoneChange, int, error)) {
	asked := audit.Write{Who: audit.Event{Kind: "api", Client: c.addr, TokenID: c.tokenID, Method: r.Method, Path: r.URL.Path},
		Action: action, Name: name}
	var answer func(http.ResponseWriter)
	var status int
	err := audit.Writer{Log: s.rec.Audit}.Do(asked, func() audit.Outcome {
		ch, code, err := edit(r.Context())
		status = code
		switch {
		case err != nil && code != 0: // made, not served
			msg := s.redact.text(err.Error())
			answer = func(w http.ResponseWriter) { s.fail(w, code, msg) }
			return audit.Outcome{Result: "written; not served: " + err.Error(), Status: code, Changed: true}
		case err != nil:
			status = zoneErrorStatus(err)
			msg := s.redact.text(err.Error())
			answer = func(w http.ResponseWriter) { s.fail(w, status, msg) }
			return audit.Outcome{Status: status, Err: err}
		}
		answer = func(w http.ResponseWriter) { s.ok(w, code, ch) }
		return audit.Outcome{Result: ch.Status, Status: code, Changed: true}
	})
	if err != nil {
		// The change stands; the gap in the trail is logged, never silent.
		s.log.Error("audit log: line not recorded", "kind", asked.Who.Kind, "action", action, "name", textcap.Cut(name, 256),
			"client", c.addr, "status", status, "err", err)
	}
	answer(w)
}

// zoneErrorStatus is the status of a refused or failed zone change.
func zoneErrorStatus(err error) int {
	switch {
	case errors.Is(err, zones.ErrInvalid), errors.Is(err, zones.ErrNotServed):
		return http.StatusUnprocessableEntity
	case errors.Is(err, zones.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, zones.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusServiceUnavailable // zones.d's state, not the request: an operator must look
}

// waitZone polls the authoritative server until it answers the zone's
// SOA, or the wait ends.
func (s *Server) waitZone(ctx context.Context, zone string) error {
	ctx, cancel := context.WithTimeout(ctx, s.rec.WaitTimeout)
	defer cancel()
	for {
		_, err := s.rec.Resolver.Serial(ctx, dns.Fqdn(zone))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %s: %w", s.rec.WaitTimeout, err)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// decodeZone reads a zone body strictly: the fields of a zones.d file's
// `zone:` mapping, nothing else, one value.
func decodeZone(body io.Reader) (client.Zone, *requestError) {
	var z client.Zone
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&z)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = terr
			if err == nil {
				err = errors.New("more than one value in the body")
			}
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return z, &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody), "refused: body too large"}
		}
		return z, &requestError{http.StatusBadRequest, "bad JSON: " + err.Error(), "refused: bad JSON"}
	}
	switch {
	case strings.TrimSpace(z.Name) == "":
		return z, &requestError{http.StatusUnprocessableEntity, "name: required", "refused: name: required"}
	case z.Source != "":
		return z, &requestError{http.StatusUnprocessableEntity, "source: set by dnssync, not in a request", "refused: source in the body"}
	}
	return z, nil
}
