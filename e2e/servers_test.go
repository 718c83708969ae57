package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/verify"
)

// seedZone is the zone as the server starts with it: records dnssync did
// not create and must leave alone.
const seedZone = `example.org. 60 IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 60
example.org. 60 IN NS ns.example.org.
ns.example.org. 60 IN A 192.0.2.53
seed.example.org. 60 IN A 192.0.2.1
web-01.example.org. 60 IN TXT "seeded by hand"
`

// updateServer is a server that takes UPDATEs for example.org.
type updateServer struct {
	*corednstest.Server
	secret string
}

func newSecret(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// startPrimary starts a server of kind k serving example.org from seedZone
// to UPDATEs signed with a new key "dnssync.". z may set limits.
func startPrimary(tb testing.TB, k corednstest.Kind, z corednstest.UpdateZone) updateServer {
	tb.Helper()
	z.Zone, z.Seed, z.KeyName, z.Secret = "example.org", seedZone, "dnssync.", newSecret(tb)
	return updateServer{Server: corednstest.StartUpdatePrimary(tb, k, z), secret: z.Secret}
}

func startDynupdate(t *testing.T) updateServer {
	t.Helper()
	return startPrimary(t, corednstest.CoreDNS, corednstest.UpdateZone{})
}

func startBIND(t *testing.T) updateServer {
	t.Helper()
	return startPrimary(t, corednstest.BIND, corednstest.UpdateZone{})
}

func startKnot(t *testing.T) updateServer {
	t.Helper()
	return startPrimary(t, corednstest.Knot, corednstest.UpdateZone{})
}

// newRFC2136Env is an env whose dnssync sends UPDATEs to srv.
func newRFC2136Env(t testing.TB, srv updateServer) *env {
	t.Helper()
	e := newBareEnv(t)
	e.dns = srv.Server
	e.res = &verify.Resolver{Addr: srv.Addr, Timeout: time.Second}
	secretFile := filepath.Join(e.dir, "tsig.secret")
	if err := os.WriteFile(secretFile, []byte(srv.secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.Backend = corednstest.Backend{Type: "rfc2136", TSIGKey: "dnssync.", TSIGSecretFile: secretFile}
	e.cfg.Zones = []string{"example.org"}
	e.writeConfig()
	return e
}
