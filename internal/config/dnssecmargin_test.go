package config

import (
	"strings"
	"testing"
	"time"
)

// The expiry margin: 72h unset, half a refresh shorter than 144h, and an
// explicit one at or above the refresh refused (a zone re-signed on time
// would fail the check); with rfc2136 (the server signs) 72h unset and
// not bounded by dnssync's refresh.
func TestLoadDNSSECExpiryMargin(t *testing.T) {
	const rfc2136 = "[backend]\ntype = \"rfc2136\"\ntsig_secret_file = \"/nonexistent\"\n"
	for _, tt := range []struct {
		name, text string
		want       time.Duration
		wantErr    string
	}{
		{"default", "", 72 * time.Hour, ""},
		{"half a short refresh", "[dnssec]\nsignature_validity = \"48h\"\nsignature_refresh = \"24h\"\n", 12 * time.Hour, ""},
		{"explicit", "[dnssec]\nexpiry_margin = \"100h\"\n", 100 * time.Hour, ""},
		{"not below the refresh", "[dnssec]\nexpiry_margin = \"168h\"\n", 0,
			"dnssec.expiry_margin: 168h0m0s must be below signature_refresh (168h0m0s)"},
		{"not a duration", "[dnssec]\nexpiry_margin = \"soon\"\n", 0, "dnssec.expiry_margin"},
		{"trust anchors relative to the config", "[dnssec]\ntrust_anchors = \"anchors.txt\"\n", 72 * time.Hour, ""},
		// With rfc2136 the server signs and refreshes on its own schedule
		// (BIND signatures-refresh: 5 days): dnssync's signature_refresh
		// says nothing of it, neither bounds nor derives the margin.
		{"rfc2136: default 72h whatever the refresh", rfc2136 + "[dnssec]\nsignature_validity = \"48h\"\nsignature_refresh = \"24h\"\n", 72 * time.Hour, ""},
		{"rfc2136: a margin above signature_refresh", rfc2136 + "[dnssec]\nexpiry_margin = \"200h\"\n", 200 * time.Hour, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text)
			c, err := Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.DNSSEC.ExpiryMargin != tt.want {
				t.Errorf("margin %s, want %s", c.DNSSEC.ExpiryMargin, tt.want)
			}
			if strings.Contains(tt.text, "trust_anchors") && !strings.HasPrefix(c.DNSSEC.TrustAnchors, strings.TrimSuffix(path, "config.toml")) {
				t.Errorf("trust_anchors %q, want it beside %s", c.DNSSEC.TrustAnchors, path)
			}
		})
	}
}
