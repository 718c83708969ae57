// Package api is dnssync's HTTP server: health and readiness for probes,
// metrics for Prometheus, and the records API, which writes records.d files
// through the registry and never talks to the DNS server itself.
//
// Routes are registered per concern in routes; each concern's handlers live
// in their own file (health.go, ...).
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/health"
)

// Options configure a Server.
type Options struct {
	// Listen is "host:port" or "unix:/path/to.sock".
	Listen   string
	Health   *health.Tracker
	Gatherer prometheus.Gatherer
	// Records, when set, serves the records API.
	Records *RecordsOptions
	// Log receives the server's own messages; the caller gives it its
	// component attribute (component=api).
	Log *slog.Logger
}

// Server serves the API on one listener.
type Server struct {
	network, address string // as net.Listen takes them
	health           *health.Tracker
	gatherer         prometheus.Gatherer
	log              *slog.Logger
	mux              *http.ServeMux
	addr             atomic.Pointer[string] // set once listening
	ln               net.Listener           // set by Listen, served by Serve
	serving          atomic.Bool
	rec              *RecordsOptions
	limit            *limiter // requests per client
	failures         *limiter // failed logins per client address on /api/
	probeFailures    *limiter // failed logins per client address on /healthz
	quiet            *limiter // audit lines of repeated refusals (quietEvery)
}

// Timeouts and limits of the HTTP server. A probe or a scrape is small; the
// write timeout leaves room for a large metrics page on a slow link.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 5 * time.Second
)

// New validates o and builds the Server. It does not listen yet.
func New(o Options) (*Server, error) {
	network, address, err := parseListen(o.Listen)
	if err != nil {
		return nil, err
	}
	if o.Health == nil {
		return nil, errors.New("api: no health tracker")
	}
	if o.Gatherer == nil {
		return nil, errors.New("api: no metrics gatherer")
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{network: network, address: address, health: o.Health, gatherer: o.Gatherer, log: log, mux: http.NewServeMux()}
	if o.Records != nil {
		if o.Records.Registry == nil || o.Records.Declared == nil || o.Records.Resolver == nil {
			return nil, errors.New("api: records API needs a registry, declarations and a resolver")
		}
		s.rec, s.limit = o.Records, newLimiter(o.Records.Rate, o.Records.Burst)
		s.failures, s.probeFailures = newLimiter(failRate, failBurst), newLimiter(failRate, failBurst)
		s.quiet = newLimiter(1/quietEvery.Seconds(), 1)
	}
	s.routes()
	return s, nil
}

// parseListen turns "host:port" or "unix:/path" into net.Listen's arguments.
func parseListen(listen string) (network, address string, err error) {
	if path, ok := strings.CutPrefix(listen, "unix:"); ok {
		if !strings.HasPrefix(path, "/") || path == "/" {
			return "", "", fmt.Errorf("api listen %q: want unix:/absolute/path", listen)
		}
		return "unix", path, nil
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", "", fmt.Errorf("api listen %q: want host:port or unix:/path: %w", listen, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", "", fmt.Errorf("api listen %q: port %q is not a number from 0 to 65535", listen, port)
	}
	return "tcp", listen, nil
}

// routes registers every handler. A pattern with a method answers other
// methods with 405 and an Allow header; unknown paths get 404.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics())
	if s.rec != nil {
		s.recordRoutes()
	}
}

// Handler returns the API's handler (tests serve it with httptest).
func (s *Server) Handler() http.Handler { return s.mux }

// Addr is the address bound once Serve listens ("unix:/path" for a
// socket), "" before.
func (s *Server) Addr() string {
	if p := s.addr.Load(); p != nil {
		return *p
	}
	return ""
}

// httpServer is the server with its limits: a client that is slow or
// sends too much cannot hold a connection or memory for long.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if uid, ok := peerUID(c); ok {
				return context.WithValue(ctx, peerUIDKey{}, uid)
			}
			return ctx
		},
	}
}

// Listen binds the address without serving yet, so that a caller can make
// an address that cannot be bound (taken, not local) a start-up error
// instead of a daemon running on without its API. A second call does
// nothing. Call it before Serve, not concurrently with it.
func (s *Server) Listen() error {
	if s.ln != nil {
		return nil
	}
	ln, err := listen(s.network, s.address)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if s.network == "unix" {
		addr = "unix:" + addr
	}
	s.ln = ln
	s.addr.Store(&addr)
	return nil
}

// Serve serves until ctx ends, then shuts down, giving requests in flight
// up to 5s; it binds first unless Listen did. It returns nil when ctx
// ends, an error when it cannot listen or the listener fails.
func (s *Server) Serve(ctx context.Context) error {
	if !s.serving.CompareAndSwap(false, true) {
		return errors.New("api: already serving")
	}
	if err := s.Listen(); err != nil {
		return err
	}
	ln, addr := s.ln, *s.addr.Load()

	srv := s.httpServer()
	s.log.Info("api listening", "addr", addr)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc: // the listener failed before ctx ended
		return fmt.Errorf("api on %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("api shutdown: closing connections still open", "err", err)
		srv.Close()
	}
	<-errc // http.ErrServerClosed
	return nil
}
