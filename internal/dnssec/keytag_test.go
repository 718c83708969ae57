package dnssec

import (
	"crypto"
	"encoding/base64"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A key generated with key tag 0 is generated again: miekg/dns refuses to
// sign with it. (Seen in CI: a test key with tag 0 failed to sign, one
// run in a few hundred.)
func TestNewKeyNeverTagZero(t *testing.T) {
	calls := 0
	real := generateKey
	t.Cleanup(func() { generateKey = real })
	generateKey = func(k *dns.DNSKEY) (crypto.PrivateKey, error) {
		calls++
		priv, err := real(k)
		if err != nil || calls > 1 {
			return priv, err
		}
		// The first key: its public key's last two bytes changed so
		// that its tag is 0 (RFC 4034 appendix B sums the rdata).
		pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
		if err != nil {
			return nil, err
		}
		for v := range 1 << 16 {
			pub[len(pub)-2], pub[len(pub)-1] = byte(v>>8), byte(v)
			if k.PublicKey = base64.StdEncoding.EncodeToString(pub); k.KeyTag() == 0 {
				return priv, nil
			}
		}
		t.Fatal("no public key with tag 0 found")
		return nil, nil
	}
	k, err := NewKey("example.com.", CSK, dns.ECDSAP256SHA256, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || k.DNSKEY.KeyTag() == 0 {
		t.Fatalf("%d keys generated, tag %d; want a second key, its tag not 0", calls, k.DNSKEY.KeyTag())
	}
	rrsig := &dns.RRSIG{Hdr: dns.RR_Header{Ttl: 300}, Algorithm: k.DNSKEY.Algorithm, KeyTag: k.DNSKEY.KeyTag(),
		SignerName: "example.com.", Inception: 1, Expiration: 2}
	if err := rrsig.Sign(k.Signer, []dns.RR{k.DNSKEY}); err != nil {
		t.Errorf("signing with the key: %v", err)
	}
}
