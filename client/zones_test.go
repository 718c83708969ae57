package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The zones calls send the routes, bodies and queries the API takes, and
// decode its answers and errors.
func TestZonesCalls(t *testing.T) {
	t.Parallel()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+string(body))
		switch {
		case r.Method == "GET":
			json.NewEncoder(w).Encode(Response[[]Zone]{Success: true, Data: []Zone{{Name: "a.test", Source: "config"}}})
		case r.Method == "POST":
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(Response[ZoneChange]{Success: true, Data: ZoneChange{Zone: Zone{Name: "b.test", Source: "b.test.yaml"}, Status: "accepted"}})
		default:
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(Response[any]{Error: "records.d declares records in zone b.test., in records.d/x.yaml"})
		}
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, "tok-0123456789abcdef")
	ctx := context.Background()
	zs, err := c.Zones(ctx)
	if err != nil || len(zs) != 1 || zs[0].Source != "config" {
		t.Errorf("Zones = %+v, %v", zs, err)
	}
	res, err := c.AddZone(ctx, Zone{Name: "b.test", NameserverAddresses: []string{}}, true)
	if err != nil || res.Status != "accepted" || res.Source != "b.test.yaml" {
		t.Errorf("AddZone = %+v, %v", res, err)
	}
	_, err = c.RemoveZone(ctx, "b.test", true)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusConflict || e.Message == "" {
		t.Errorf("RemoveZone: %v, want a 409 *Error", err)
	}
	want := []string{
		"GET /api/v1/dns/zones ",
		`POST /api/v1/dns/zones?wait=verified {"name":"b.test","nameserver_addresses":[],"reverse":false}`,
		"DELETE /api/v1/dns/zones/b.test?force=true ",
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("request %d = %q, want %q", i, got, want[i])
		}
	}
}
