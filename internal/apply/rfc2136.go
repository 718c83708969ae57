package apply

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/secretfile"
)

// RFC2136 applies plans as TSIG-signed DNS UPDATE messages over TCP: only the
// RRsets that changed, deletes before adds, so a name can change type in
// one message. It works with CoreDNS's dynupdate, BIND and Knot. The zone's
// SOA and NS and every RRset dnssync does not own stay untouched.
type RFC2136 struct {
	server     string
	tsig       observed.TSIG
	maxRecords int
	timeout    time.Duration
	owned      *Owned
	log        *slog.Logger
}

var _ Backend = (*RFC2136)(nil)

// RFC2136Options configure an RFC2136 backend.
type RFC2136Options struct {
	Server string // host:port
	TSIG   observed.TSIG
	// MaxRecords bounds the records in one UPDATE (CoreDNS's
	// max_update_records, default 1024); larger plans are split.
	MaxRecords int
	Timeout    time.Duration // of one UPDATE exchange
	Owned      *Owned        // what dnssync created (LoadOwned); its warnings go to Log
	Log        *slog.Logger  // nil discards
}

// NewRFC2136 checks o and returns the backend.
func NewRFC2136(o RFC2136Options) (*RFC2136, error) {
	switch {
	case o.Server == "":
		return nil, errors.New("rfc2136 backend: no server")
	case o.TSIG.Name == "" || o.TSIG.Algorithm == "" || o.TSIG.Secret == "":
		return nil, errors.New("rfc2136 backend: TSIG key name, algorithm and secret are all needed")
	case o.MaxRecords < 1:
		return nil, fmt.Errorf("rfc2136 backend: at most %d records an UPDATE: want at least 1", o.MaxRecords)
	case o.Timeout <= 0:
		return nil, errors.New("rfc2136 backend: no timeout")
	case o.Owned == nil:
		return nil, errors.New("rfc2136 backend: no ownership state")
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.Owned.useLog(log)
	return &RFC2136{server: o.Server, tsig: o.TSIG, maxRecords: o.MaxRecords, timeout: o.Timeout, owned: o.Owned, log: log}, nil
}

// ErrUpdateRefused: the server answered an UPDATE REFUSED, NOTAUTH or
// NOTZONE (not allowed, not primary, not this zone). A TSIG failure is
// observed.ErrTSIGRefused instead.
var ErrUpdateRefused = errors.New("update refused")

// Base: the server's own SOA and NS are not dnssync's.
func (b *RFC2136) Base(string) []dns.RR { return nil }

// Managed: only what dnssync created, by this process or another (a
// `dnssync apply` beside the daemon): the ownership state is caught up
// with once per zone and pass, so a set another process created is
// deleted as soon as records.d drops it. The Backend interface has no room
// for an error: a state file that cannot be read is logged, and the pass
// goes on with what this process last knew (it owns no less than before,
// and deletes nothing it never owned).
func (b *RFC2136) Managed(zone string) func(rrset.Key) bool {
	if err := b.owned.CatchUp(); err != nil {
		b.log.Warn("ownership state not read again; judging the zone by this process's own copy", "zone", zone, "err", err)
	}
	return func(k rrset.Key) bool { return b.owned.Has(zone, k) }
}

// Apply sends the plan and records what dnssync now owns. Adoptions (sets
// already served exactly as desired) need no message, only ownership.
// Every message is fenced on the SOA it was planned against (fence.go): a
// concurrent write fails it with ErrConcurrentWrite. A failed apply owns
// nothing new: what earlier messages created is adopted by the next plan,
// which finds it served as desired.
func (b *RFC2136) Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (Result, error) {
	return b.apply(ctx, served, p, nil)
}

// apply is Apply, its first message also replacing the apex SOA by soa
// when soa is not nil (rfc2136_floor.go).
func (b *RFC2136) apply(ctx context.Context, served *observed.Zone, p diff.Plan, soa *dns.SOA) (Result, error) {
	pre := fence(p.Zone, served)
	for _, m := range b.updates(p, pre != nil, soa) {
		if pre != nil {
			m.Answer = []dns.RR{pre}
		}
		if err := b.send(ctx, p.Zone, m); err != nil {
			return Result{}, err
		}
		if pre != nil {
			pre = nextFence(pre, m)
		}
	}
	add := append([]rrset.Key(nil), p.Adopt...)
	var remove []rrset.Key
	for _, c := range p.Changes {
		if c.New == nil {
			remove = append(remove, c.Key)
		} else {
			add = append(add, c.Key)
		}
	}
	if err := b.owned.Update(p.Zone, add, remove); err != nil {
		// The server has the change; the next pass adopts what matches.
		return Result{}, fmt.Errorf("changes sent, but ownership not saved: %w", err)
	}
	return Result{}, nil
}

// BuildUpdates turns a plan into UPDATE messages: one when it fits, split
// between RRsets past maxRecords (0: no limit) or past what one DNS message
// over TCP can carry. A changed RRset is deleted whole and added whole, so
// TTL changes and value changes are one step.
func BuildUpdates(p diff.Plan, maxRecords int) []*dns.Msg {
	var (
		out   []*dns.Msg
		cur   *dns.Msg
		n     int
		bytes int
	)
	for _, c := range p.Changes {
		var ops []dns.RR
		if c.Old != nil {
			ops = append(ops, &dns.ANY{Hdr: dns.RR_Header{Name: c.Key.Name, Rrtype: c.Key.Type, Class: dns.ClassANY}})
		}
		if c.New != nil {
			ops = append(ops, c.New.RRs...)
		}
		size := 0
		for _, rr := range ops {
			size += dns.Len(rr) // uncompressed: an upper bound
		}
		full := maxRecords > 0 && n+len(ops) > maxRecords || bytes+size > maxUpdateBytes
		if cur == nil || full && n > 0 {
			cur = new(dns.Msg)
			cur.SetUpdate(p.Zone)
			out = append(out, cur)
			n, bytes = 0, 0
		}
		cur.Ns = append(cur.Ns, ops...)
		n += len(ops)
		bytes += size
	}
	return out
}

// maxUpdateBytes keeps a message, TSIG included, under the 65,535 bytes a
// DNS message over TCP can have.
const maxUpdateBytes = 60000

func (b *RFC2136) send(ctx context.Context, zone string, m *dns.Msg) error {
	// Key names are DNS names: servers and miekg/dns look them up in
	// canonical (lower case) form.
	key := dns.CanonicalName(b.tsig.Name)
	m.SetTsig(key, dns.Fqdn(b.tsig.Algorithm), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: b.timeout, TsigSecret: map[string]string{key: b.tsig.Secret}}
	start := time.Now()
	resp, _, err := c.ExchangeContext(ctx, m, b.server)
	if err != nil {
		if resp != nil && resp.Rcode == dns.RcodeNotAuth && errors.Is(err, dns.ErrAuth) {
			// miekg/dns does not verify the TSIG of a NOTAUTH answer and
			// reports ErrAuth; the answer still tells why (not primary,
			// or a TSIG error).
			return rcodeError(zone, b.server, key, resp)
		}
		if resp != nil || errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrKeyAlg) {
			return fmt.Errorf("update %s at %s: %w (%w): the server did not accept or sign with key %s; check tsig_key, tsig_algorithm and the secret in tsig_secret_file against the server's key", zone, b.server, observed.ErrTSIGRefused, err, key)
		}
		return fmt.Errorf("update %s at %s: %w", zone, b.server, err)
	}
	if err := rcodeError(zone, b.server, key, resp); err != nil {
		if errors.Is(err, ErrConcurrentWrite) {
			return b.fenceRefused(ctx, zone, m, err) // rfc2136_fencecheck.go
		}
		return err
	}
	b.log.Debug("update sent", "zone", zone, "records", len(m.Ns), "took", time.Since(start).Round(time.Microsecond))
	return nil
}

// rcodeError explains a failed UPDATE by what to check.
func rcodeError(zone, server, key string, resp *dns.Msg) error {
	if t := resp.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
		return fmt.Errorf("update %s at %s: %w: TSIG %s: check that the server knows key %s with the same algorithm and secret (tsig_key, tsig_algorithm, tsig_secret_file), and that the clocks agree",
			zone, server, observed.ErrTSIGRefused, dns.RcodeToString[int(t.Error)], key)
	}
	rc := dns.RcodeToString[resp.Rcode]
	switch resp.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeNXRrset:
		// Only the SOA prerequisite can fail so (fence.go).
		return fmt.Errorf("update %s at %s: %w (NXRRSET: the SOA it was planned against is not served any more)", zone, server, ErrConcurrentWrite)
	case dns.RcodeRefused:
		return fmt.Errorf("update %s at %s: %w: REFUSED: check that key %s may update this zone (CoreDNS: `allow %s * *` in dynupdate; BIND: update-policy or allow-update) and the server's size limits (max_update_records, max_records)",
			zone, server, ErrUpdateRefused, key, key)
	case dns.RcodeNotAuth:
		return fmt.Errorf("update %s at %s: %w: NOTAUTH: the server is not primary for this zone, or rejected key %s; check the zone name, the server address and the key", zone, server, ErrUpdateRefused, key)
	case dns.RcodeNotZone:
		return fmt.Errorf("update %s at %s: %w: NOTZONE: the server does not hold this zone; check the zone name and the server address", zone, server, ErrUpdateRefused)
	case dns.RcodeServerFailure:
		return fmt.Errorf("update %s at %s: SERVFAIL: the server could not apply the update; check its log for this zone (CoreDNS: the dynupdate plugin; BIND: the journal and the zone file's permissions)", zone, server)
	case dns.RcodeNotImplemented:
		return fmt.Errorf("update %s at %s: NOTIMP: the server does not take DNS UPDATE for this zone; check its config (CoreDNS: the dynupdate plugin, v1.15+)", zone, server)
	default:
		return fmt.Errorf("update %s at %s: server answered %s", zone, server, rc)
	}
}

// ReadTSIGSecret reads a base64 TSIG secret from path. A secret other
// users on the host can read or write is refused (secretfile): it grants
// write access to the zone.
func ReadTSIGSecret(path string) (string, error) {
	b, err := secretfile.Read("tsig_secret_file", path)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(string(b))
	if raw, err := base64.StdEncoding.DecodeString(secret); err != nil || len(raw) == 0 {
		return "", fmt.Errorf("tsig_secret_file %s: want the secret in base64 (as in the server's key config), e.g. from `tsig-keygen` or `openssl rand -base64 32`", path)
	}
	return secret, nil
}
