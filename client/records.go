package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
)

// The records calls: register, update, unregister and list what records.d
// declares, through the API's /api/v1/dns/records routes.

// ListFilter narrows ListRecords; empty fields do not filter.
type ListFilter struct {
	Name string // exact owner name
	Type string // record type, e.g. "A"
	Zone string // records in this zone
}

// RegisterServerDNS registers hostname's address: an A record for IPv4, AAAA
// for IPv6, added beside any addresses already registered (round robin).
// An IPv4-mapped IPv6 address is registered as the IPv4 address it is.
func (c *Client) RegisterServerDNS(ctx context.Context, hostname string, ip netip.Addr) (WriteResult, error) {
	typ, err := addrType(ip)
	if err != nil {
		return WriteResult{}, fmt.Errorf("register %s: %w", hostname, err)
	}
	return c.Register(ctx, WriteRequest{Name: hostname, RecordType: typ, Value: ip.Unmap().String()}, false)
}

// UnregisterServerDNS removes every record the API registered at hostname.
// A name already gone (404) is not an error.
func (c *Client) UnregisterServerDNS(ctx context.Context, hostname string) error {
	_, err := c.Unregister(ctx, hostname, "", false)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// UpdateDNSRecord replaces name's records of recordType with value.
func (c *Client) UpdateDNSRecord(ctx context.Context, name, recordType, value string) (WriteResult, error) {
	return c.Update(ctx, WriteRequest{Name: name, RecordType: recordType, Value: value}, false)
}

// Register adds req's value to the RRset of its name and type (POST). With
// waitVerified the daemon answers once the record is served, or when its
// bounded wait ends (see WriteResult.Status).
func (c *Client) Register(ctx context.Context, req WriteRequest, waitVerified bool) (WriteResult, error) {
	var res WriteResult
	err := c.do(ctx, http.MethodPost, "/api/v1/dns/records", waitQuery(nil, waitVerified), req, &res)
	if err != nil {
		return WriteResult{}, fmt.Errorf("register %s: %w", req.Name, err)
	}
	return res, nil
}

// Update replaces the RRset of req's name and type with req's value (PUT).
func (c *Client) Update(ctx context.Context, req WriteRequest, waitVerified bool) (WriteResult, error) {
	name := req.Name
	req.Name = "" // the path names it
	var res WriteResult
	err := c.do(ctx, http.MethodPut, recordPath(name), waitQuery(nil, waitVerified), req, &res)
	if err != nil {
		return WriteResult{}, fmt.Errorf("update %s: %w", name, err)
	}
	return res, nil
}

// Unregister removes name's records of recordType, or of every type when
// recordType is empty (DELETE). An unknown name is an *Error with Status 404.
func (c *Client) Unregister(ctx context.Context, name, recordType string, waitVerified bool) (WriteResult, error) {
	q := url.Values{}
	if recordType != "" {
		q.Set("type", recordType)
	}
	var res WriteResult
	err := c.do(ctx, http.MethodDelete, recordPath(name), waitQuery(q, waitVerified), nil, &res)
	if err != nil {
		return WriteResult{}, fmt.Errorf("unregister %s: %w", name, err)
	}
	return res, nil
}

// ListRecords returns the records records.d declares, one per value.
func (c *Client) ListRecords(ctx context.Context, filter ListFilter) ([]Record, error) {
	q := url.Values{}
	for k, v := range map[string]string{"name": filter.Name, "type": filter.Type, "zone": filter.Zone} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var recs []Record
	if err := c.do(ctx, http.MethodGet, "/api/v1/dns/records", q, nil, &recs); err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	return recs, nil
}

func recordPath(name string) string { return "/api/v1/dns/records/" + url.PathEscape(name) }

func waitQuery(q url.Values, wait bool) url.Values {
	if wait {
		if q == nil {
			q = url.Values{}
		}
		q.Set("wait", "verified")
	}
	return q
}

func addrType(ip netip.Addr) (string, error) {
	switch {
	case !ip.IsValid():
		return "", errors.New("no IP address")
	case ip.Zone() != "":
		return "", fmt.Errorf("%s: an address with a zone (scope) cannot be published in DNS", ip)
	case ip.Unmap().Is4():
		return "A", nil
	default:
		return "AAAA", nil
	}
}
