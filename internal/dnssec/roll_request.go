package dnssec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// Asking for a roll. Only the daemon writes a zone's keys and state.json
// (two writers would lose each other's times), so `dnssync dnssec roll`
// leaves a request in the zone's key directory and the daemon's next
// scheduled pass claims it by renaming it (TakeRequest: a request the CLI
// writes meanwhile is a new file, taken at the pass after) and applies it
// (ApplyRequest).

// RequestAction is what a roll request asks for.
type RequestAction string

// The requests: start a roll of a key of Kind; the parent serves the new
// DS of the roll in progress; cancel the roll in progress (Cancel).
const (
	RequestStart       RequestAction = "start"
	RequestDSPublished RequestAction = "ds-published"
	RequestCancel      RequestAction = "cancel"
)

// RollRequest is roll-request.json.
type RollRequest struct {
	Action    RequestAction `json:"action"`
	Kind      Role          `json:"kind,omitempty"` // for start
	Requested time.Time     `json:"requested"`
}

const (
	requestFile = "roll-request.json"
	// takenFile is the request claimed by the daemon: a dotfile, which
	// `dnssync dnssec status` does not take for a request waiting.
	takenFile = ".roll-request.taken.json"
)

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
	if err := checkOwner(dir, strings.TrimSuffix(zone, "."), os.Geteuid()); err != nil {
		return err
	}
	b, err := json.MarshalIndent(req, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the key roll request for %s: %w", zone, err)
	}
	return atomicfile.Write(filepath.Join(dir, requestFile), dir, append(b, '\n'), 0o600)
}

// ErrNotOwner marks a request refused because the CLI does not run as
// the user the daemon runs as.
var ErrNotOwner = errors.New("not the owner of the zone's key directory")

// checkOwner refuses a request written by a user (euid) other than the
// key directory's owner, the daemon's user: a root-run CLI would leave a
// root-owned file, mode 0600, that the daemon cannot read or claim.
func checkOwner(dir, zone string, euid int) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return fmt.Errorf("write the key roll request: %w", err)
	}
	if int(st.Uid) == euid {
		return nil
	}
	name := "dnssync"
	if u, err := user.LookupId(strconv.Itoa(int(st.Uid))); err == nil {
		name = u.Username
	}
	return fmt.Errorf("write the key roll request: this runs as uid %d, and the key directory %s belongs to uid %d (%s), the daemon's user, which could not read a request left by another: %w; run it as the user the daemon runs as: sudo -u %s dnssync dnssec roll %s", euid, dir, st.Uid, name, ErrNotOwner, name, zone)
}

// Request returns the request waiting for the daemon, nil when none.
func (s KeyStore) Request(zone string) (*RollRequest, error) {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return nil, err
	}
	return readRequest(filepath.Join(dir, requestFile))
}

// TakeRequest claims the request waiting for the daemon (nil when none)
// and removes it: it is renamed before it is read, so that a request
// written while this one is applied is a new file, never removed unread.
// A request that cannot be read is removed too, and the error says why.
func (s KeyStore) TakeRequest(zone string) (*RollRequest, error) {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return nil, err
	}
	taken := filepath.Join(dir, takenFile)
	if err := os.Rename(filepath.Join(dir, requestFile), taken); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("claim the key roll request: %w", err)
	}
	req, err := readRequest(taken)
	if rmErr := os.Remove(taken); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("remove the key roll request: %w", rmErr))
	}
	return req, err
}

func readRequest(path string) (*RollRequest, error) {
	b, err := readFile("the key roll request", path)
	if b == nil || err != nil {
		return nil, err
	}
	var req RollRequest
	if err := json.Unmarshal(b, &req); err != nil || !slices.Contains([]RequestAction{RequestStart, RequestDSPublished, RequestCancel}, req.Action) {
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
	b, err := readFile("dnssec key state", filepath.Join(dir, stateFile))
	if b == nil || err != nil {
		return false, err
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
	case RequestCancel:
		if r == nil {
			return nil, nil, fmt.Errorf("cancel the key roll of %s: no key roll is in progress", zone)
		}
		return Cancel(zone, keys, r, now)
	}
	return nil, nil, fmt.Errorf("key roll request for %s: unknown action %q", zone, req.Action)
}
