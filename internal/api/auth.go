package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Token is one bearer token. ID names it in the audit log; the token
// itself is never written anywhere.
type Token struct {
	ID     string
	Secret string
}

// ReadTokens reads a token file: one token a line, "TOKEN" or "ID:TOKEN";
// blank lines and lines starting with # are skipped. Without an ID, the ID
// is the first 8 hex digits of the token's SHA-256.
func ReadTokens(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api token_file: %w", err)
	}
	defer f.Close()
	var out []Token
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, secret, ok := strings.Cut(line, ":")
		if !ok {
			sum := sha256.Sum256([]byte(line))
			id, secret = hex.EncodeToString(sum[:4]), line
		}
		if len(secret) < 16 {
			return nil, fmt.Errorf("api token_file %s:%d: token shorter than 16 characters", path, n)
		}
		out = append(out, Token{ID: id, Secret: secret})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("api token_file %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("api token_file %s: no tokens", path)
	}
	return out, nil
}

// caller is who made a request, as the audit log and the rate limiter see it.
type caller struct {
	addr    string // remote address ("unix" for a socket)
	tokenID string // "" without tokens
}

// key identifies a client for rate limiting: its token when there are
// tokens, its address otherwise.
func (c caller) key() string {
	if c.tokenID != "" {
		return "token:" + c.tokenID
	}
	return "addr:" + c.addr
}

// authenticate returns the caller, or false when the request must be
// refused (the response is written).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	c := caller{addr: remoteHost(r)}
	if r.Header.Get("Origin") != "" {
		s.fail(w, http.StatusForbidden, "requests from browsers (with an Origin header) are refused")
		return c, false
	}
	if len(s.rec.Tokens) == 0 {
		return c, true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dnssync"`)
		s.fail(w, http.StatusUnauthorized, "missing bearer token (Authorization: Bearer TOKEN)")
		return c, false
	}
	match := -1
	for i, t := range s.rec.Tokens { // every token is compared: timing tells nothing
		if subtle.ConstantTimeCompare([]byte(got), []byte(t.Secret)) == 1 {
			match = i
		}
	}
	if match < 0 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dnssync", error="invalid_token"`)
		s.fail(w, http.StatusUnauthorized, "invalid bearer token")
		return c, false
	}
	c.tokenID = s.rec.Tokens[match].ID
	return c, true
}

func remoteHost(r *http.Request) string {
	if r.RemoteAddr == "" || r.RemoteAddr == "@" {
		return "unix"
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// limiter is a token bucket per client.
type limiter struct {
	mu      sync.Mutex
	rate    rate.Limit
	burst   int
	clients map[string]*clientLimit
	swept   time.Time
}

type clientLimit struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(r float64, burst int) *limiter {
	return &limiter{rate: rate.Limit(r), burst: burst, clients: map[string]*clientLimit{}}
}

// allow reports whether key may proceed now, and if not, how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute { // forget clients idle long enough to be full again
		for k, c := range l.clients {
			if now.Sub(c.seen) > time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	c := l.clients[key]
	if c == nil {
		c = &clientLimit{l: rate.NewLimiter(l.rate, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	res := c.l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// guard wraps an /api/ handler: browser check, token, rate limit.
func (s *Server) guard(h func(http.ResponseWriter, *http.Request, caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if ok, wait := s.limit.allow(c.key(), time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			s.fail(w, http.StatusTooManyRequests, fmt.Sprintf("rate limited: at most %g requests per second (burst %d); retry after %s", float64(s.limit.rate), s.limit.burst, wait.Round(time.Millisecond)))
			return
		}
		h(w, r, c)
	}
}
