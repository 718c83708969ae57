package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// The zones calls: list, add and remove the managed zones through the
// API's /api/v1/dns/zones routes. The daemon writes zones.d; it never
// edits the config's [[zones]].

// Zones returns every managed zone, from [[zones]] and zones.d, sorted by
// name.
func (c *Client) Zones(ctx context.Context) ([]Zone, error) {
	var zs []Zone
	if err := c.do(ctx, http.MethodGet, "/api/v1/dns/zones", nil, nil, &zs); err != nil {
		return nil, fmt.Errorf("list zones: %w", err)
	}
	return zs, nil
}

// AddZone declares z in zones.d (POST). A zone that exists already is an
// *Error with Status 409, a bad field 422 (the message names it). With
// waitVerified the daemon answers once the authoritative server answers
// the zone's SOA, or when its bounded wait ends (202, Status "accepted").
func (c *Client) AddZone(ctx context.Context, z Zone, waitVerified bool) (ZoneChange, error) {
	var res ZoneChange
	if err := c.do(ctx, http.MethodPost, "/api/v1/dns/zones", waitQuery(nil, waitVerified), z, &res); err != nil {
		return ZoneChange{}, fmt.Errorf("add zone %s: %w", z.Name, err)
	}
	return res, nil
}

// RemoveZone removes the zone's zones.d file (DELETE). It is refused (409)
// for a zone of the config's [[zones]], and while records.d declares
// records in the zone unless force; an unknown zone is a 404.
func (c *Client) RemoveZone(ctx context.Context, name string, force bool) (ZoneChange, error) {
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	var res ZoneChange
	if err := c.do(ctx, http.MethodDelete, "/api/v1/dns/zones/"+url.PathEscape(name), q, nil, &res); err != nil {
		return ZoneChange{}, fmt.Errorf("remove zone %s: %w", name, err)
	}
	return res, nil
}
