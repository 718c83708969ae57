package dnssec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The roll is kept in state.json beside the keys: saved and loaded whole,
// absent in a state written before rolls (version 1 still), and refused
// when it names a key the zone does not have.
func TestKeyStoreKeepsTheRoll(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: t.TempDir()}
	p := DefaultPolicy()
	keys, err := ks.Ensure(testZone, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, roll, err := ks.LoadRoll(testZone); err != nil || roll != nil {
		t.Fatalf("a fresh zone has roll %+v, %v", roll, err)
	}
	if pending, err := ks.Pending(testZone); pending || err != nil {
		t.Fatalf("a fresh zone is pending: %v, %v", pending, err)
	}
	keys, roll, err := StartRoll(testZone, keys, CSK, t0)
	if err != nil {
		t.Fatal(err)
	}
	roll.Serial = 7
	roll.MarkServed(p, ZoneTTLs{DNSKEY: time.Hour, Max: time.Hour}, t0)
	if err := ks.SaveRoll(testZone, keys, roll); err != nil {
		t.Fatal(err)
	}
	if pending, err := ks.Pending(testZone); !pending || err != nil {
		t.Errorf("a zone rolling is not pending: %v, %v", pending, err)
	}
	got, gotRoll, err := ks.LoadRoll(testZone)
	if err != nil || len(got) != 2 || gotRoll == nil || *gotRoll != *roll {
		t.Fatalf("loaded %d keys, roll %+v (%v); want 2 and %+v", len(got), gotRoll, err, roll)
	}
	if !got[1].Active.IsZero() || !got[1].Published.Equal(t0) {
		t.Errorf("the new key's times: %+v", got[1].Timing)
	}
	statePath := filepath.Join(ks.Dir, "example.com", "state.json")
	b, err := os.ReadFile(statePath)
	if err != nil || !strings.Contains(string(b), `"version": 1`) || !strings.Contains(string(b), `"roll"`) {
		t.Fatalf("state.json: %v\n%s", err, b)
	}
	bad := *roll
	bad.New = roll.Old
	if err := ks.SaveRoll(testZone, keys, &bad); err == nil {
		t.Error("a roll naming no new key was saved")
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	st.Roll.New = roll.New + 1 // no key of the zone: the tags of two keys differ by more (or are drawn again)
	if st.Roll.New == got[0].Tag() {
		st.Roll.New++
	}
	edited, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ks.LoadRoll(testZone); err == nil || !strings.Contains(err.Error(), "names a key the zone does not have") {
		t.Errorf("a roll naming a key not there loaded: %v", err)
	}
}

// The CLI's request: refused before the zone has keys, written mode
// 0600, read back, removed; a file that is not a request is an error that
// does not quote it.
func TestRollRequestFile(t *testing.T) {
	t.Parallel()
	ks := KeyStore{Dir: t.TempDir()}
	req := RollRequest{Action: RequestStart, Kind: ZSK, Requested: t0}
	if err := ks.WriteRequest(testZone, req); err == nil {
		t.Error("a request was left for a zone without keys")
	}
	if _, err := ks.Ensure(testZone, DefaultPolicy(), t0); err != nil {
		t.Fatal(err)
	}
	if err := ks.WriteRequest(testZone, req); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(ks.Dir, "example.com", "roll-request.json")
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("request file %v, %v: want mode 0600", fi, err)
	}
	if pending, err := ks.Pending(testZone); !pending || err != nil {
		t.Errorf("a zone with a request is not pending: %v, %v", pending, err)
	}
	got, err := ks.Request(testZone)
	if err != nil || got == nil || *got != req {
		t.Fatalf("request read back: %+v, %v", got, err)
	}
	if err := ks.ClearRequest(testZone); err != nil {
		t.Fatal(err)
	}
	if got, err := ks.Request(testZone); got != nil || err != nil {
		t.Errorf("after clearing: %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("secret-looking junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Request(testZone); err == nil || strings.Contains(err.Error(), "junk") {
		t.Errorf("a file that is no request: %v", err)
	}
}
