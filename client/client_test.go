package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// seen is one request as the server received it.
type seen struct {
	Method, Path, Query, Auth, ContentType string
	Body                                   map[string]any // nil without a body
}

// fakeAPI answers every request with status and body, and records it.
func fakeAPI(t *testing.T, status int, body string, header map[string]string) (*httptest.Server, *[]seen) {
	t.Helper()
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 {
			if err := json.Unmarshal(b, &s.Body); err != nil {
				t.Errorf("request body %q is not a JSON object: %v", b, err)
			}
		}
		got = append(got, s)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

const okWrite = `{"success":true,"data":{"name":"web-01.example.com","record_type":"A","value":"192.168.1.10","ttl":300,"status":"accepted","applied":false,"verified":false}}`

func TestRequests(t *testing.T) {
	ttl := uint32(60)
	tests := []struct {
		name string
		call func(c *Client) error
		want seen
	}{
		{
			name: "RegisterServerDNS IPv4",
			call: func(c *Client) error {
				_, err := c.RegisterServerDNS(context.Background(), "web-01.example.com", netip.MustParseAddr("192.168.1.10"))
				return err
			},
			want: seen{Method: "POST", Path: "/api/v1/dns/records", ContentType: "application/json",
				Body: map[string]any{"name": "web-01.example.com", "record_type": "A", "value": "192.168.1.10"}},
		},
		{
			name: "RegisterServerDNS IPv6",
			call: func(c *Client) error {
				_, err := c.RegisterServerDNS(context.Background(), "web-01.example.com", netip.MustParseAddr("2001:DB8::0:1"))
				return err
			},
			want: seen{Method: "POST", Path: "/api/v1/dns/records", ContentType: "application/json",
				Body: map[string]any{"name": "web-01.example.com", "record_type": "AAAA", "value": "2001:db8::1"}},
		},
		{
			// What netip.AddrFromSlice makes of a 16-byte net.IP.
			name: "RegisterServerDNS IPv4-mapped is IPv4",
			call: func(c *Client) error {
				_, err := c.RegisterServerDNS(context.Background(), "web-01.example.com", netip.MustParseAddr("::ffff:192.168.1.10"))
				return err
			},
			want: seen{Method: "POST", Path: "/api/v1/dns/records", ContentType: "application/json",
				Body: map[string]any{"name": "web-01.example.com", "record_type": "A", "value": "192.168.1.10"}},
		},
		{
			name: "Register with TTL, waiting",
			call: func(c *Client) error {
				_, err := c.Register(context.Background(), WriteRequest{Name: "_acme-challenge.example.com", RecordType: "TXT", Value: "a b", TTL: &ttl}, true)
				return err
			},
			want: seen{Method: "POST", Path: "/api/v1/dns/records", Query: "wait=verified", ContentType: "application/json",
				Body: map[string]any{"name": "_acme-challenge.example.com", "record_type": "TXT", "value": "a b", "ttl": float64(60)}},
		},
		{
			name: "UpdateDNSRecord",
			call: func(c *Client) error {
				_, err := c.UpdateDNSRecord(context.Background(), "web-01.example.com", "A", "192.168.1.20")
				return err
			},
			want: seen{Method: "PUT", Path: "/api/v1/dns/records/web-01.example.com", ContentType: "application/json",
				Body: map[string]any{"record_type": "A", "value": "192.168.1.20"}},
		},
		{
			name: "Update escapes the name, waiting",
			call: func(c *Client) error {
				_, err := c.Update(context.Background(), WriteRequest{Name: "a/b?c.example.com", RecordType: "A", Value: "192.0.2.1"}, true)
				return err
			},
			want: seen{Method: "PUT", Path: "/api/v1/dns/records/a%2Fb%3Fc.example.com", Query: "wait=verified", ContentType: "application/json",
				Body: map[string]any{"record_type": "A", "value": "192.0.2.1"}},
		},
		{
			name: "UnregisterServerDNS removes every type",
			call: func(c *Client) error {
				return c.UnregisterServerDNS(context.Background(), "web-01.example.com")
			},
			want: seen{Method: "DELETE", Path: "/api/v1/dns/records/web-01.example.com"},
		},
		{
			name: "Unregister one type, waiting",
			call: func(c *Client) error {
				_, err := c.Unregister(context.Background(), "web-01.example.com", "AAAA", true)
				return err
			},
			want: seen{Method: "DELETE", Path: "/api/v1/dns/records/web-01.example.com", Query: "type=AAAA&wait=verified"},
		},
		{
			name: "ListRecords without filter",
			call: func(c *Client) error {
				_, err := c.ListRecords(context.Background(), ListFilter{})
				return err
			},
			want: seen{Method: "GET", Path: "/api/v1/dns/records"},
		},
		{
			name: "ListRecords with filters",
			call: func(c *Client) error {
				_, err := c.ListRecords(context.Background(), ListFilter{Name: "web-01.example.com", Type: "A", Zone: "example.com"})
				return err
			},
			want: seen{Method: "GET", Path: "/api/v1/dns/records", Query: "name=web-01.example.com&type=A&zone=example.com"},
		},
		{
			name: "Verify",
			call: func(c *Client) error {
				_, err := c.Verify(context.Background(), "web-01.example.com")
				return err
			},
			want: seen{Method: "GET", Path: "/api/v1/dns/verify/web-01.example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, token := range []string{"", "s3cret-token-0123456789"} {
				srv, got := fakeAPI(t, 200, okWrite, nil)
				if strings.HasPrefix(tt.want.Path, "/api/v1/dns/verify/") {
					srv, got = fakeAPI(t, 200, `{"success":true,"data":{"name":"web-01.example.com","verified":true,"server":"127.0.0.1:53","records":[]}}`, nil)
				} else if tt.want.Method == "GET" {
					srv, got = fakeAPI(t, 200, `{"success":true,"data":[]}`, nil)
				}
				if err := tt.call(New(srv.URL+"/", token)); err != nil {
					t.Fatalf("token %q: %v", token, err)
				}
				want := tt.want
				if token != "" {
					want.Auth = "Bearer " + token
				}
				if len(*got) != 1 || !reflect.DeepEqual((*got)[0], want) {
					t.Errorf("token %q: requests\n got %+v\nwant [%+v]", token, *got, want)
				}
			}
		})
	}
}

func TestDecodesData(t *testing.T) {
	ctx := context.Background()
	srv, _ := fakeAPI(t, 201, okWrite, nil)
	res, err := New(srv.URL, "").RegisterServerDNS(ctx, "web-01.example.com", netip.MustParseAddr("192.168.1.10"))
	if err != nil {
		t.Fatal(err)
	}
	want := WriteResult{Record: Record{Name: "web-01.example.com", RecordType: "A", Value: "192.168.1.10", TTL: 300}, Status: "accepted"}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}

	srv, _ = fakeAPI(t, 200, `{"success":true,"data":[{"name":"web-01.example.com","record_type":"A","value":"192.168.1.10","ttl":300,"source":"web.yaml"},{"name":"x.example.com","record_type":"TXT","value":"a \"b\"","ttl":60}]}`, nil)
	recs, err := New(srv.URL, "").ListRecords(ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	wantRecs := []Record{
		{Name: "web-01.example.com", RecordType: "A", Value: "192.168.1.10", TTL: 300, Source: "web.yaml"},
		{Name: "x.example.com", RecordType: "TXT", Value: `a "b"`, TTL: 60},
	}
	if !reflect.DeepEqual(recs, wantRecs) {
		t.Errorf("got %+v, want %+v", recs, wantRecs)
	}

	for _, verified := range []bool{true, false} {
		body, _ := json.Marshal(Response[Verification]{Success: true, Data: Verification{Name: "web-01.example.com", Verified: verified, Server: "127.0.0.1:53",
			Records: []RRsetStatus{{RecordType: "A", Want: []string{"192.168.1.10"}, WantTTL: 300, Served: []string{"192.168.1.10"}, ServedTTL: 300, Verified: verified}}}})
		srv, _ = fakeAPI(t, 200, string(body), nil)
		ok, err := New(srv.URL, "").VerifyDNSResolution(ctx, "web-01.example.com")
		if err != nil || ok != verified {
			t.Errorf("VerifyDNSResolution = %v, %v; want %v, nil", ok, err, verified)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		header map[string]string
		want   Error
	}{
		{"invalid", 422, `{"success":false,"error":"value: not an IPv4 address"}`, nil,
			Error{Status: 422, Message: "value: not an IPv4 address"}},
		{"bad token", 401, `{"success":false,"error":"missing or invalid bearer token"}`, nil,
			Error{Status: 401, Message: "missing or invalid bearer token"}},
		{"conflict", 409, `{"success":false,"error":"web-01.example.com is declared in records.d/web.yaml:3; change that file instead"}`, nil,
			Error{Status: 409, Message: "web-01.example.com is declared in records.d/web.yaml:3; change that file instead"}},
		{"rate limited", 429, `{"success":false,"error":"rate limited"}`, map[string]string{"Retry-After": "7"},
			Error{Status: 429, Message: "rate limited", RetryAfter: 7 * time.Second}},
		{"cannot apply", 503, `{"success":false,"error":"records dir unreadable"}`, nil,
			Error{Status: 503, Message: "records dir unreadable"}},
		{"not JSON from a proxy", 502, "<html>Bad Gateway</html>\n", nil,
			Error{Status: 502, Message: "<html>Bad Gateway</html>"}},
		{"success false with 200", 200, `{"success":false,"error":"odd"}`, nil,
			Error{Status: 200, Message: "odd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := fakeAPI(t, tt.status, tt.body, tt.header)
			_, err := New(srv.URL, "t").UpdateDNSRecord(context.Background(), "web-01.example.com", "A", "192.168.1.20")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if *e != tt.want {
				t.Errorf("got %+v, want %+v", *e, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "update web-01.example.com: api: ") {
				t.Errorf("error %q does not say what was being done", err)
			}
		})
	}
}

func TestRetryAfterDate(t *testing.T) {
	at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	srv, _ := fakeAPI(t, 429, `{"success":false,"error":"rate limited"}`, map[string]string{"Retry-After": at})
	_, err := New(srv.URL, "").ListRecords(context.Background(), ListFilter{})
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter < 80*time.Second || e.RetryAfter > 91*time.Second {
		t.Fatalf("got %v, want a 429 with RetryAfter about 90s", err)
	}
}

func TestUnregisterServerDNSGoneIsOK(t *testing.T) {
	srv, _ := fakeAPI(t, 404, `{"success":false,"error":"no such record"}`, nil)
	c := New(srv.URL, "")
	if err := c.UnregisterServerDNS(context.Background(), "gone.example.com"); err != nil {
		t.Errorf("UnregisterServerDNS of a name already gone: %v", err)
	}
	// The general form reports it.
	_, err := c.Unregister(context.Background(), "gone.example.com", "", false)
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 {
		t.Errorf("Unregister: got %v, want a 404 *Error", err)
	}
	// Other errors still are errors.
	srv, _ = fakeAPI(t, 409, `{"success":false,"error":"declared in web.yaml"}`, nil)
	if err := New(srv.URL, "").UnregisterServerDNS(context.Background(), "web.example.com"); err == nil {
		t.Error("UnregisterServerDNS: a 409 was not reported")
	}
}

func TestRegisterServerDNSBadAddress(t *testing.T) {
	srv, got := fakeAPI(t, 200, okWrite, nil)
	c := New(srv.URL, "")
	for _, ip := range []netip.Addr{{}, netip.MustParseAddr("fe80::1%eth0")} {
		if _, err := c.RegisterServerDNS(context.Background(), "web-01.example.com", ip); err == nil {
			t.Errorf("RegisterServerDNS(%v): no error", ip)
		}
	}
	if len(*got) != 0 {
		t.Errorf("bad addresses were sent: %+v", *got)
	}
}

func TestTransportErrors(t *testing.T) {
	srv, _ := fakeAPI(t, 200, "not json", nil)
	if _, err := New(srv.URL, "").ListRecords(context.Background(), ListFilter{}); err == nil || !strings.Contains(err.Error(), "decode answer") {
		t.Errorf("undecodable answer: got %v", err)
	}
	var e *Error
	if _, err := New(srv.URL, "").ListRecords(context.Background(), ListFilter{}); errors.As(err, &e) {
		t.Errorf("an undecodable 200 is an *Error: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(srv.URL, "").ListRecords(ctx, ListFilter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := New("http://"+addr, "").ListRecords(context.Background(), ListFilter{}); err == nil || !strings.HasPrefix(err.Error(), "list records: ") {
		t.Errorf("nothing listening: got %v", err)
	}
}

func TestUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets: %v", err)
	}
	var path string
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		io.WriteString(w, `{"success":true,"data":[{"name":"a.example.com","record_type":"A","value":"192.0.2.1","ttl":300}]}`)
	})}}
	srv.Start()
	defer srv.Close()
	recs, err := New("unix:"+sock, "").ListRecords(context.Background(), ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if path != "/api/v1/dns/records" || len(recs) != 1 || recs[0].Name != "a.example.com" {
		t.Errorf("got path %q, records %+v", path, recs)
	}
}
