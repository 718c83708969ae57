// Package config loads dnssync's TOML configuration: the embedded defaults
// first, then the operator's file on top, strictly. Every key is either known
// or an error naming it, so a typo never silently falls back to a default.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/miekg/dns"
	"github.com/robfig/cron/v3"

	dnssync "github.com/dnssync/dnssync"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Config is the whole configuration. Field tags are the contract with
// operators' files.
type Config struct {
	Orchestrator struct {
		DNS DNS `toml:"dns"`
	} `toml:"orchestrator"`
	Records Records `toml:"records"`
	Backend Backend `toml:"backend"`
	Verify  Verify  `toml:"verify"`
	Safety  Safety  `toml:"safety"`
	API     API     `toml:"api"`
	Audit   Audit   `toml:"audit"`
	Log     Log     `toml:"log"`
	Debug   Debug   `toml:"debug"`
	Zones   []Zone  `toml:"zones"`
}

// Debug is [debug]: opt-in diagnostics.
type Debug struct {
	// Pprof is a loopback host:port serving net/http/pprof; empty is off.
	Pprof string `toml:"pprof"`
}

// DNS is [orchestrator.dns], named as in the orchestrator's own config.
type DNS struct {
	CorednsURL   string `toml:"coredns_url"`
	AutoRegister bool   `toml:"auto_register"`
	TTL          uint32 `toml:"ttl"`
}

// Records is [records].
type Records struct {
	Dir      string   `toml:"dir"`
	Debounce Duration `toml:"debounce"`
}

// Backend is [backend].
type Backend struct {
	Type string `toml:"type"`
	// zonefile
	ZoneDir string `toml:"zone_dir"`
	// rfc2136
	Server           string `toml:"server"`
	TSIGKey          string `toml:"tsig_key"`
	TSIGAlgorithm    string `toml:"tsig_algorithm"`
	TSIGSecretFile   string `toml:"tsig_secret_file"`
	StateDir         string `toml:"state_dir"` // both backends: serials.json, owned.json
	MaxUpdateRecords int    `toml:"max_update_records"`
}

// Verify is [verify].
type Verify struct {
	Schedule string   `toml:"schedule"`
	Timeout  Duration `toml:"timeout"`
	// Nameservers are more servers to check every desired RRset against on
	// the schedule ("host:port"): secondaries, or the resolvers clients use.
	Nameservers []string `toml:"nameservers"`
}

// API is [api]: the HTTP server for health, metrics and the records API.
type API struct {
	Listen string `toml:"listen"` // "host:port" or "unix:/path"; empty: off
	// TokenFile holds bearer tokens, one a line ("TOKEN" or "ID:TOKEN").
	// Without it the API listens only on loopback or a unix socket.
	TokenFile string  `toml:"token_file"`
	Rate      float64 `toml:"rate"`  // requests per second per client
	Burst     int     `toml:"burst"` // requests a client may send at once
	// WaitTimeout bounds ?wait=verified.
	WaitTimeout Duration `toml:"wait_timeout"`
}

// Audit is [audit].
type Audit struct {
	// File gets one JSON line per DNS operation; empty is off.
	File string `toml:"file"`
}

// Safety is [safety].
type Safety struct {
	MaxDeletePercent float64 `toml:"max_delete_percent"`
	MaxUpdatePercent float64 `toml:"max_update_percent"`
	MinRecords       int     `toml:"min_records"`
}

// Log is [log].
type Log struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// Zone is one [[zones]] entry. Empty fields take defaults in Load.
type Zone struct {
	Name                string   `toml:"name"`
	Nameservers         []string `toml:"nameservers"`
	NameserverAddresses []string `toml:"nameserver_addresses"`
	Hostmaster          string   `toml:"hostmaster"`
	Refresh             uint32   `toml:"refresh"`
	Retry               uint32   `toml:"retry"`
	Expire              uint32   `toml:"expire"`
	NegativeTTL         uint32   `toml:"negative_ttl"`
	SOATTL              uint32   `toml:"soa_ttl"`
}

// Duration is a time.Duration written as a Go duration string ("200ms").
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler for TOML strings.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Load returns the defaults overlaid with the file at path (none when path is
// empty), validated.
func Load(path string) (*Config, error) {
	var c Config
	if err := decode(&c, "config.defaults.toml (embedded)", dnssync.DefaultConfig); err != nil {
		return nil, err
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		// Lists (zones among them) in the file replace the defaults whole.
		// The TOML decoder reuses a slice's existing elements, so a [[zones]]
		// entry would otherwise inherit the default zone's fields (its name
		// among them); decode zones into an empty list instead.
		defaultZones := c.Zones
		c.Zones = nil
		if err := decode(&c, path, string(b)); err != nil {
			return nil, err
		}
		if c.Zones == nil {
			c.Zones = defaultZones
		}
	}
	if err := c.normalize(); err != nil {
		if path == "" {
			path = "config.defaults.toml (embedded)"
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func decode(c *Config, name, text string) error {
	md, err := toml.Decode(text, c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("%s:%d: %s", name, perr.Position.Line, perr.Message)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("%s: unknown key %s", name, strings.Join(keys, ", "))
	}
	return nil
}

// normalize fills per-zone defaults and checks every value, so the rest of
// dnssync can trust the Config.
func (c *Config) normalize() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if _, err := c.DNSAddr(); err != nil {
		bad("orchestrator.dns.coredns_url: %v", err)
	}
	if c.Records.Dir == "" {
		bad("records.dir: must not be empty")
	}
	if c.Records.Debounce.Duration < 0 {
		bad("records.debounce: must not be negative")
	}
	switch c.Backend.Type {
	case "zonefile":
		if c.Backend.ZoneDir == "" {
			bad("backend.zone_dir: must be set for the zonefile backend")
		}
		if c.Backend.StateDir == "" {
			bad("backend.state_dir: must be set (the zonefile backend keeps the last serial of each zone there)")
		}
	case "rfc2136":
		if _, err := c.UpdateAddr(); err != nil {
			bad("backend.server: %v", err)
		}
		if _, ok := dns.IsDomainName(c.Backend.TSIGKey); !ok || c.Backend.TSIGKey == "" {
			bad("backend.tsig_key: %q is not a key name", c.Backend.TSIGKey)
		}
		if _, ok := tsigAlgorithms[strings.ToLower(c.Backend.TSIGAlgorithm)]; !ok {
			bad("backend.tsig_algorithm: %q (want hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224 or hmac-sha1)", c.Backend.TSIGAlgorithm)
		}
		if c.Backend.TSIGSecretFile == "" {
			bad("backend.tsig_secret_file: must be set for the rfc2136 backend")
		}
		if c.Backend.StateDir == "" {
			bad("backend.state_dir: must be set for the rfc2136 backend")
		}
		if c.Backend.MaxUpdateRecords < 1 {
			bad("backend.max_update_records: must be at least 1")
		}
	default:
		bad("backend.type: %q is not a backend (want \"zonefile\" or \"rfc2136\")", c.Backend.Type)
	}
	if _, err := cron.ParseStandard(c.Verify.Schedule); err != nil {
		bad("verify.schedule: %q: %v", c.Verify.Schedule, err)
	}
	if c.Verify.Timeout.Duration <= 0 {
		bad("verify.timeout: must be positive")
	}
	for i, ns := range c.Verify.Nameservers {
		if _, err := parseDNSURL("dns://" + strings.TrimPrefix(ns, "dns://")); err != nil {
			bad("verify.nameservers[%d]: %v", i, err)
		}
	}
	if l := c.API.Listen; l != "" && !strings.HasPrefix(l, "unix:/") {
		host, _, err := net.SplitHostPort(l)
		ip, ipErr := netip.ParseAddr(host)
		switch {
		case err != nil:
			bad("api.listen: %q: want host:port or unix:/path", l)
		case c.API.TokenFile == "" && host != "localhost" && (ipErr != nil || !ip.IsLoopback()):
			bad("api.listen: %q is not a loopback address, and api.token_file is not set: without tokens the API listens only on loopback or a unix socket", l)
		}
	}
	if c.API.Rate <= 0 || c.API.Burst < 1 {
		bad("api.rate and api.burst: must be positive")
	}
	if c.API.WaitTimeout.Duration <= 0 {
		bad("api.wait_timeout: must be positive")
	}
	if p := c.Safety.MaxDeletePercent; !(p >= 0 && p <= 100) { // NaN too (TOML has nan)
		bad("safety.max_delete_percent: %v is not between 0 and 100", p)
	}
	if p := c.Safety.MaxUpdatePercent; !(p >= 0 && p <= 100) {
		bad("safety.max_update_percent: %v is not between 0 and 100", p)
	}
	if c.Safety.MinRecords < 0 {
		bad("safety.min_records: must not be negative")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level: %q (want debug, info, warn or error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "auto", "text", "json":
	default:
		bad("log.format: %q (want auto, text or json)", c.Log.Format)
	}
	if p := c.Debug.Pprof; p != "" {
		if host, _, err := net.SplitHostPort(p); err != nil {
			bad("debug.pprof: %q: want host:port", p)
		} else if ip, err := netip.ParseAddr(host); host != "localhost" && (err != nil || !ip.IsLoopback()) {
			bad("debug.pprof: %q: profiles expose memory; listen on a loopback address only", p)
		}
	}
	if len(c.Zones) == 0 {
		bad("zones: at least one [[zones]] entry is needed")
	}
	seen := map[string]bool{}
	for i := range c.Zones {
		z := &c.Zones[i]
		if err := z.normalize(); err != nil {
			bad("zones[%d] (%s): %v", i, z.Name, err)
			continue
		}
		if seen[z.Name] {
			bad("zones[%d]: zone %s is listed twice", i, z.Name)
		}
		seen[z.Name] = true
	}
	return errors.Join(errs...)
}

func (z *Zone) normalize() error {
	if _, ok := dns.IsDomainName(z.Name); !ok || z.Name == "" || z.Name == "." {
		return fmt.Errorf("name: %q is not a zone name", z.Name)
	}
	z.Name = dns.CanonicalName(z.Name)
	if len(z.Nameservers) == 0 {
		z.Nameservers = []string{"ns1." + z.Name}
	}
	inZone := false
	for i, ns := range z.Nameservers {
		if _, ok := dns.IsDomainName(ns); !ok {
			return fmt.Errorf("nameservers: %q is not a host name", ns)
		}
		z.Nameservers[i] = dns.CanonicalName(ns)
		inZone = inZone || dns.IsSubDomain(z.Name, z.Nameservers[i])
	}
	if z.NameserverAddresses == nil && inZone {
		z.NameserverAddresses = []string{"127.0.0.1"}
	}
	if inZone && len(z.NameserverAddresses) == 0 {
		return errors.New("nameserver_addresses: a nameserver inside the zone needs an address (BIND refuses the zone otherwise)")
	}
	for _, a := range z.NameserverAddresses {
		if _, err := netip.ParseAddr(a); err != nil {
			return fmt.Errorf("nameserver_addresses: %q is not an IP address", a)
		}
	}
	if z.Hostmaster == "" {
		z.Hostmaster = "hostmaster." + z.Name
	}
	if _, ok := dns.IsDomainName(z.Hostmaster); !ok {
		return fmt.Errorf("hostmaster: %q is not a domain name", z.Hostmaster)
	}
	z.Hostmaster = dns.CanonicalName(z.Hostmaster)
	def := func(v *uint32, d uint32) {
		if *v == 0 {
			*v = d
		}
	}
	def(&z.Refresh, 3600)
	def(&z.Retry, 600)
	def(&z.Expire, 604800)
	def(&z.NegativeTTL, 300)
	def(&z.SOATTL, 3600)
	return nil
}

// DNSAddr returns coredns_url as a host:port to dial. Only dns:// URLs are
// accepted: CoreDNS is read by AXFR and written by UPDATE, not over HTTP.
func (c *Config) DNSAddr() (string, error) {
	return parseDNSURL(c.Orchestrator.DNS.CorednsURL)
}

func parseDNSURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q: %w", raw, err)
	}
	switch u.Scheme {
	case "dns":
	case "http", "https":
		return "", fmt.Errorf("%q: CoreDNS is reached over DNS (AXFR to read zones, UPDATE to change them), not HTTP; use dns://HOST:PORT, e.g. dns://127.0.0.1:53", raw)
	default:
		return "", fmt.Errorf("%q: want dns://HOST[:PORT]", raw)
	}
	if u.Host == "" || u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("%q: want dns://HOST[:PORT]", raw)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", fmt.Errorf("%q: want dns://HOST[:PORT]", raw)
	}
	if port == "" {
		port = "53"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: bad port %q", raw, port)
	}
	return net.JoinHostPort(host, port), nil
}

var tsigAlgorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// TSIGAlgorithm returns tsig_algorithm as miekg/dns names it.
func (c *Config) TSIGAlgorithm() string {
	return tsigAlgorithms[strings.ToLower(c.Backend.TSIGAlgorithm)]
}

// UpdateAddr is where the rfc2136 backend sends UPDATEs and reads zones:
// [backend] server ("host:port" or "dns://host:port"), or coredns_url when
// that is empty.
func (c *Config) UpdateAddr() (string, error) {
	s := c.Backend.Server
	if s == "" {
		return c.DNSAddr()
	}
	if !strings.Contains(s, "://") {
		s = "dns://" + s
	}
	return parseDNSURL(s)
}

// NameserverAddrs returns [verify] nameservers as host:port.
func (c *Config) NameserverAddrs() []string {
	out := make([]string, len(c.Verify.Nameservers))
	for i, ns := range c.Verify.Nameservers {
		out[i], _ = parseDNSURL("dns://" + strings.TrimPrefix(ns, "dns://")) // checked by Load
	}
	return out
}

// ZoneNames returns the managed zones' canonical names.
func (c *Config) ZoneNames() []string {
	out := make([]string, len(c.Zones))
	for i, z := range c.Zones {
		out[i] = z.Name
	}
	return out
}

// Reserved returns what names the records that the zone file backend
// writes from [[zones]] itself (the nameservers' addresses), so that
// records.d cannot declare them too: a reason for those, "" for any other
// record. It is asked for every record read, so it looks up a map.
func (c *Config) Reserved() func(rrset.Key) string {
	glue := map[string]string{} // nameserver inside its zone -> the zone
	for _, z := range c.Zones {
		for _, ns := range z.Nameservers {
			if dns.IsSubDomain(z.Name, ns) {
				glue[ns] = z.Name
			}
		}
	}
	zonefile := c.Backend.Type == "zonefile"
	return func(k rrset.Key) string {
		if !zonefile || k.Type != dns.TypeA && k.Type != dns.TypeAAAA {
			return ""
		}
		if zone, ok := glue[k.Name]; ok {
			return fmt.Sprintf("%s is nameserver %s of zone %s; its address comes from nameserver_addresses in [[zones]]", k, k.Name, zone)
		}
		return ""
	}
}
