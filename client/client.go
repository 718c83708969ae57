package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client calls one dnssync daemon. Its methods are safe for concurrent use.
type Client struct {
	// BaseURL is "http://host:port" (or https), or "unix:/path/api.sock"
	// for a daemon listening on a unix socket.
	BaseURL string
	// Token is sent as "Authorization: Bearer TOKEN" when not empty.
	Token string
	// HTTP, when nil, is a client with a 30s timeout (dialing the socket
	// for a unix: BaseURL). A client given here for a unix: BaseURL must
	// dial the socket itself.
	HTTP *http.Client

	once    sync.Once
	defHTTP *http.Client
}

// New returns a Client for the daemon at baseURL.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: baseURL, Token: token}
}

// Error is an answer from the daemon other than success. Callers branch on
// Status (errors.As): 400/422 invalid input, 401 no or bad token, 404
// unknown name, 409 declared by a person's file, 429 rate limited (wait
// RetryAfter), 503 the daemon cannot apply now.
type Error struct {
	Status  int
	Message string
	// RetryAfter is the server's Retry-After (429, sometimes 503); zero
	// when it sent none. The client never retries by itself.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("api: %d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

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

// VerifyDNSResolution reports whether the authoritative server answers
// every record declared at hostname exactly as declared. A name nothing
// declares is an error (404), not false.
func (c *Client) VerifyDNSResolution(ctx context.Context, hostname string) (bool, error) {
	v, err := c.Verify(ctx, hostname)
	return v.Verified, err
}

// Verify resolves name's declared RRsets against the authoritative server
// now and returns the comparison.
func (c *Client) Verify(ctx context.Context, name string) (Verification, error) {
	var v Verification
	if err := c.do(ctx, http.MethodGet, "/api/v1/dns/verify/"+url.PathEscape(name), nil, nil, &v); err != nil {
		return Verification{}, fmt.Errorf("verify %s: %w", name, err)
	}
	return v, nil
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

// maxResponse bounds what the client reads of one answer.
const maxResponse = 64 << 20

// do sends one request and decodes the answer's data into out.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	base, hc := c.endpoint()
	u := strings.TrimRight(base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "dnssync-client")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read answer (%s): %w", resp.Status, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answerError(resp, data)
	}
	var r Response[json.RawMessage]
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("decode answer (%s): %w", resp.Status, err)
	}
	if !r.Success {
		return &Error{Status: resp.StatusCode, Message: r.Error}
	}
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return fmt.Errorf("decode answer data: %w", err)
	}
	return nil
}

// answerError is the *Error for a non-2xx answer: the API's error text, or
// the start of whatever a proxy in between sent.
func answerError(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	var r Response[json.RawMessage]
	if json.Unmarshal(data, &r) == nil && r.Error != "" {
		e.Message = r.Error
		return e
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	e.Message = msg
	return e
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t).Round(time.Second), 0)
	}
	return 0
}

// endpoint returns the base URL to put paths on and the HTTP client to send
// them with.
func (c *Client) endpoint() (string, *http.Client) {
	socket, isUnix := strings.CutPrefix(c.BaseURL, "unix:")
	if c.HTTP != nil {
		if isUnix {
			return "http://unix", c.HTTP
		}
		return c.BaseURL, c.HTTP
	}
	c.once.Do(func() {
		c.defHTTP = &http.Client{Timeout: 30 * time.Second}
		if isUnix {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.Proxy = nil
			t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", socket)
			}
			c.defHTTP.Transport = t
		}
	})
	if isUnix {
		return "http://unix", c.defHTTP
	}
	return c.BaseURL, c.defHTTP
}
