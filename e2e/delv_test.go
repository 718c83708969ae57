package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// delv (bind9-dnsutils) is the validator dnssync did not write: the e2e
// tests ask it, with a zone's DS as its only trust anchor, whether a
// server's answers validate.

// writeDelvAnchors writes ds as zone's static DS trust anchors for delv -a.
func writeDelvAnchors(file, zone string, ds []*dns.DS) error {
	var b strings.Builder
	b.WriteString("trust-anchors {\n")
	for _, d := range ds {
		fmt.Fprintf(&b, "  %s static-ds %d %d %d \"%s\";\n", dns.Fqdn(zone), d.KeyTag, d.Algorithm, d.DigestType, d.Digest)
	}
	b.WriteString("};\n")
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

// delvAsk asks delv name/type at addr over TCP, anchored by anchorFile on
// zone (+root: no root anchor needed); ok is a fully validated answer.
func delvAsk(delvBin, anchorFile, zone, addr, name, typ string) (bool, string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err.Error()
	}
	out, err := exec.Command(delvBin, "@"+host, "-p", port, "-a", anchorFile, "+root="+strings.TrimSuffix(zone, "."), "+tcp", name, typ).CombinedOutput()
	return err == nil && strings.Contains(string(out), "fully validated"), string(out)
}

// delvZoneDS returns what asks delv, with ds as the only trust anchor
// of zone (written to anchorFile), for name/type at a server, and fails
// the test unless the answer is "fully validated" and says want.
func delvZoneDS(t *testing.T, delvBin, anchorFile, zone string, ds []*dns.DS) func(addr, name, typ, want string) {
	t.Helper()
	if err := writeDelvAnchors(anchorFile, zone, ds); err != nil {
		t.Fatal(err)
	}
	return func(addr, name, typ, want string) {
		t.Helper()
		ok, out := delvAsk(delvBin, anchorFile, zone, addr, name, typ)
		if !ok || !strings.Contains(out, want) {
			t.Fatalf("delv @%s %s %s: want %q fully validated:\n%s", addr, name, typ, want, out)
		}
	}
}

// delvWithDSOnce asks delv name/type at addr, anchored on ds alone (the
// DS a parent of example.com holds); ok is a fully validated answer.
func delvWithDSOnce(delvBin, addr string, ds *dns.DS, name, typ string) (bool, string) {
	dir, err := os.MkdirTemp("", "delv-anchor")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "anchor.conf")
	if err := writeDelvAnchors(file, "example.com.", []*dns.DS{ds}); err != nil {
		return false, err.Error()
	}
	return delvAsk(delvBin, file, "example.com.", addr, name, typ)
}
