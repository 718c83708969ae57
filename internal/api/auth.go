package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/dnssync/dnssync/internal/secretfile"
)

// Token is one bearer token. ID names it in the audit log; the token
// itself is never written anywhere.
type Token struct {
	ID     string
	Secret string
}

// ReadTokens reads a token file: one token a line, "TOKEN" or "ID:TOKEN";
// blank lines and lines starting with # are skipped. Without an ID, the ID
// is the first 8 hex digits of the token's SHA-256. A file that other
// users may read or write is refused, as tsig_secret_file is (secretfile):
// its tokens may write any name in records.d.
func ReadTokens(path string) ([]Token, error) {
	b, err := secretfile.Read("api token_file", path)
	if err != nil {
		return nil, err
	}
	var out []Token
	sc := bufio.NewScanner(bytes.NewReader(b))
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

// peerUIDKey is the context key of a unix socket client's uid (set for
// each connection by the server's ConnContext).
type peerUIDKey struct{}

// caller is who made a request, as the audit log and the rate limiter see it.
type caller struct {
	addr    string // remote address (for a socket "unix:uid=N", see remoteHost)
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

// Failed logins are limited per client address, apart from the request
// rate: a few mistakes are answered 401, then 429 until the bucket refills,
// without comparing the token at all. Guessing a token is hopeless anyway
// (16 characters at least); this keeps the attempt cheap and visible.
//
// Not comparing is what makes guessing impossible, and it has a price: a
// client that shares its address with a guesser (or that sent ten wrong
// tokens itself) is refused too, until a failure's worth refills, with the
// right token. The burst is large enough that a client that sends one wrong
// token, or a few, never notices; and the health probes have a bucket of
// their own (probeFailures), so a monitor sending a stale token to /readyz
// loses the health details, never the records API.
const (
	failBurst = 10
	failRate  = 1.0 / 6 // one more failure every 6s
)

// Refusals that repeat while a client keeps failing (429s, a stale
// probe's token) are audited once per client a minute: the trail says it
// happens, and a loop cannot fill the disk with it.
const quietEvery = time.Minute

// authState is what a request's credentials are worth.
type authState int

const (
	authOpen    authState = iota // no tokens configured: every caller is trusted
	authOK                       // a valid token
	authMissing                  // tokens configured, none sent
	authInvalid                  // a token that matches none
	authLimited                  // too many failures from this address: not compared
)

// credentials checks r's bearer token against the configured tokens and
// counts a failure against the client's address in failures (the API's
// bucket, or the health probes').
func (s *Server) credentials(r *http.Request, addr string, failures *limiter) (authState, string) {
	if s.rec == nil || len(s.rec.Tokens) == 0 {
		return authOpen, ""
	}
	if blocked, _ := failures.blocked("addr:"+addr, time.Now()); blocked {
		return authLimited, ""
	}
	got, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		failures.allow("addr:"+addr, time.Now())
		return authMissing, ""
	}
	// Digests are compared, so that neither the content nor the length of
	// a token shows in the time taken; every token is compared.
	sum := sha256.Sum256([]byte(got))
	match := -1
	for i, t := range s.rec.Tokens {
		want := sha256.Sum256([]byte(t.Secret))
		if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		failures.allow("addr:"+addr, time.Now())
		return authInvalid, ""
	}
	return authOK, s.rec.Tokens[match].ID
}

// bearerToken is the token of an "Authorization: Bearer TOKEN" header. The
// scheme is case-insensitive (RFC 7235); spaces around the token are not
// part of it.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authenticate returns the caller, or false when the request must be
// refused (the response is written, and the refusal audited).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	c := caller{addr: remoteHost(r)}
	if r.Header.Get("Origin") != "" {
		s.refuse(w, r, c, http.StatusForbidden, "requests from browsers (with an Origin header) are refused", "refused: browser request (Origin header)")
		return c, false
	}
	state, id := s.credentials(r, c.addr, s.failures)
	switch state {
	case authOpen, authOK:
		c.tokenID = id
		return c, true
	case authLimited:
		_, wait := s.failures.blocked("addr:"+c.addr, time.Now())
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.refuseQuietly(w, r, c, "login:", http.StatusTooManyRequests, fmt.Sprintf("too many failed logins from this address; retry after %s", wait.Round(time.Second)),
			"refused: too many failed logins, token not compared")
	case authMissing:
		w.Header().Set("WWW-Authenticate", `Bearer realm="dnssync"`)
		s.refuse(w, r, c, http.StatusUnauthorized, "missing bearer token (Authorization: Bearer TOKEN)", "refused: no bearer token")
	default:
		w.Header().Set("WWW-Authenticate", `Bearer realm="dnssync", error="invalid_token"`)
		s.refuse(w, r, c, http.StatusUnauthorized, "invalid bearer token", "refused: invalid bearer token")
	}
	return c, false
}

// remoteHost is the client's address as the audit log and the failed-login
// limit see it: the IP of a TCP client; for a unix socket client its uid
// ("unix:uid=1000", from the kernel: see peerUID), so that one local user
// failing to log in does not lock out the others; "unix" where the uid is
// not known.
func remoteHost(r *http.Request) string {
	if r.RemoteAddr == "" || r.RemoteAddr == "@" {
		if uid, ok := r.Context().Value(peerUIDKey{}).(int); ok {
			return "unix:uid=" + strconv.Itoa(uid)
		}
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

// blocked reports, without taking anything, whether key's bucket is empty,
// and if so how long until it holds a token again.
func (l *limiter) blocked(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[key]
	if c == nil {
		return false, 0
	}
	tokens := c.l.TokensAt(now)
	if tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - tokens) / float64(l.rate) * float64(time.Second))
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
			s.refuseQuietly(w, r, c, "rate:", http.StatusTooManyRequests, fmt.Sprintf("rate limited: at most %g requests per second (burst %d); retry after %s", float64(s.limit.rate), s.limit.burst, wait.Round(time.Millisecond)),
				"refused: rate limited")
			return
		}
		h(w, r, c)
	}
}
