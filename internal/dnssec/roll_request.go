package dnssec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// Asking for a roll. Only the daemon writes a zone's keys and state.json
// (two writers would lose each other's times), so `dnssync dnssec roll`
// leaves a request in the zone's key directory and the daemon's next
// scheduled pass takes it (ApplyRequest) and removes it.

// RequestAction is what a roll request asks for.
type RequestAction string

// The requests: start a roll of a key of Kind; the parent serves the new
// DS of the roll in progress.
const (
	RequestStart       RequestAction = "start"
	RequestDSPublished RequestAction = "ds-published"
)

// RollRequest is roll-request.json.
type RollRequest struct {
	Action    RequestAction `json:"action"`
	Kind      Role          `json:"kind,omitempty"` // for start
	Requested time.Time     `json:"requested"`
}

const requestFile = "roll-request.json"

// WriteRequest leaves req for the daemon (mode 0600, atomic). The zone
// must have keys: its directory is the daemon's, made with them.
func (s KeyStore) WriteRequest(zone string, req RollRequest) error {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err != nil {
		return fmt.Errorf("write the key roll request: %w", err)
	}
	b, err := json.MarshalIndent(req, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the key roll request for %s: %w", zone, err)
	}
	return atomicfile.Write(filepath.Join(dir, requestFile), dir, append(b, '\n'), 0o600)
}

// Request returns the request waiting for the daemon, nil when none.
func (s KeyStore) Request(zone string) (*RollRequest, error) {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, requestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the key roll request: %w", err)
	}
	var req RollRequest
	if err := json.Unmarshal(b, &req); err != nil || (req.Action != RequestStart && req.Action != RequestDSPublished) {
		return nil, fmt.Errorf("read the key roll request %s: not a request dnssync wrote", path)
	}
	return &req, nil
}

// ClearRequest removes the zone's request, once taken (or refused).
func (s KeyStore) ClearRequest(zone string) error {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, requestFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the key roll request: %w", err)
	}
	return nil
}

// Pending reports whether the zone has a roll in progress or a request
// waiting, reading state.json and the request's name only (no key): the
// question every scheduled pass asks of every signed zone.
func (s KeyStore) Pending(zone string) (bool, error) {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return false, err
	}
	if _, err := os.Lstat(filepath.Join(dir, requestFile)); err == nil {
		return true, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read dnssec key state: %w", err)
	}
	var st struct {
		Roll *Roll `json:"roll"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return false, fmt.Errorf("read dnssec key state %s: not valid JSON", filepath.Join(dir, stateFile))
	}
	return st.Roll != nil, nil
}

// ApplyRequest applies req to the zone's keys and roll at now: a start
// begins a roll (StartRoll; refused while one is in progress), a
// ds-published records the parent's new DS (refused unless the roll waits
// for it). It returns the keys and roll to save.
func ApplyRequest(zone string, keys []*Key, r *Roll, req RollRequest, p Policy, now time.Time) ([]*Key, *Roll, error) {
	switch req.Action {
	case RequestStart:
		if r != nil {
			return nil, nil, fmt.Errorf("roll the %s of %s: %w (%s, stage %s)", req.Kind, zone, ErrRollInProgress, r.Kind, r.Stage)
		}
		return StartRoll(zone, keys, req.Kind, now)
	case RequestDSPublished:
		if r == nil {
			return nil, nil, fmt.Errorf("the parent's new DS of %s: no key roll is in progress", zone)
		}
		at := req.Requested
		if at.IsZero() || at.After(now) {
			at = now
		}
		next := *r
		if err := next.SetDSPublished(p, at); err != nil {
			return nil, nil, fmt.Errorf("the parent's new DS of %s: %w", zone, err)
		}
		return keys, &next, nil
	}
	return nil, nil, fmt.Errorf("key roll request for %s: unknown action %q", zone, req.Action)
}
