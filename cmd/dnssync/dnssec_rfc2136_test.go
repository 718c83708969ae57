package main

import (
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// With the rfc2136 backend the server signs a zone marked dnssec = true:
// dnssync holds no key of it, so `dnssec ds` and `dnssec status` say where
// the keys are (the server) instead of promising keys dnssync will make.
func TestDNSSECServerSignsHasNoKeysHere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.configure(t, func(c *corednstest.Config) {
		c.DNSSEC = true
		c.Backend = corednstest.Backend{Type: "rfc2136", TSIGKey: "dnssync.", TSIGSecretFile: "/nonexistent", StateDir: c.Backend.StateDir}
	})
	for _, sub := range []string{"ds", "status"} {
		code, out, stderr := e.run(t, "dnssec", sub, "example.com")
		if code != exitError || out != "" || !strings.Contains(stderr, "the server signs example.com (rfc2136 backend)") {
			t.Errorf("dnssec %s of a zone the server signs: exit %d: %s%s", sub, code, out, stderr)
		}
	}
}
