package verify

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// A secondary's serial is judged against the primary's in RFC 1982
// arithmetic: behind across the wrap is behind (by how many), ahead is
// not in sync either (and said), unread is not in sync with the reason.
func TestSerialStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		served, want uint32
		err          error
		inSync       bool
		behind       uint32
		reason       string
	}{
		{"same", 7, 7, nil, true, 0, ""},
		{"behind", 5, 7, nil, false, 2, ""},
		{"behind across the wrap", 4294967295, 3, nil, false, 4, ""},
		{"ahead", 9, 7, nil, false, 0, "newer serial than the primary"},
		{"ahead across the wrap", 1, 4294967290, nil, false, 0, "newer serial"},
		{"unreachable", 0, 7, errors.New("i/o timeout"), false, 0, "unreachable: i/o timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := SerialStatus("example.com.", "127.0.0.1:5301", "", RoleSecondary, tt.served, tt.want, tt.err)
			if s.InSync != tt.inSync || s.Behind != tt.behind || !strings.Contains(s.Reason, tt.reason) || (tt.reason == "") != (s.Reason == "") {
				t.Errorf("%+v, want in_sync %v, behind %d, reason %q", s, tt.inSync, tt.behind, tt.reason)
			}
			if s.Name != "127.0.0.1:5301" {
				t.Errorf("name %q, want the address", s.Name)
			}
		})
	}
}

// The report's JSON lists each zone once with its servers in order; an
// authoritative server out of sync fails the report, a resolver's
// records do that through their own results.
func TestReportSyncJSON(t *testing.T) {
	t.Parallel()
	lag := SerialStatus("example.com.", "127.0.0.1:5302", "ns3", RoleSecondary, 5, 7, nil)
	lag.Waited = 1500 * time.Millisecond
	rep := Report{Sync: []ServerStatus{
		SerialStatus("example.com.", "127.0.0.1:53", "", RolePrimary, 7, 7, nil),
		lag,
		{Zone: "example.com.", Server: "127.0.0.1:5400", Name: "cache", Role: RoleResolver, InSync: true},
		SerialStatus("example.org.", "127.0.0.1:53", "", RolePrimary, 3, 3, nil),
	}}
	if rep.OK() || len(rep.OutOfSync()) != 1 {
		t.Fatalf("OK %v, out of sync %v: want one secondary out of sync", rep.OK(), rep.OutOfSync())
	}
	b, err := json.Marshal(rep.JSON(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"zones":[{"zone":"example.com","servers":[{"address":"127.0.0.1:53","name":"127.0.0.1:53","role":"primary","serial":7,"in_sync":true}`,
		`{"address":"127.0.0.1:5302","name":"ns3","role":"secondary","serial":5,"in_sync":false,"behind":2,"lagging_seconds":1.5}`,
		`{"address":"127.0.0.1:5400","name":"cache","role":"resolver","in_sync":true}]}`,
		`{"zone":"example.org","servers":[{"address":"127.0.0.1:53","name":"127.0.0.1:53","role":"primary","serial":3,"in_sync":true}]}]`,
		`"verified":false`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s\nlacks %s", b, want)
		}
	}
	if got := lag.String(); got != "zone example.com at secondary ns3: serves serial 5, want 7 (2 behind, lagging for 1.5s)" {
		t.Errorf("String() = %q", got)
	}
}
