package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// verifyJSON is `dnssync verify --json`.
type verifyJSON struct {
	OK       bool          `json:"ok"`
	Checked  int           `json:"checked"`
	Servers  []string      `json:"servers"`
	Failures []failureJSON `json:"failures"`
}

type failureJSON struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Server    string   `json:"server"`
	Want      []string `json:"want"`
	WantTTL   uint32   `json:"want_ttl"`
	Served    []string `json:"served"`
	ServedTTL uint32   `json:"served_ttl,omitempty"`
	Error     string   `json:"error,omitempty"`
	Lagging   bool     `json:"lagging,omitempty"`
}

func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newRecordFlags("verify", "[NAME]", stderr, false)
	asJSON := f.fs.Bool("json", false, "print the report as JSON")
	pos, code, ok := f.parse(args, 0, 1)
	if !ok {
		return code
	}
	if len(pos) == 1 {
		return verifyName(ctx, f, pos[0], *asJSON, stdout, stderr)
	}
	if *f.api != "" {
		fmt.Fprintln(stderr, "dnssync verify: --api needs a NAME (checking every record runs here, on the DNS host)")
		return exitUsage
	}
	cfg, err := config.Load(*f.config)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return exitError
	}
	r, _, err := newReconciler(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return exitError
	}
	rep, err := r.Verify(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return exitError
	}
	if *asJSON {
		out := verifyJSON{OK: rep.OK(), Checked: rep.Checked, Servers: rep.Servers, Failures: []failureJSON{}}
		for _, f := range rep.Failures {
			fj := failureJSON{Name: f.Key.Name, Type: dns.TypeToString[f.Key.Type], Server: f.Server,
				Want: values(f.Want), Served: values(f.Served), Lagging: f.Lagging}
			if f.Want != nil {
				fj.WantTTL = f.Want.TTL
			}
			if f.Served != nil {
				fj.ServedTTL = f.Served.TTL
			}
			if f.Err != nil {
				fj.Error = f.Err.Error()
			}
			out.Failures = append(out.Failures, fj)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	} else {
		for _, f := range rep.Failures {
			mark := "FAIL"
			if f.Lagging {
				mark = "LAG "
			}
			fmt.Fprintf(stdout, "%s %s\n", mark, f)
		}
		if rep.OK() {
			fmt.Fprintf(stdout, "ok: %d RRsets served as desired by %d servers\n", rep.Checked/max(len(rep.Servers), 1), len(rep.Servers))
		}
	}
	if !rep.OK() {
		return exitError
	}
	return exitOK
}

// values is never nil, so that JSON shows [] for "not served".
func values(s *rrset.Set) []string {
	if s == nil {
		return []string{}
	}
	return s.Values()
}

// verifyName resolves the RRsets records.d declares at name against the
// authoritative server (locally), or asks the daemon to (--api), and prints
// each type's want and served.
func verifyName(ctx context.Context, f *recordFlags, name string, asJSON bool, stdout, stderr io.Writer) int {
	c, err := f.client()
	if err != nil {
		return fail(stderr, err)
	}
	var v client.Verification
	if c != nil {
		if v, err = c.Verify(ctx, name); err != nil {
			return fail(stderr, err)
		}
	} else {
		l, err := openLocal(*f.config)
		if err != nil {
			return fail(stderr, err)
		}
		decl := l.store.DeclaredAt(name)
		if len(decl) == 0 {
			return fail(stderr, fmt.Errorf("verify %s: records.d declares nothing at that name", name))
		}
		addr, err := authoritativeAddr(l.cfg)
		if err != nil {
			return fail(stderr, err)
		}
		v = registry.Check(ctx, &verify.Resolver{Addr: addr, Timeout: 2 * time.Second}, addr, name, decl)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(client.Response[client.Verification]{Success: true, Data: v})
	} else {
		printVerification(stdout, v)
	}
	if !v.Verified {
		return exitError
	}
	return exitOK
}

func printVerification(w io.Writer, v client.Verification) {
	set := func(ttl uint32, vals []string) string {
		if len(vals) == 0 {
			return "-"
		}
		return fmt.Sprintf("%d [%s]", ttl, strings.Join(vals, ", "))
	}
	for _, r := range v.Records {
		switch {
		case r.Verified:
			fmt.Fprintf(w, "ok   %s %s: %s\n", v.Name, r.RecordType, set(r.WantTTL, r.Want))
		case r.Error != "":
			fmt.Fprintf(w, "FAIL %s %s: want %s: %s\n", v.Name, r.RecordType, set(r.WantTTL, r.Want), r.Error)
		default:
			fmt.Fprintf(w, "FAIL %s %s: want %s, served %s\n", v.Name, r.RecordType, set(r.WantTTL, r.Want), set(r.ServedTTL, r.Served))
		}
	}
	if v.Verified {
		fmt.Fprintf(w, "verified: %s is served as declared by %s\n", v.Name, v.Server)
	} else {
		fmt.Fprintf(w, "not verified: %s is not served as declared by %s\n", v.Name, v.Server)
	}
}
