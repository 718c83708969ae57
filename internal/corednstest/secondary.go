package corednstest

import (
	"fmt"
	"net"
	"strings"
)

// Secondary is a server that copies zones from a primary by zone
// transfer and transfers again when NOTIFY says the serial changed. The
// three kinds accept NOTIFY from any source port on 127.0.0.1, so that
// dnssync's NOTIFY (sent from a port of its own) is honoured as the
// primary's would be; none of them sends NOTIFY itself, and their refresh
// is the zone's SOA refresh: a change that reaches one quickly came by
// NOTIFY.
type Secondary struct {
	Primary string   // the primary's host:port
	Zones   []string // without the trailing dot
	// KeyName and Secret (hmac-sha256, base64) are the TSIG key dnssync
	// signs its NOTIFYs with (the rfc2136 backend's): BIND and Knot answer
	// a NOTIFY signed with a key they do not know BADKEY, so they are
	// given it. Empty: NOTIFYs come unsigned. CoreDNS ignores it.
	KeyName, Secret string
}

// Spec is the secondary of kind k: CoreDNS's secondary plugin, a BIND
// `type secondary` zone or a Knot zone with a master. It counts as up
// once every zone answers its SOA, that is once the first transfer is
// done: start the primary with the zones first.
func (s Secondary) Spec(k Kind) Spec {
	spec := Spec{Kind: k, Conf: SecondaryCorefile(s.Primary, s.Zones...), Zones: s.Zones}
	switch k {
	case BIND:
		spec.Conf = s.namedConf()
	case Knot:
		spec.Conf = s.knotConf()
	}
	return spec
}

// StartSecondary starts a secondary of kind k for s (see Secondary.Spec).
func StartSecondary(tb TB, k Kind, s Secondary) *Server {
	tb.Helper()
	return StartSpec(tb, s.Spec(k))
}

// hostPort splits the primary's address; a malformed one is the test's
// mistake, shown in the config the server refuses.
func (s Secondary) hostPort() (string, string) {
	host, port, err := net.SplitHostPort(s.Primary)
	if err != nil {
		return s.Primary, "53"
	}
	return host, port
}

// namedConf keeps no copy of the zones on disk (a restarted named
// transfers them afresh) and takes NOTIFY from 127.0.0.1 on any port:
// allow-notify matches addresses, not ports.
func (s Secondary) namedConf() string {
	host, port := s.hostPort()
	var b strings.Builder
	b.WriteString(`options {
    directory "DIR";
    listen-on port PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file "DIR/named.pid";
    session-keyfile "DIR/session.key";
    recursion no;
    dnssec-validation no;
    notify no;
};
controls { };
`)
	if s.KeyName != "" {
		fmt.Fprintf(&b, "key \"%s\" { algorithm hmac-sha256; secret \"%s\"; };\n", s.KeyName, s.Secret)
	}
	for _, z := range s.Zones {
		fmt.Fprintf(&b, `zone "%s" {
    type secondary;
    primaries { %s port %s; };
    allow-notify { %s; };
};
`, z, host, port, host)
	}
	return b.String()
}

// knotConf transfers from the remote "primary" and lets NOTIFY in by an
// ACL on 127.0.0.1 (Knot's ACLs match addresses, not ports).
func (s Secondary) knotConf() string {
	host, port := s.hostPort()
	var b strings.Builder
	fmt.Fprintf(&b, `server:
    listen: 127.0.0.1@PORT
    rundir: DIR
database:
    storage: DIR
remote:
  - id: primary
    address: %s@%s
`, host, port)
	// An ACL without a key matches unsigned messages only: a signed
	// NOTIFY needs a rule naming its key.
	acls := "notify_from_primary"
	if s.KeyName != "" {
		fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: %s\n", s.KeyName, s.Secret)
	}
	fmt.Fprintf(&b, "acl:\n  - id: notify_from_primary\n    address: %s\n    action: notify\n", host)
	if s.KeyName != "" {
		fmt.Fprintf(&b, "  - id: notify_signed\n    address: %s\n    key: %s\n    action: notify\n", host, s.KeyName)
		acls += ", notify_signed"
	}
	b.WriteString(`template:
  - id: default
    storage: DIR
    file: "%s.zone"
zone:
`)
	for _, z := range s.Zones {
		fmt.Fprintf(&b, `  - domain: %s
    master: primary
    acl: [%s]
`, z, acls)
	}
	b.WriteString(`log:
  - target: stderr
    any: info
`)
	return b.String()
}
