// Package api is dnssync's HTTP server: health and readiness for probes,
// metrics for Prometheus, and the records API, which writes records.d files
// through the registry and never talks to the DNS server itself.
//
// Routes are registered per concern in routes; each concern's handlers live
// in their own file (health.go, records.go, ...). Every route, status and
// JSON field is declared in the OpenAPI document (package openapi), and
// the tests hold the handlers to it (contract_test.go).
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/health"
)

// Options configure a Server.
type Options struct {
	// Listen is where to listen, parsed and checked once by the config
	// (config.Listen converts to it).
	Listen   Listen
	Health   *health.Tracker
	Gatherer prometheus.Gatherer
	// Records, when set, serves the records API.
	Records *RecordsOptions
	// Zones, when set with Records, serves the zones API (zones.go), with
	// the records API's tokens, rate limit and audit.
	Zones ZoneStore
	// RecordsDir is the records dir, whose files messages name as
	// records.d/<file> (redact.go), also when the records API is off:
	// /readyz's reasons name them. Empty: Records' registry's dir.
	RecordsDir string
	// ZonesDir is the zones dir, whose files messages name as
	// zones.d/<file> (/readyz's reasons about invalid zone files).
	ZonesDir string
	// Log receives the server's own messages; the caller gives it its
	// component attribute (component=api).
	Log *slog.Logger
	// Requests, when set, counts every request answered (routing.go).
	Requests RequestObserver
}

// Listen is an address as net.Listen takes it: Network "tcp" with
// Address "host:port", or "unix" with the socket's absolute path. It has
// the fields of config.Listen, which converts to it: the config parses the
// written form ("host:port", "unix:/path") once, and this package does not
// depend on the config's.
type Listen struct {
	Network string
	Address string
}

// check refuses what net.Listen could not take, or would take wrongly (a
// relative socket path depends on the working directory).
func (l Listen) check() error {
	switch {
	case l.Network == "tcp" && l.Address != "":
	case l.Network == "unix" && filepath.IsAbs(l.Address) && l.Address != "/":
	default:
		return fmt.Errorf("api listen %q on %q: want tcp with host:port, or unix with an absolute path", l.Address, l.Network)
	}
	return nil
}

// Server serves the API on one listener.
type Server struct {
	listen        Listen
	health        *health.Tracker
	gatherer      prometheus.Gatherer
	log           *slog.Logger
	mux           *http.ServeMux
	addr          atomic.Pointer[string] // set once listening
	ln            net.Listener           // set by Listen, served by Serve
	serving       atomic.Bool
	rec           *RecordsOptions
	zones         ZoneStore
	limit         *limiter // requests per client
	failures      *limiter // failed logins per client address on /api/
	probeFailures *limiter // failed logins per client address on /readyz
	quiet         *limiter // audit lines of repeated refusals (quietEvery)
	requests      RequestObserver
	redact        *redactor // the server's paths out of error and health messages
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
	if err := o.Listen.check(); err != nil {
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
	s := &Server{listen: o.Listen, health: o.Health, gatherer: o.Gatherer, log: log, mux: http.NewServeMux(), requests: o.Requests}
	if o.Records != nil {
		if o.Records.Registry == nil || o.Records.Declared == nil || o.Records.Resolver == nil {
			return nil, errors.New("api: records API needs a registry, declarations and a resolver")
		}
		s.rec, s.limit = o.Records, newLimiter(o.Records.Rate, o.Records.Burst)
		s.failures, s.probeFailures = newLimiter(failRate, failBurst), newLimiter(failRate, failBurst)
		s.quiet = newLimiter(1/quietEvery.Seconds(), 1)
		s.zones = o.Zones
	}
	dir := o.RecordsDir
	if dir == "" && o.Records != nil {
		dir = o.Records.Registry.Options.Dir
	}
	s.redact = newRedactor(dir).withZones(o.ZonesDir) // nil without a dir: other absolute paths are still cut
	s.routes()
	return s, nil
}

// routes registers every handler. A pattern with a method answers other
// methods with 405 and an Allow header; unknown paths get 404 (both in
// the envelope: routing.go).
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics())
	s.mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	if s.rec != nil {
		s.recordRoutes()
	}
	if s.zones != nil {
		s.zoneRoutes()
	}
}

// Handler returns the API's handler (tests serve it with httptest).
func (s *Server) Handler() http.Handler { return s }

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
		Handler:           s,
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
	ln, err := listen(s.listen.Network, s.listen.Address)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if s.listen.Network == "unix" {
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
