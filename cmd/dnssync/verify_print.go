package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/verify"
)

// printVerification prints a check of one name for a person: each type at
// the authoritative server (v.Server) with its want and served, then each
// type at each resolver, "served" or "will serve by T" (what its cache
// holds runs out then), and a last line with the verdict. names maps a
// server's address to its configured name ([[resolvers]] name): such a
// server is shown as "name (address)", as `dnssync verify` names servers
// by their label; one without a name by its address.
func printVerification(w io.Writer, v client.Verification, names map[string]string) {
	label := func(addr string) string {
		if n := names[addr]; n != "" && n != addr {
			return n + " (" + addr + ")"
		}
		return addr
	}
	set := func(ttl uint32, vals []string) string {
		if len(vals) == 0 {
			return "-"
		}
		return fmt.Sprintf("%d [%s]", ttl, strings.Join(vals, ", "))
	}
	var failing []string // servers, in the order asked
	// The authoritative server's lines first, then the resolvers'.
	records := slices.Clone(v.Records)
	slices.SortStableFunc(records, func(a, b client.RRsetStatus) int {
		return boolOrder(a.Server != v.Server) - boolOrder(b.Server != v.Server)
	})
	for _, r := range records {
		at := ""
		if r.Server != v.Server {
			at = " at " + label(r.Server)
		}
		switch {
		case r.Verified && at == "":
			fmt.Fprintf(w, "ok   %s %s: %s\n", v.Name, r.RecordType, set(r.WantTTL, r.Want))
		case r.Verified:
			fmt.Fprintf(w, "ok   %s %s%s: served\n", v.Name, r.RecordType, at)
		case r.Status == string(verify.StatusLagging):
			fmt.Fprintf(w, "LAG  %s %s%s: will serve by %s (its cache holds %s until then)\n", v.Name, r.RecordType, at, r.WillServeBy, set(r.ServedTTL, r.Served))
		case r.Error != "":
			fmt.Fprintf(w, "FAIL %s %s%s: want %s: %s\n", v.Name, r.RecordType, at, set(r.WantTTL, r.Want), r.Error)
		default:
			fmt.Fprintf(w, "FAIL %s %s%s: want %s, served %s\n", v.Name, r.RecordType, at, set(r.WantTTL, r.Want), set(r.ServedTTL, r.Served))
		}
		if !r.Verified && r.Status != string(verify.StatusLagging) && !slices.Contains(failing, label(r.Server)) {
			failing = append(failing, label(r.Server))
		}
	}
	switch {
	case v.Verified && len(v.Servers) > 1:
		fmt.Fprintf(w, "verified: %s is served as declared by %s, and every resolver serves it or will by the time shown\n", v.Name, v.Server)
	case v.Verified:
		fmt.Fprintf(w, "verified: %s is served as declared by %s\n", v.Name, v.Server)
	case len(failing) == 0: // nothing checked
		fmt.Fprintf(w, "not verified: %s is not served as declared by %s\n", v.Name, v.Server)
	default:
		fmt.Fprintf(w, "not verified: %s is not served as declared by %s\n", v.Name, strings.Join(failing, ", "))
	}
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// resolverNames maps each [[resolvers]] address to its name, for
// printVerification.
func resolverNames(cfg *config.Config) map[string]string {
	names := map[string]string{}
	for _, r := range cfg.Resolvers {
		names[r.Address.String()] = r.Name
	}
	return names
}

// printDNSSECValid says, after a check that passed, that each signed zone
// validates at every server, until when, and against what (the line says:
// "served keys" proves the served set consistent, not that it is the one
// the parent names).
func printDNSSECValid(w io.Writer, sigs []verify.ZoneSignature) {
	for _, z := range sigs {
		fmt.Fprintf(w, "ok: %s\n", z)
	}
}
