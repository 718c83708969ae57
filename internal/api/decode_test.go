package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/registry"
)

func decodeBytes(body []byte, withName bool) (client.WriteRequest, *requestError) {
	return decodeWriteRequest(http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), maxBody), withName)
}

func TestDecodeWriteRequest(t *testing.T) {
	ttl := uint32(60)
	for _, c := range []struct {
		name     string
		body     string
		withName bool
		want     client.WriteRequest
		code     int    // 0: accepted
		msg      string // in the error
	}{
		{"post", `{"name":"Web.example.com","record_type":"a","value":"192.0.2.1","ttl":60}`, true, client.WriteRequest{Name: "Web.example.com", RecordType: "A", Value: "192.0.2.1", TTL: &ttl}, 0, ""},
		{"put", `{"record_type":"TXT","value":"x"}`, false, client.WriteRequest{RecordType: "TXT", Value: "x"}, 0, ""},
		{"empty", ``, true, client.WriteRequest{}, 400, "bad JSON"},
		{"not an object", `[1]`, true, client.WriteRequest{}, 400, "bad JSON"},
		{"unknown field", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4","vaule":1}`, true, client.WriteRequest{}, 400, "vaule"},
		{"trailing data", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4"} x`, true, client.WriteRequest{}, 400, "more than one value"},
		{"second object", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4"}{}`, true, client.WriteRequest{}, 400, "more than one value"},
		{"ttl a string", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4","ttl":"60"}`, true, client.WriteRequest{}, 400, "ttl"},
		{"ttl negative", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4","ttl":-1}`, true, client.WriteRequest{}, 400, "ttl"},
		{"ttl too large", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4","ttl":4294967296}`, true, client.WriteRequest{}, 400, "ttl"},
		{"name a number", `{"name":1,"record_type":"A","value":"1.2.3.4"}`, true, client.WriteRequest{}, 400, "name"},
		{"value null", `{"name":"a.example.com","record_type":"A","value":null}`, true, client.WriteRequest{}, 422, "value"},
		{"no name", `{"record_type":"A","value":"1.2.3.4"}`, true, client.WriteRequest{}, 422, "name: required"},
		{"name in a PUT", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4"}`, false, client.WriteRequest{}, 422, "name: goes in the path"},
		{"no type", `{"name":"a.example.com","value":"1.2.3.4"}`, true, client.WriteRequest{}, 422, "record_type"},
		{"unknown type", `{"name":"a.example.com","record_type":"BOGUS","value":"1.2.3.4"}`, true, client.WriteRequest{}, 422, "record_type"},
		{"NUL in name", `{"name":"a\u0000.example.com","record_type":"A","value":"1.2.3.4"}`, true, client.WriteRequest{}, 422, "name"},
		{"path in name", `{"name":"../../etc/passwd","record_type":"A","value":"1.2.3.4"}`, true, client.WriteRequest{}, 422, "name"},
		{"too large", `{"name":"a.example.com","record_type":"TXT","value":"` + strings.Repeat("x", maxBody) + `"}`, true, client.WriteRequest{}, 413, "larger"},
		{"too large after the value", `{"name":"a.example.com","record_type":"A","value":"1.2.3.4"}` + strings.Repeat(" ", maxBody), true, client.WriteRequest{}, 413, "larger"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeBytes([]byte(c.body), c.withName)
			switch {
			case c.code == 0 && err != nil:
				t.Fatalf("refused: %d %s", err.status, err.msg)
			case c.code == 0 && !reflect.DeepEqual(got, c.want):
				t.Fatalf("got %+v, want %+v", got, c.want)
			case c.code != 0 && (err == nil || err.status != c.code || !strings.Contains(err.msg, c.msg)):
				t.Fatalf("got %+v, %+v; want %d with %q", got, err, c.code, c.msg)
			case err != nil && strings.Contains(err.audit, "x"+"xxxxxxx"):
				t.Fatalf("audit text holds the body: %q", err.audit)
			}
		})
	}
}

// FuzzDecodeWriteRequest: the decoder never panics, answers only with the
// statuses of the contract, accepts only a single well-formed JSON object
// naming a valid record name and type, and what it accepts round-trips.
func FuzzDecodeWriteRequest(f *testing.F) {
	f.Add([]byte(`{"name":"web-01.example.com","record_type":"A","value":"192.0.2.1","ttl":300}`), true)
	f.Add([]byte(`{"record_type":"aaaa","value":"2001:db8::1"}`), false)
	f.Add([]byte(`{"name":"_sip._tcp.example.com","record_type":"SRV","value":"10 5 5060 sip.example.com"}`), true)
	f.Add([]byte(`{"name":"a\u0000.example.com","record_type":"A","value":"1"}`), true)
	f.Add([]byte(`{"name":"../x","record_type":"A","value":"1","ttl":1e3}`), true)
	f.Add([]byte(`{"name":"x.example.com","record_type":"A","value":"1"} {}`), true)
	f.Add([]byte(`[]`), false)
	f.Fuzz(func(t *testing.T, body []byte, withName bool) {
		req, err := decodeBytes(body, withName)
		if err != nil {
			switch err.status {
			case 400, 413, 422:
			default:
				t.Fatalf("status %d for %q", err.status, body)
			}
			if err.msg == "" || err.audit == "" {
				t.Fatalf("refusal without a message: %+v", err)
			}
			return
		}
		if !json.Valid(body) || len(body) > maxBody {
			t.Fatalf("accepted a body that is not one JSON value within the limit: %q", body)
		}
		var fields map[string]json.RawMessage
		if e := json.Unmarshal(body, &fields); e != nil {
			t.Fatalf("accepted a body that is not an object: %q", body)
		}
		if req.RecordType == "" || req.Value == "" || req.RecordType != strings.ToUpper(req.RecordType) {
			t.Fatalf("accepted an incomplete request %+v from %q", req, body)
		}
		if withName {
			if _, e := registry.CheckName(req.Name); e != nil {
				t.Fatalf("accepted an invalid name %q: %v", req.Name, e)
			}
		} else if req.Name != "" {
			t.Fatalf("accepted a name in a PUT body: %q", body)
		}
		again, e := json.Marshal(req)
		if e != nil {
			t.Fatal(e)
		}
		back, rerr := decodeBytes(again, withName)
		if rerr != nil || !reflect.DeepEqual(back, req) {
			t.Fatalf("round trip of %+v: %s gave %+v, %v", req, again, back, rerr)
		}
	})
}
