package corednstest

import "fmt"

// CatalogConsumer is a secondary that takes the list of zones it serves
// from an RFC 9432 catalog zone on a primary: it transfers the catalog,
// then every member listed in it from the same primary, and adds and
// drops members as the catalog changes, with no change to its own config.
// Like Secondary, each kind accepts NOTIFY (for the catalog and for its
// members) from any port on the primary's address, sends none itself,
// and refreshes on the zone's SOA refresh: a catalog change reaches it
// quickly only by NOTIFY for the catalog zone.
//
// Each answers REFUSED for a zone it does not serve (one never listed, or
// dropped from the catalog).
type CatalogConsumer struct {
	Primary string // the primary's host:port, for the catalog and its members
	Catalog string // the catalog zone's name, without the trailing dot
}

// Spec is the consumer of kind k:
//   - BIND: catalog-zones with default-primaries and allow-new-zones, the
//     catalog a `type secondary` zone; the member zones' files and the
//     new-zone database in DIR;
//   - Knot: the catalog a secondary zone with catalog-role interpret, its
//     members made from the catalog-template "member" (secondaries of the
//     same primary); the catalog database and zone files in DIR;
//   - CoreDNS: `secondary CATALOG { transfer from ...; catalog }` in a
//     server block for the root, so that it covers every member.
//
// BIND and CoreDNS count as up once the catalog answers its SOA, that is
// once its first transfer is done. Knot answers REFUSED to every query for
// a catalog it interprets, so it counts as up once it answers at all. The
// members come a moment later either way: poll for them.
func (c CatalogConsumer) Spec(k Kind) Spec {
	spec := Spec{Kind: k, Conf: CatalogCorefile(c.Primary, c.Catalog), Zones: []string{c.Catalog}}
	switch k {
	case BIND:
		spec.Conf = c.namedConf()
	case Knot:
		spec.Conf, spec.Zones = c.knotConf(), nil
	}
	return spec
}

// StartCatalogConsumer starts a catalog consumer of kind k for c (see
// CatalogConsumer.Spec). Start the primary with the catalog zone first.
func StartCatalogConsumer(tb TB, k Kind, c CatalogConsumer) *Server {
	tb.Helper()
	return StartSpec(tb, c.Spec(k))
}

// CatalogCorefile is a CoreDNS catalog consumer of catalog from primary
// (host:port). The server block is the root's: a member can be any name,
// and a query reaches the secondary plugin only inside its block.
func CatalogCorefile(primary, catalog string) string {
	return fmt.Sprintf(`.:PORT {
    bind 127.0.0.1
    secondary %s {
        transfer from %s
        catalog
    }
}
`, catalog, primary)
}

// namedConf: BIND applies a catalog change at most once per
// min-update-interval (5 s by default), so it is 1 s here, as a change
// made and checked within a test's seconds needs. Member zones are kept in
// files in DIR (zone-directory), the catalog itself in memory: a restart
// transfers it afresh and re-creates the members from it.
func (c CatalogConsumer) namedConf() string {
	host, port := Secondary{Primary: c.Primary}.hostPort()
	return fmt.Sprintf(`options {
    directory "DIR";
    listen-on port PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file "DIR/named.pid";
    session-keyfile "DIR/session.key";
    recursion no;
    dnssec-validation no;
    notify no;
    allow-new-zones yes;
    allow-notify { %[1]s; };
    catalog-zones {
        zone "%[3]s" default-primaries { %[1]s port %[2]s; } zone-directory "DIR" min-update-interval 1;
    };
};
controls { };
zone "%[3]s" {
    type secondary;
    primaries { %[1]s port %[2]s; };
};
`, host, port, c.Catalog)
}

// knotConf: the catalog and its members come from the remote "primary"
// and take NOTIFY from its address (the ACL matches addresses, not
// ports). Knot keeps the member list it interpreted in DIR/catalog, so a
// restarted knotd serves its members before the catalog is transferred
// again.
func (c CatalogConsumer) knotConf() string {
	host, port := Secondary{Primary: c.Primary}.hostPort()
	return fmt.Sprintf(`server:
    listen: 127.0.0.1@PORT
    rundir: DIR
database:
    storage: DIR
remote:
  - id: primary
    address: %s@%s
acl:
  - id: notify_from_primary
    address: %s
    action: notify
template:
  - id: default
    storage: DIR
    file: "%%s.zone"
  - id: member
    storage: DIR
    file: "%%s.zone"
    master: primary
    acl: [notify_from_primary]
zone:
  - domain: %s
    master: primary
    acl: [notify_from_primary]
    catalog-role: interpret
    catalog-template: member
log:
  - target: stderr
    any: info
`, host, port, host, c.Catalog)
}
