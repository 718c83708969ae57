package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/rrset"
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
	fs, cfgPath := flags("verify", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*cfgPath)
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
