package config

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/robfig/cron/v3"
)

// problems collects what is wrong with a config, each naming its key, so
// that an operator sees every problem at once, not only the first.
type problems []error

func (p *problems) add(key, format string, a ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
}

// parse parses text with fn, reporting a failure under key.
func parse[T any](p *problems, key, text string, fn func(string) (T, error)) T {
	v, err := fn(text)
	if err != nil {
		p.add(key, "%v", err)
	}
	return v
}

// build parses and checks every value of f. The Config is complete only
// when no problem is returned.
func (f *fileConfig) build() (*Config, problems) {
	var p problems
	c := &Config{}

	d := f.Orchestrator.DNS
	c.Orchestrator.DNS = DNS{CorednsURL: d.CorednsURL, AutoRegister: d.AutoRegister, TTL: d.TTL,
		Coredns: parse(&p, "orchestrator.dns.coredns_url", d.CorednsURL, parseDNSURL)}

	c.Records = Records{Dir: f.Records.Dir, Debounce: parse(&p, "records.debounce", f.Records.Debounce, nonNegativeDuration)}
	if c.Records.Dir == "" {
		p.add("records.dir", "must not be empty")
	}
	c.Records.ZonesDir = f.Records.ZonesDir
	if c.Records.ZonesDir == "" {
		// Beside records.dir, wherever that is (its own path already
		// follows the config file: rebase).
		c.Records.ZonesDir = filepath.Join(filepath.Dir(filepath.Clean(c.Records.Dir)), "zones.d")
	}

	c.Backend = f.Backend.build(&p)

	v := f.Verify
	c.Verify = Verify{
		Schedule: parse(&p, "verify.schedule", v.Schedule, parseSchedule),
		Timeout:  parse(&p, "verify.timeout", v.Timeout, positiveDuration),
	}
	for i, ns := range v.Nameservers {
		c.Verify.Nameservers = append(c.Verify.Nameservers, parse(&p, fmt.Sprintf("verify.nameservers[%d]", i), ns, parseServer))
	}

	c.API = f.API.build(&p)

	s := f.Safety
	c.Safety = Safety(s)
	if x := s.MaxDeletePercent; !(x >= 0 && x <= 100) { // NaN too (TOML has nan)
		p.add("safety.max_delete_percent", "%v is not between 0 and 100", x)
	}
	if x := s.MaxUpdatePercent; !(x >= 0 && x <= 100) {
		p.add("safety.max_update_percent", "%v is not between 0 and 100", x)
	}
	if s.MinRecords < 0 {
		p.add("safety.min_records", "must not be negative")
	}

	c.Audit = Audit{File: f.Audit.File}
	c.Log = Log{
		Level:  parse(&p, "log.level", f.Log.Level, parseLevel),
		Format: parse(&p, "log.format", f.Log.Format, parseLogFormat),
	}

	pprof, loopback, err := parseListen(f.Debug.Pprof, false)
	switch {
	case err != nil:
		p.add("debug.pprof", "%v", err)
	case !pprof.IsZero() && !loopback:
		p.add("debug.pprof", "%q: profiles expose memory; listen on a loopback address only", f.Debug.Pprof)
	}
	c.Debug = Debug{Pprof: pprof}

	c.Zones = buildZones(&p, f.Zones)
	c.DNSSEC = f.DNSSEC.build(&p)
	checkDNSSEC(&p, c)
	c.Catalog = f.Catalog.build(&p, c.Zones)
	c.Secondaries = buildSecondaries(&p, f.Secondaries, c.Zones)
	c.Resolvers = buildResolvers(&p, f.Resolvers)
	checkServerNames(&p, f.Secondaries, f.Resolvers)
	return c, p
}

func (b fileBackend) build(p *problems) Backend {
	out := Backend{
		Type: parse(p, "backend.type", b.Type, parseBackendType), ZoneDir: b.ZoneDir,
		TSIGKey: b.TSIGKey, TSIGSecretFile: b.TSIGSecretFile, StateDir: b.StateDir, MaxUpdateRecords: b.MaxUpdateRecords,
	}
	switch out.Type {
	case ZoneFile:
		if b.ZoneDir == "" {
			p.add("backend.zone_dir", "must be set for the zonefile backend")
		}
		if b.StateDir == "" {
			p.add("backend.state_dir", "must be set (the zonefile backend keeps the last serial of each zone there)")
		}
	case RFC2136:
		if b.Server != "" {
			out.Server = parse(p, "backend.server", b.Server, parseServer)
		}
		if _, ok := dns.IsDomainName(b.TSIGKey); !ok || b.TSIGKey == "" {
			p.add("backend.tsig_key", "%q is not a key name", b.TSIGKey)
		}
		var ok bool
		if out.TSIGAlgorithm, ok = tsigAlgorithms[strings.ToLower(b.TSIGAlgorithm)]; !ok {
			p.add("backend.tsig_algorithm", "%q (want hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224 or hmac-sha1)", b.TSIGAlgorithm)
		}
		if b.TSIGSecretFile == "" {
			p.add("backend.tsig_secret_file", "must be set for the rfc2136 backend")
		}
		if b.StateDir == "" {
			p.add("backend.state_dir", "must be set for the rfc2136 backend")
		}
		if b.MaxUpdateRecords < 1 {
			p.add("backend.max_update_records", "must be at least 1")
		}
	}
	return out
}

func (a fileAPI) build(p *problems) API {
	out := API{TokenFile: a.TokenFile, Rate: a.Rate, Burst: a.Burst,
		WaitTimeout: parse(p, "api.wait_timeout", a.WaitTimeout, positiveDuration)}
	listen, loopback, err := parseListen(a.Listen, true)
	switch {
	case err != nil:
		p.add("api.listen", "%v", err)
	case !listen.IsZero() && !loopback && a.TokenFile == "":
		p.add("api.listen", "%q is not a loopback address, and api.token_file is not set: without tokens the API listens only on loopback or a unix socket", a.Listen)
	}
	out.Listen = listen
	if a.Rate <= 0 || a.Burst < 1 {
		p.add("api.rate and api.burst", "must be positive")
	}
	return out
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (write e.g. \"50ms\", \"10s\", \"1m\")", s)
	}
	return d, nil
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := parseDuration(s)
	if err == nil && d <= 0 {
		return 0, fmt.Errorf("must be positive, and %q is not", s)
	}
	return d, err
}

func nonNegativeDuration(s string) (time.Duration, error) {
	d, err := parseDuration(s)
	if err == nil && d < 0 {
		return 0, fmt.Errorf("must not be negative, and %q is", s)
	}
	return d, err
}

func parseSchedule(s string) (Schedule, error) {
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return Schedule{}, fmt.Errorf("%q: %w", s, err)
	}
	return Schedule{Schedule: sched, Spec: s}, nil
}

func parseBackendType(s string) (BackendType, error) {
	switch t := BackendType(s); t {
	case ZoneFile, RFC2136:
		return t, nil
	}
	return "", fmt.Errorf("%q is not a backend (want %q or %q)", s, ZoneFile, RFC2136)
}

// parseLevel takes the four level names only: slog.Level's own parser
// also takes offsets ("info+2"), which no operator means.
func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q (want debug, info, warn or error)", s)
}

func parseLogFormat(s string) (LogFormat, error) {
	switch f := LogFormat(s); f {
	case LogAuto, LogText, LogJSON:
		return f, nil
	}
	return "", fmt.Errorf("%q (want auto, text or json)", s)
}

var tsigAlgorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}
