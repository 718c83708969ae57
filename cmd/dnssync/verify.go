package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/verify"
)

// cmdVerify is `dnssync verify [NAME]`, pos its arguments; its command
// line (flags, argument count, --api only with a NAME) is verifyCmd's.
func cmdVerify(ctx context.Context, f *recordFlags, pos []string, asJSON *bool, stdout, stderr io.Writer) int {
	if len(pos) == 1 {
		return verifyName(ctx, f, pos[0], *asJSON, stdout, stderr)
	}
	cfg, err := config.Discover(*f.config)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return exitError
	}
	r, err := newVerifier(cfg, slog.New(slog.DiscardHandler), func(err error) { fmt.Fprintf(stderr, "dnssync: verify: %v\n", err) })
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
		if err := printVerificationJSON(stdout, rep.JSON("")); err != nil {
			return fail(stderr, err)
		}
	} else {
		for _, f := range rep.NotVerified() {
			mark := "FAIL"
			switch f.Status {
			case verify.StatusLagging:
				mark = "LAG "
			case verify.StatusStale:
				mark = "STALE"
			}
			fmt.Fprintf(stdout, "%s %s\n", mark, f)
		}
		for _, s := range rep.Sync {
			if !s.InSync { // an authoritative server fails the check; a resolver is in its records' lines
				fmt.Fprintf(stdout, "SYNC %s\n", s)
			}
		}
		for _, z := range rep.DNSSECFailed() { // a signed zone not validating at a server
			fmt.Fprintf(stdout, "FAIL %s\n", z)
		}
		if rep.OK() {
			// Stale sets count as checked too, but there are none.
			fmt.Fprintf(stdout, "ok: %d RRsets served as desired by %d servers, none stale\n", rep.Checked/max(len(rep.Servers), 1), len(rep.Servers))
			printDNSSECValid(stdout, rep.DNSSEC)
		}
	}
	if !rep.OK() {
		return exitError
	}
	return exitOK
}

// verifyName resolves the RRsets records.d declares at name against the
// authoritative server and every resolver, here or by the daemon (--api:
// the same check, verify.NameAt, with the daemon's servers), and prints each type's want and
// served, and per resolver "served" or "will serve by T".
func verifyName(ctx context.Context, f *recordFlags, name string, asJSON bool, stdout, stderr io.Writer) int {
	c, err := f.client()
	if err != nil {
		return fail(stderr, err)
	}
	var (
		v     client.Verification
		names map[string]string // resolvers' names; asked of the daemon: its own, unknown here
	)
	if c != nil {
		if v, err = c.Verify(ctx, name); err != nil {
			return fail(stderr, err)
		}
	} else {
		l, err := openLocal(*f.config)
		if err != nil {
			return fail(stderr, err)
		}
		// The API's check, run here: an invalid or undeclared name is
		// refused in the API's words (its 422 and 404), exit 1.
		// The authoritative server, then [verify] nameservers and
		// [[resolvers]], as their clients ask them.
		if v, err = verify.NameAt(ctx, checkServers(l.cfg), name, l.store); err != nil {
			return fail(stderr, fmt.Errorf("verify %s: %w", name, err))
		}
		names = resolverNames(l.cfg)
	}
	if asJSON {
		if err := printVerificationJSON(stdout, v); err != nil {
			return fail(stderr, err)
		}
	} else {
		printVerification(stdout, v, names)
	}
	if !v.Verified {
		return exitError
	}
	return exitOK
}

// printVerificationJSON prints v as the API answers it, in its envelope: every
// `verify --json`, of one name or of all, local or asked of the daemon,
// prints this one shape.
func printVerificationJSON(w io.Writer, v client.Verification) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(client.Response[client.Verification]{Success: true, Data: v})
}
