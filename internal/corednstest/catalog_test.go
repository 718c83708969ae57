package corednstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/zones"
)

const catalogName = "catalog.invalid"

// catalogPrimary is the directory a CoreDNS `auto` primary serves the
// catalog and its members from.
type catalogPrimary string

// writeMember writes a member zone: SOA (refresh an hour away, so that a
// consumer that serves it promptly transferred it because the catalog
// said so), NS, and www A 192.0.2.1.
func (d catalogPrimary) writeMember(t *testing.T, zone string) {
	t.Helper()
	content := fmt.Sprintf(`%[1]s. 60 IN SOA ns.%[1]s. hostmaster.%[1]s. 1 3600 600 86400 60
%[1]s. 60 IN NS ns.%[1]s.
ns.%[1]s. 60 IN A 192.0.2.53
www.%[1]s. 60 IN A 192.0.2.1
`, zone)
	d.write(t, zone, content)
}

// writeCatalog writes the catalog at serial, listing members: SOA, the
// apex NS "invalid." (RFC 9432 4.1), and the records
// zones.CatalogRecords makes (version TXT "2", <id>.zones PTR member).
func (d catalogPrimary) writeCatalog(t *testing.T, serial uint32, members ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%[1]s. 0 IN SOA invalid. invalid. %[2]d 3600 600 86400 0\n%[1]s. 0 IN NS invalid.\n", catalogName, serial)
	for _, set := range zones.CatalogRecords(catalogName, members, 0) {
		for _, rr := range set.RRs {
			b.WriteString(rr.String() + "\n")
		}
	}
	d.write(t, catalogName, b.String())
}

func (d catalogPrimary) write(t *testing.T, zone, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(string(d), "db."+zone), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// query asks addr for name's records of type qtype.
func query(addr, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	return in, err
}

// serves reports whether addr answers zone's SOA at serial and its www A
// record: "" when it does, else what it answered.
func serves(addr, zone string, serial uint32) string {
	in, err := query(addr, zone, dns.TypeSOA)
	if err != nil {
		return err.Error()
	}
	if soa, ok := first(in.Answer).(*dns.SOA); !ok || len(in.Answer) != 1 || soa.Serial != serial {
		return fmt.Sprintf("SOA: %s %v", dns.RcodeToString[in.Rcode], in.Answer)
	}
	if zone == catalogName {
		return ""
	}
	in, err = query(addr, "www."+zone, dns.TypeA)
	switch {
	case err != nil:
		return err.Error()
	case len(in.Answer) != 1 || in.Answer[0].String() != "www."+zone+".\t60\tIN\tA\t192.0.2.1":
		return fmt.Sprintf("www A: %s %v", dns.RcodeToString[in.Rcode], in.Answer)
	}
	return ""
}

// first is the first record of rrs, nil when there is none.
func first(rrs []dns.RR) dns.RR {
	if len(rrs) == 0 {
		return nil
	}
	return rrs[0]
}

// catalogDeadline bounds each step: the issue wants consumers to follow
// within seconds; BIND's min-update-interval is 1 s here.
const catalogDeadline = 15 * time.Second

// waitFor polls cond (returning "" when met, else the state) until
// catalogDeadline, returning how long it took.
func waitFor(t *testing.T, what string, cond func() string) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < catalogDeadline {
		if last = cond(); last == "" {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v (last: %s)", what, catalogDeadline, last)
	return 0
}

// notifyCatalog sends NOTIFY for the catalog to addr from a port of the
// test's own, as dnssync will, and wants NOERROR.
func notifyCatalog(t *testing.T, addr string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetNotify(catalogName + ".")
	in, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
	if err != nil || in.Rcode != dns.RcodeSuccess {
		t.Fatalf("NOTIFY %s to %s: %v %v, want NOERROR", catalogName, addr, err, in)
	}
}

// Each kind of catalog consumer serves what a CoreDNS primary's RFC 9432
// catalog lists, with no change to its own config and no restart: the
// first member once it has transferred the catalog; a second member added
// (new zone file, new catalog serial, NOTIFY for the catalog); and it
// stops serving a member removed from the catalog (the member's zone file
// stays on the primary, so the drop is the catalog's doing), answering
// REFUSED for it while the other member stays served.
func TestCatalogConsumers(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{CoreDNS, BIND, Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := catalogPrimary(dir)
			p.writeMember(t, "one.example")
			p.writeCatalog(t, 1, "one.example")
			primary := StartSpec(t, Spec{Kind: CoreDNS, Conf: AutoCorefile(dir), Zones: []string{catalogName, "one.example"}})

			start := time.Now()
			c := StartCatalogConsumer(t, k, CatalogConsumer{Primary: primary.Addr, Catalog: catalogName})
			up := time.Since(start)
			firstTook := waitFor(t, "first member served", func() string { return serves(c.Addr, "one.example", 1) })
			if k == BIND { // zone-directory: named writes its members' files in its own directory
				waitFor(t, "BIND's member zone file in its directory", func() string {
					if m, _ := filepath.Glob(filepath.Join(c.Dir(), "__catz__*one.example.db")); len(m) == 0 {
						return "no __catz__*one.example.db"
					}
					return ""
				})
			}

			p.writeMember(t, "two.example")
			p.writeCatalog(t, 2, "one.example", "two.example")
			waitFor(t, "primary serves the new member and catalog", func() string {
				if s := serves(primary.Addr, "two.example", 1); s != "" {
					return s
				}
				return serves(primary.Addr, catalogName, 2)
			})
			notifyCatalog(t, c.Addr)
			added := waitFor(t, "added member served", func() string { return serves(c.Addr, "two.example", 1) })

			p.writeCatalog(t, 3, "two.example")
			waitFor(t, "primary serves the catalog without one.example", func() string { return serves(primary.Addr, catalogName, 3) })
			notifyCatalog(t, c.Addr)
			var rcode int
			removed := waitFor(t, "removed member dropped", func() string {
				in, err := query(c.Addr, "one.example", dns.TypeSOA)
				if err != nil {
					return err.Error()
				}
				if rcode = in.Rcode; rcode == dns.RcodeSuccess {
					return "still NOERROR"
				}
				return ""
			})
			if rcode != dns.RcodeRefused {
				t.Errorf("removed member answered %s, want REFUSED", dns.RcodeToString[rcode])
			}
			if s := serves(c.Addr, "two.example", 1); s != "" {
				t.Errorf("the remaining member after the removal: %s", s)
			}
			t.Logf("%s: up in %v; first member served %v later; added member %v after NOTIFY; removed member %s %v after NOTIFY",
				k, up.Round(time.Millisecond), firstTook.Round(time.Millisecond), added.Round(time.Millisecond), dns.RcodeToString[rcode], removed.Round(time.Millisecond))
		})
	}
}
