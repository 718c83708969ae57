package client

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The verification shape only grows: the orchestrator reads name,
// verified, server and records[].{record_type, want, want_ttl, served,
// served_ttl, verified, error}, and an answer of a daemon from before the
// shape grew still decodes.
func TestVerificationShape(t *testing.T) {
	t.Parallel()
	v := Verification{Name: "web-01.example.com", Verified: false, Server: "127.0.0.1:53", Servers: []string{"127.0.0.1:53"}, Checked: 1,
		Records: []RRsetStatus{{Name: "web-01.example.com", RecordType: "A", Server: "127.0.0.1:53", Status: "mismatch",
			Want: []string{"192.0.2.10"}, WantTTL: 300, Served: []string{"192.0.2.10"}, ServedTTL: 60}}}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"web-01.example.com","verified":false,"server":"127.0.0.1:53","servers":["127.0.0.1:53"],"checked":1,` +
		`"records":[{"name":"web-01.example.com","record_type":"A","server":"127.0.0.1:53","status":"mismatch",` +
		`"want":["192.0.2.10"],"want_ttl":300,"served":["192.0.2.10"],"served_ttl":60,"verified":false}]}`
	if string(b) != want {
		t.Errorf("Verification encodes as\n%s\nwant\n%s", b, want)
	}

	old := `{"name":"web-01.example.com","verified":true,"server":"127.0.0.1:53","records":[` +
		`{"record_type":"A","want":["192.0.2.10"],"want_ttl":300,"served":["192.0.2.10"],"served_ttl":300,"verified":true}]}`
	var got Verification
	if err := json.Unmarshal([]byte(old), &got); err != nil {
		t.Fatal(err)
	}
	wantOld := Verification{Name: "web-01.example.com", Verified: true, Server: "127.0.0.1:53", Records: []RRsetStatus{{
		RecordType: "A", Want: []string{"192.0.2.10"}, WantTTL: 300, Served: []string{"192.0.2.10"}, ServedTTL: 300, Verified: true}}}
	if !reflect.DeepEqual(got, wantOld) {
		t.Errorf("an older daemon's answer decodes as %+v, want %+v", got, wantOld)
	}
}
