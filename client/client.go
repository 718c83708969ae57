package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
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
