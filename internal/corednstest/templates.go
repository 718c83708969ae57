package corednstest

import (
	"fmt"
	"strings"
)

// AutoCorefile serves every db.<zone> file in dir with the auto plugin,
// reloading each second, and allows zone transfers: what the zonefile
// backend writes for.
func AutoCorefile(dir string) string { return AutoCorefileTo(dir, "*") }

// AutoCorefileTo is AutoCorefile allowing transfers only to the addresses
// in to ("*" is everyone); with none, the transfer plugin is left out and
// every transfer is refused. Tests of a refused transfer use it.
func AutoCorefileTo(dir string, to ...string) string {
	transfer := ""
	if len(to) > 0 {
		transfer = fmt.Sprintf("    transfer {\n        to %s\n    }\n", strings.Join(to, " "))
	}
	return fmt.Sprintf(`.:PORT {
    bind 127.0.0.1
    auto {
        directory %s db\.(.*) {1}
        reload 1s
    }
%s}
`, dir, transfer)
}

// UpdateZone is one zone a primary serves from a seed and lets one TSIG
// key (hmac-sha256) change by UPDATE and read by AXFR: what the rfc2136
// backend writes to.
type UpdateZone struct {
	Zone    string // "example.org", without the trailing dot
	Seed    string // the zone file it starts from (SOA and NS at least)
	KeyName string // "dnssync."
	Secret  string // base64
	// CoreDNS dynupdate's limits; 0 leaves the plugin's default.
	MaxRecords, MaxBytes, MaxUpdateRecords int
	// Database keeps CoreDNS dynupdate's zone in a bbolt database in the
	// server's directory, so that UPDATEs survive a restart; without it
	// they live in memory only.
	Database bool
}

// seedFile is the seed's name in the server's directory.
func (z UpdateZone) seedFile() string { return z.Zone + ".zone" }

// Spec is the server of kind k for the zone: CoreDNS dynupdate, a BIND
// primary with an update-policy, or a Knot zone with an update ACL.
func (z UpdateZone) Spec(k Kind) Spec {
	s := Spec{Kind: k, Conf: z.dynupdateCorefile(), Files: map[string]string{z.seedFile(): z.Seed}, Zones: []string{z.Zone}}
	switch k {
	case BIND:
		s.Conf = z.namedConf()
	case Knot:
		s.Conf = z.knotConf()
	}
	return s
}

// dynupdateCorefile requires TSIG for UPDATE only: queries and AXFR stay
// open, as the tests read the zone without the key.
func (z UpdateZone) dynupdateCorefile() string {
	var limits strings.Builder
	for _, l := range []struct {
		key string
		n   int
	}{{"max_records", z.MaxRecords}, {"max_bytes", z.MaxBytes}, {"max_update_records", z.MaxUpdateRecords}} {
		if l.n > 0 {
			fmt.Fprintf(&limits, "        %s %d\n", l.key, l.n)
		}
	}
	if z.Database {
		fmt.Fprintf(&limits, "        database DIR/%s.db\n", z.Zone)
	}
	return fmt.Sprintf(`%s:PORT {
    bind 127.0.0.1
    tsig {
        secret %s %s
        require_opcode UPDATE
    }
    dynupdate {
        file DIR/%s
        allow %s * *
%s    }
    transfer {
        to *
    }
}
`, z.Zone, z.KeyName, z.Secret, z.seedFile(), z.KeyName, limits.String())
}

// namedConf runs named without rndc or NOTIFY, everything it writes in DIR.
func (z UpdateZone) namedConf() string {
	return fmt.Sprintf(`options {
    directory "DIR";
    listen-on port PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file "DIR/named.pid";
    session-keyfile "DIR/session.key";
    recursion no;
    allow-transfer { any; };
    dnssec-validation no;
    notify no;
};
controls { };
key "%s" { algorithm hmac-sha256; secret "%s"; };
zone "%s" {
    type primary;
    file "DIR/%s";
    update-policy { grant %s zonesub ANY; };
};
`, z.KeyName, z.Secret, z.Zone, z.seedFile(), z.KeyName)
}

// knotConf keeps knotd's database and run files in DIR and logs to stderr.
func (z UpdateZone) knotConf() string {
	return fmt.Sprintf(`server:
    listen: 127.0.0.1@PORT
    rundir: DIR
database:
    storage: DIR
key:
  - id: %s
    algorithm: hmac-sha256
    secret: %s
acl:
  - id: updater
    key: %s
    action: [update, transfer]
template:
  - id: default
    storage: DIR
    file: "%%s.zone"
zone:
  - domain: %s
    acl: [updater]
log:
  - target: stderr
    any: info
`, z.KeyName, z.Secret, z.KeyName, z.Zone)
}

// SecondaryCorefile is a CoreDNS secondary for each zone, transferring
// it from primary (host:port) by AXFR and accepting NOTIFY from it (the
// secondary plugin compares the NOTIFY's IP, not its port: every sender on
// 127.0.0.1 is accepted, dnssync among them).
func SecondaryCorefile(primary string, zones ...string) string {
	var b strings.Builder
	for _, z := range zones {
		fmt.Fprintf(&b, `%s:PORT {
    bind 127.0.0.1
    secondary {
        transfer from %s
    }
}
`, z, primary)
	}
	return b.String()
}

// CachingCorefile is a caching resolver in front of the authoritative
// servers at upstreams (host:port): CoreDNS's cache with its defaults (at
// most 3600 s for an answer, 1800 s for a denial, at least 5 s for
// either) and forward, as systemd/Corefile.resolver ships it.
func CachingCorefile(upstreams ...string) string {
	return fmt.Sprintf(`.:PORT {
    bind 127.0.0.1
    cache
    forward . %s
}
`, strings.Join(upstreams, " "))
}
