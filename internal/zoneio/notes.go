package zoneio

import (
	"fmt"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// baseNotes compares the zone as read with what the backend writes into
// it itself (the zonefile backend's SOA, apex NS and nameserver
// addresses). An import skips those: where they differ, the next plan
// shows dnssync's replacing the zone's, and the note names the [[zones]]
// keys that would keep them. Only the keys the backend writes are
// compared: with no base (rfc2136), nothing.
func baseNotes(zone string, read rrset.Zone, base []dns.RR) []string {
	if len(base) == 0 {
		return nil
	}
	want := rrset.Zone{}
	for _, rr := range base {
		want.Put(rr)
	}
	keys := want.Keys()
	// A served address of a name the backend writes addresses for, but of
	// the other family, goes too.
	for _, k := range read.Keys() {
		if _, ok := want[k]; ok || k.Type != dns.TypeA && k.Type != dns.TypeAAAA {
			continue
		}
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
			if _, ok := want[rrset.Key{Name: k.Name, Type: t}]; ok {
				keys = append(keys, k)
				break
			}
		}
	}
	var out []string
	for _, k := range keys {
		have, ok := read[k]
		if ok && have.Equal(want[k]) {
			continue
		}
		served := "is not served"
		if ok {
			served = "is served as " + have.String()
		}
		wanted := "none"
		if w := want[k]; w != nil {
			wanted = w.String()
		}
		out = append(out, fmt.Sprintf("%s %s; dnssync writes %s from [[zones]] (%s): `dnssync plan` shows the change until the config says what is served",
			k, served, wanted, baseKeys(zone, k)))
	}
	return out
}

// baseKeys names the [[zones]] keys that make the record at k.
func baseKeys(zone string, k rrset.Key) string {
	switch {
	case k.Type == dns.TypeSOA:
		return "nameservers (the first is the SOA's), hostmaster, refresh, retry, expire, negative_ttl, soa_ttl"
	case k.Type == dns.TypeNS && k.Name == zone:
		return "nameservers, soa_ttl"
	}
	return "nameserver_addresses, soa_ttl"
}
