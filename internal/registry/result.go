package registry

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
)

// Result is what became of a write, in the words the HTTP API answers with
// and the CLI prints on the DNS host alike: one place words it, so that an
// orchestrator reads the same whichever door it used. rec is the write as
// asked (Type "" for an unregister of every type), ch what the registry
// did, autoRegister whether the daemon applies what is written.
//
// Only the API can wait for the change to be served (?wait=verified); it
// turns the status into "verified" itself.
func Result(rec Record, ch Change, autoRegister bool) client.WriteResult {
	name := DisplayName(rec.Name)
	res := client.WriteResult{Record: client.Record{Name: name, RecordType: rec.Type, Value: rec.Value}}
	for _, rr := range ch.After {
		if rec.Type == "" || dns.TypeToString[rr.Header().Rrtype] == rec.Type {
			res.TTL = rr.Header().Ttl
		}
	}
	done := "written to records.d"
	if rec.Value == "" { // an unregister: register and update carry a value
		done = "removed from records.d"
	}
	switch {
	case !ch.Changed:
		res.Status, res.Applied, res.Message = "unchanged", true, "records.d already says so; nothing written"
	case !autoRegister:
		res.Status, res.Message = "pending", done+"; auto_register is off: `dnssync apply` applies it"
	case rec.Value == "":
		res.Status, res.Message = "accepted", done+"; the daemon applies it now"
	default:
		res.Status, res.Message = "accepted", fmt.Sprintf("%s; the daemon applies it now, and `dnssync verify %s` checks that it is served", done, name)
	}
	return res
}

// DisplayName is name as the API shows it: lower case, no trailing dot.
func DisplayName(name string) string {
	return strings.TrimSuffix(dns.CanonicalName(strings.TrimSpace(name)), ".")
}
