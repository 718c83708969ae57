package config

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/robfig/cron/v3"
)

// Config is the whole configuration, every value parsed and checked: the
// rest of dnssync reads it and never parses a config string again.
type Config struct {
	// File is the config file this was loaded from; empty for the
	// built-in defaults alone (see SourceName).
	File         string
	Orchestrator struct {
		DNS DNS
	}
	Records Records
	Backend Backend
	Verify  Verify
	Safety  Safety
	API     API
	Audit   Audit
	Log     Log
	Debug   Debug
	Catalog Catalog
	DNSSEC  DNSSEC
	Zones   []Zone
	// Secondaries transfer the zones from the primary; Resolvers are the
	// caches clients ask (secondaries.go).
	Secondaries []Secondary
	Resolvers   []Resolver
}

// DNS is [orchestrator.dns].
type DNS struct {
	CorednsURL   string   // as written, for logs
	Coredns      HostPort // CorednsURL's address: where CoreDNS answers DNS
	AutoRegister bool
	TTL          uint32 // for records that set none
}

// Records is [records].
type Records struct {
	Dir string
	// ZonesDir holds one YAML file per zone (internal/zones); unset, it is
	// zones.d beside Dir.
	ZonesDir string
	Debounce time.Duration // never negative
}

// BackendType is [backend] type: how dnssync makes the server serve a plan.
type BackendType string

// The backends.
const (
	// ZoneFile writes zone_dir/db.<zone> for CoreDNS's auto or file plugin.
	ZoneFile BackendType = "zonefile"
	// RFC2136 sends TSIG-signed DNS UPDATEs.
	RFC2136 BackendType = "rfc2136"
)

// Backend is [backend]. The rfc2136 fields are checked only for that
// backend.
type Backend struct {
	Type    BackendType
	ZoneDir string // zonefile
	// Server is where the rfc2136 backend sends UPDATEs and reads zones;
	// zero when unset (then it is coredns_url: see Authoritative).
	Server  HostPort
	TSIGKey string
	// TSIGAlgorithm is tsig_algorithm as miekg/dns names it
	// (dns.HmacSHA256, ...).
	TSIGAlgorithm    string
	TSIGSecretFile   string
	StateDir         string // both backends: serials.json, owned.json, held.json
	MaxUpdateRecords int    // at least 1 (rfc2136)
}

// Verify is [verify].
type Verify struct {
	Schedule Schedule
	Timeout  time.Duration // positive
	// Nameservers are more servers to check every desired RRset against on
	// the schedule, asked with RD set: resolvers, as [[resolvers]] are
	// (which add a name for reports).
	Nameservers []HostPort
}

// Schedule is [verify] schedule, parsed: it is a cron.Schedule.
type Schedule struct {
	cron.Schedule
	Spec string // as written, for logs
}

// String is the schedule as written.
func (s Schedule) String() string { return s.Spec }

// API is [api]: the HTTP server for health, metrics and the records API.
type API struct {
	Listen Listen // zero: no API
	// TokenFile holds bearer tokens, one a line ("TOKEN" or "ID:TOKEN").
	// Without it Listen is loopback or a unix socket (Load checks).
	TokenFile   string
	Rate        float64 // requests per second per client; positive
	Burst       int     // requests a client may send at once; at least 1
	WaitTimeout time.Duration
}

// Audit is [audit].
type Audit struct {
	// File gets one JSON line per DNS operation; empty is off.
	File string
}

// Safety is [safety]: the thresholds of the deletion and update rules.
type Safety struct {
	MaxDeletePercent float64 // 0 to 100
	MaxUpdatePercent float64 // 0 to 100
	MinRecords       int
}

// LogFormat is [log] format.
type LogFormat string

// The log formats.
const (
	LogAuto LogFormat = "auto" // tint on a terminal (no colour under NO_COLOR), text otherwise
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// Log is [log].
type Log struct {
	Level  slog.Level // debug, info, warn or error
	Format LogFormat
}

// Debug is [debug]: opt-in diagnostics.
type Debug struct {
	// Pprof is where net/http/pprof is served: a loopback TCP address
	// (Load checks); zero is off.
	Pprof Listen
}

// Catalog is [catalog]: the RFC 9432 catalog zone dnssync maintains.
type Catalog struct {
	// Zone is the catalog zone's canonical name; empty is off. It is no
	// [[zones]] name (Load checks).
	Zone string
}

// Zone is one managed zone ([[zones]] entry or zones.d file), defaults
// filled and names canonical.
type Zone struct {
	Name string
	// Reverse: filled with PTRs derived from the forward zones' addresses;
	// the name stands for an address prefix (ReversePrefix).
	Reverse bool
	// DNSSEC: the zone is signed as Config.DNSSEC says.
	DNSSEC bool
	// Nameservers are the apex NS records; the first is the SOA's MNAME.
	// Never empty.
	Nameservers []string
	// NameserverAddresses are written as A/AAAA records of each
	// nameserver inside the zone.
	NameserverAddresses []netip.Addr
	Hostmaster          string // SOA RNAME
	Refresh             uint32
	Retry               uint32
	Expire              uint32
	NegativeTTL         uint32
	SOATTL              uint32
}
