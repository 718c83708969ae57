package dnssec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestKeyNeverShowsItsSecret: a Key logged (text or JSON handler),
// encoded as JSON or formatted shows no private key material: one
// careless log line must not leak a zone's key.
func TestKeyNeverShowsItsSecret(t *testing.T) {
	t.Parallel()
	for _, alg := range []uint8{dns.ECDSAP256SHA256, dns.ED25519} {
		k, err := NewKey("example.com.", CSK, alg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		priv := k.DNSKEY.PrivateKeyString(k.Signer)
		var secret string
		for line := range strings.Lines(priv) {
			if v, ok := strings.CutPrefix(line, "PrivateKey: "); ok {
				secret = strings.TrimSpace(v)
			}
		}
		raw, err := base64.StdEncoding.DecodeString(secret)
		if err != nil || len(raw) == 0 {
			t.Fatalf("no private key in %q", priv)
		}
		var out bytes.Buffer
		js, _ := json.Marshal(k)
		out.Write(js)
		slog.New(slog.NewJSONHandler(&out, nil)).Info("k", "key", k)
		slog.New(slog.NewTextHandler(&out, nil)).Info("k", "key", k)
		fmt.Fprintf(&out, "%v %+v %s", k, k, k)
		text := out.String()
		// The private scalar in any encoding the handlers use: base64,
		// decimal (big.Int D of an ECDSA key), or bytes as JSON base64.
		for _, form := range []string{secret, base64.StdEncoding.EncodeToString(raw), fmt.Sprint(new(big.Int).SetBytes(raw))} {
			if strings.Contains(text, form) {
				t.Fatalf("algorithm %d: the private key shows in:\n%s", alg, text)
			}
		}
		if strings.Contains(text, `"D":`) || strings.Contains(text, "Signer") {
			t.Errorf("algorithm %d: the signer shows in:\n%s", alg, text)
		}
	}
}
