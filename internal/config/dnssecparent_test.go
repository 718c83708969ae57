package config

import (
	"strings"
	"testing"
)

// [dnssec] parent_resolver: "" (the default) is none; a host:port is the
// resolver a key roll asks for the parent's DS; anything else is refused.
func TestLoadDNSSECParentResolver(t *testing.T) {
	c, err := Load(writeConfig(t, "[dnssec]\nparent_resolver = \"127.0.0.1:5353\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DNSSEC.Policy().ParentResolver; got != "127.0.0.1:5353" {
		t.Errorf("parent resolver %q", got)
	}
	if _, err := Load(writeConfig(t, "[dnssec]\nparent_resolver = \"127.0.0.1\"\n")); err == nil || !strings.Contains(err.Error(), `the parent resolver "127.0.0.1" is not host:port`) {
		t.Errorf("a resolver without a port: %v", err)
	}
}
