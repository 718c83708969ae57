package dnssec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Role is what a key signs.
type Role string

// The roles: a CSK signs everything; a KSK signs the DNSKEY RRset (and
// CDS/CDNSKEY) and is the one the parent's DS points at; a ZSK signs the
// rest.
const (
	CSK Role = "csk"
	KSK Role = "ksk"
	ZSK Role = "zsk"
)

func (r Role) valid() bool { return r == CSK || r == KSK || r == ZSK }

// signsKeys reports whether the role signs the DNSKEY RRset and is
// referred to by the parent's DS.
func (r Role) signsKeys() bool { return r == CSK || r == KSK }

// signsZone reports whether the role signs the zone's other RRsets.
func (r Role) signsZone() bool { return r == CSK || r == ZSK }

// Timing is a key's life (RFC 7583): published in the DNSKEY RRset from
// Published, signing from Active, no longer signing from Retired, gone from
// the DNSKEY RRset from Removed. A zero time has not been reached (never
// set). A key made for a zone that was not yet signed is published and
// active at once; a roll (roll.go) sets the rest. A key-signing key (KSK,
// CSK) signs the DNSKEY RRset for as long as it is published; Active to
// Retired is when the parent is told about it (CDS, CDNSKEY, `dnssec ds`)
// and, for a CSK, when it signs the zone's other RRsets.
type Timing struct {
	Published time.Time `json:"published,omitzero"`
	Active    time.Time `json:"active,omitzero"`
	Retired   time.Time `json:"retired,omitzero"`
	Removed   time.Time `json:"removed,omitzero"`
}

// Key is one signing key of a zone. Signer holds the private key: it is
// never printed, logged or put in an error.
type Key struct {
	DNSKEY  *dns.DNSKEY
	Signer  crypto.Signer `json:"-"`
	Role    Role
	Created time.Time
	Timing
}

// LogValue is the key as a log line shows it: its String, never the
// signer (a JSON handler would print the private key's fields).
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Tag is the key's tag (RFC 4034 appendix B).
func (k *Key) Tag() uint16 { return k.DNSKEY.KeyTag() }

// String names the key without anything secret, e.g. "csk 12345 (ECDSAP256SHA256)".
func (k *Key) String() string {
	return fmt.Sprintf("%s %d (%s)", k.Role, k.Tag(), dns.AlgorithmToString[k.DNSKEY.Algorithm])
}

// reached reports whether t is set and not after now.
func reached(t, now time.Time) bool { return !t.IsZero() && !now.Before(t) }

// IsPublished reports whether the key is in the DNSKEY RRset at now.
func (k *Key) IsPublished(now time.Time) bool {
	return reached(k.Published, now) && !reached(k.Removed, now)
}

// IsActive reports whether the key signs at now.
func (k *Key) IsActive(now time.Time) bool {
	return reached(k.Active, now) && !reached(k.Retired, now) && k.IsPublished(now)
}

// NewKey generates a key for zone (canonical, fully qualified) with the
// policy's algorithm, published and active from now.
func NewKey(zone string, role Role, algorithm uint8, now time.Time) (*Key, error) {
	if !role.valid() {
		return nil, fmt.Errorf("generate %s key for %s: unknown role", role, zone)
	}
	flags := uint16(dns.ZONE)
	if role.signsKeys() {
		flags |= dns.SEP
	}
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     flags,
		Protocol:  3,
		Algorithm: algorithm,
	}
	// A key whose tag is 0 (one in 65,536) is generated again: miekg/dns
	// refuses to sign with it ("bad key"), and the zone would stay
	// unsigned for as long as the key is kept.
	var priv crypto.PrivateKey
	for tries := 0; priv == nil || k.KeyTag() == 0; tries++ {
		if tries == 8 {
			return nil, fmt.Errorf("generate %s key for %s: every key generated has key tag 0", role, zone)
		}
		var err error
		if priv, err = generateKey(k); err != nil {
			return nil, fmt.Errorf("generate %s key for %s: %w", role, zone, err)
		}
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("generate %s key for %s: algorithm %d gives no signer", role, zone, algorithm)
	}
	now = now.UTC().Truncate(time.Second)
	return &Key{DNSKEY: k, Signer: signer, Role: role, Created: now, Timing: Timing{Published: now, Active: now}}, nil
}

// generateKey sets k's public key to a new key's and returns its private
// half (tests replace it).
var generateKey = func(k *dns.DNSKEY) (crypto.PrivateKey, error) {
	return k.Generate(256) // both ECDSA P-256 and Ed25519 are 256 bits
}

// publicKeyMatches reports whether pub (a private key's public half) is the
// key in k, in DNSKEY wire form (RFC 6605: X and Y; RFC 8080: the point).
func publicKeyMatches(k *dns.DNSKEY, pub crypto.PublicKey) bool {
	var raw []byte
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		b, err := p.Bytes() // 0x04 || X || Y
		if err != nil || len(b) == 0 {
			return false
		}
		raw = b[1:]
	case ed25519.PublicKey:
		raw = p
	default:
		return false
	}
	return base64.StdEncoding.EncodeToString(raw) == k.PublicKey
}

// parsePrivateKey reads a private key file in BIND's format (as
// DNSKEY.PrivateKeyString writes it) for a key of algorithm alg. The
// public half is derived from the private one, so that a caller can check
// it against the DNSKEY. Errors never quote the text.
func parsePrivateKey(alg uint8, text string) (crypto.Signer, error) {
	fields := map[string]string{}
	for line := range strings.Lines(text) {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	if f := fields["private-key-format"]; f != "v1.2" && f != "v1.3" {
		return nil, errors.New("not a private key file of format v1.2 or v1.3")
	}
	if a, _, _ := strings.Cut(fields["algorithm"], " "); a != strconv.Itoa(int(alg)) {
		return nil, fmt.Errorf("not a key of algorithm %d", alg)
	}
	raw, err := base64.StdEncoding.DecodeString(fields["privatekey"])
	if err != nil {
		return nil, errors.New("the private key is not base64")
	}
	switch alg {
	case dns.ECDSAP256SHA256:
		return ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	case dns.ED25519:
		if len(raw) != ed25519.SeedSize {
			return nil, errors.New("not an Ed25519 private key")
		}
		return ed25519.NewKeyFromSeed(raw), nil
	}
	return nil, fmt.Errorf("unsupported algorithm %d", alg)
}
