package corednstest

import (
	"fmt"
	"os"
	"time"
)

// Config is a dnssync config file as a test or the bench writes it: the one
// writer of dnssync's TOML outside the operator's hands. Each field is a key
// of config.defaults.toml; a zero field is left out, so that dnssync's
// default applies, unless its comment says otherwise. It renders text and
// does not import internal/config: a test reads its file the way dnssync
// reads an operator's, through the same strict parser.
type Config struct {
	DNS     DNS      // [orchestrator.dns]
	Records Records  // [records]
	Backend Backend  // [backend]
	Verify  Verify   // [verify]
	API     *API     // [api]; nil leaves the table out (the default listen)
	Audit   Audit    // [audit]
	Safety  Safety   // [safety]
	Log     Log      // [log]
	Zones   []string // a [[zones]] entry with this name each
	// NoZones, with Zones empty, writes zones = []: no [[zones]] at all
	// (zones.d declares them), not the defaults' example.com.
	NoZones bool
	// ZoneTTLs are written into every [[zones]] entry.
	ZoneTTLs ZoneTTLs
	// DNSSEC writes dnssec = true into every [[zones]] entry.
	DNSSEC bool
	// TrustAnchors is [dnssec] trust_anchors: a file of DS or DNSKEY
	// records the signed zones are validated against; "" leaves it out.
	TrustAnchors string
	// Secondaries are [[secondaries]] entries: a host:port each, with
	// every key's default.
	Secondaries []string
	// Resolvers are [[resolvers]] entries.
	Resolvers []Resolver
	// Catalog is [catalog] zone: the RFC 9432 catalog zone's name.
	Catalog string
	// Pprof is [debug] pprof: a loopback host:port serving the runtime
	// profiles; "" leaves the table out (off).
	Pprof string
}

// Resolver is one [[resolvers]] entry.
type Resolver struct {
	Address string // host:port
	Name    string // "": the address, dnssync's default
}

// ZoneTTLs are the TTL keys of a [[zones]] entry.
type ZoneTTLs struct {
	NegativeTTL uint32 // negative_ttl
	SOATTL      uint32 // soa_ttl
}

// DNS is [orchestrator.dns].
type DNS struct {
	Addr         string // host:port of CoreDNS, written as coredns_url = "dns://host:port"
	AutoRegister *bool  // nil: the default (true)
	TTL          uint32
}

// Records is [records].
type Records struct {
	Dir      string
	Debounce time.Duration
}

// Backend is [backend].
type Backend struct {
	Type             string // "zonefile" or "rfc2136"
	ZoneDir          string
	Server           string
	TSIGKey          string
	TSIGAlgorithm    string
	TSIGSecretFile   string
	StateDir         string
	MaxUpdateRecords int
}

// Verify is [verify].
type Verify struct {
	Schedule    string // robfig/cron: "@every 1s"
	Timeout     time.Duration
	Nameservers []string
}

// API is [api]. Listen is always written: "" turns the API off, which tests
// running daemons in parallel want (they would fight over the default port).
type API struct {
	Listen      string
	TokenFile   string
	Rate        float64
	Burst       int
	WaitTimeout time.Duration
}

// Audit is [audit].
type Audit struct {
	File string
}

// Safety is [safety].
type Safety struct {
	MaxDeletePercent float64
	MaxUpdatePercent float64
	MinRecords       int
}

// Log is [log].
type Log struct {
	Level  string // debug, info, warn, error
	Format string // auto, text, json
}

// Bool is a pointer to b, for DNS.AutoRegister.
func Bool(b bool) *bool { return &b }

// String renders the config as TOML, tables in the order of
// config.defaults.toml, keys in the order of their table there.
func (c Config) String() string {
	var w tomlWriter
	if c.NoZones && len(c.Zones) == 0 {
		w.line("zones", "[]") // a top-level key: before every table
	}
	w.table("orchestrator.dns")
	if c.DNS.Addr != "" {
		w.str("coredns_url", "dns://"+c.DNS.Addr)
	}
	if c.DNS.AutoRegister != nil {
		w.line("auto_register", fmt.Sprint(*c.DNS.AutoRegister))
	}
	w.int("ttl", int(c.DNS.TTL))

	w.table("records")
	w.str("dir", c.Records.Dir)
	w.dur("debounce", c.Records.Debounce)

	b := c.Backend
	w.table("backend")
	w.str("type", b.Type)
	w.str("zone_dir", b.ZoneDir)
	w.str("server", b.Server)
	w.str("tsig_key", b.TSIGKey)
	w.str("tsig_algorithm", b.TSIGAlgorithm)
	w.str("tsig_secret_file", b.TSIGSecretFile)
	w.str("state_dir", b.StateDir)
	w.int("max_update_records", b.MaxUpdateRecords)

	w.table("verify")
	w.str("schedule", c.Verify.Schedule)
	w.dur("timeout", c.Verify.Timeout)
	w.strs("nameservers", c.Verify.Nameservers)

	if a := c.API; a != nil {
		w.table("api")
		w.line("listen", quote(a.Listen))
		w.str("token_file", a.TokenFile)
		w.float("rate", a.Rate)
		w.int("burst", a.Burst)
		w.dur("wait_timeout", a.WaitTimeout)
	}

	w.table("audit")
	w.str("file", c.Audit.File)

	w.table("safety")
	w.float("max_delete_percent", c.Safety.MaxDeletePercent)
	w.float("max_update_percent", c.Safety.MaxUpdatePercent)
	w.int("min_records", c.Safety.MinRecords)

	w.table("log")
	w.str("level", c.Log.Level)
	w.str("format", c.Log.Format)

	if c.Pprof != "" {
		w.table("debug")
		w.str("pprof", c.Pprof)
	}

	w.table("catalog")
	w.str("zone", c.Catalog)

	w.table("dnssec")
	w.str("trust_anchors", c.TrustAnchors)

	for _, z := range c.Zones {
		w.table("[zones]")
		w.str("name", z)
		w.int("negative_ttl", int(c.ZoneTTLs.NegativeTTL))
		w.int("soa_ttl", int(c.ZoneTTLs.SOATTL))
		if c.DNSSEC {
			w.line("dnssec", "true")
		}
	}
	for _, s := range c.Secondaries {
		w.table("[secondaries]")
		w.str("address", s)
	}
	for _, r := range c.Resolvers {
		w.table("[resolvers]")
		w.str("address", r.Address)
		w.str("name", r.Name)
	}
	return w.String()
}

// Write writes the config to path (mode 0644: a config holds no secret,
// only the paths of files that do).
func (c Config) Write(path string) error {
	if err := os.WriteFile(path, []byte(c.String()), 0o644); err != nil {
		return fmt.Errorf("write dnssync config: %w", err)
	}
	return nil
}
