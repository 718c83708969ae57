package main

// The orchestrator's commands: register, update, unregister, records list
// (and verify NAME, in verify.go). Locally (the default) they edit the
// API's own files in records.d through internal/registry, as the daemon's
// API would, under the same lock (so that no write of the daemon's or of
// another command is lost), and the daemon applies them; each local write
// goes to the same [audit] file as the API's, as kind "cli" with the user.
// With --api they call a daemon's HTTP API through the client package.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/registry"
)

// recordFlags are the flags the record commands share.
type recordFlags struct {
	fs        *flag.FlagSet
	config    *string
	api       *string
	tokenFile *string
	wait      *bool // nil for commands that do not write
}

func newRecordFlags(name, positional string, stderr io.Writer, canWait bool) *recordFlags {
	fs, cfg := flags(name, stderr)
	f := &recordFlags{
		fs:        fs,
		config:    cfg,
		api:       fs.String("api", "", "call the daemon's HTTP API at this URL (http://host:port or unix:/path) instead of editing records.d here"),
		tokenFile: fs.String("token-file", "", "with --api: file holding the bearer token (its first token line; \"ID:TOKEN\" sends TOKEN)"),
	}
	if canWait {
		f.wait = fs.Bool("wait", false, "with --api: answer once the change is served (bounded by the daemon); exit 2 when it is still pending")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s [flags]\n", fs.Name(), positional)
		fs.PrintDefaults()
	}
	return f
}

// parse parses flags wherever they are among the positional arguments
// ("--" ends the flags) and checks the number of positionals.
func (f *recordFlags) parse(args []string, minArgs, maxArgs int) ([]string, int, bool) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) < minArgs || len(pos) > maxArgs {
		f.fs.Usage()
		return nil, exitUsage, false
	}
	if *f.api == "" && (*f.tokenFile != "" || f.wait != nil && *f.wait) {
		fmt.Fprintf(f.fs.Output(), "%s: --token-file and --wait need --api\n", f.fs.Name())
		return nil, exitUsage, false
	}
	return pos, 0, true
}

// client returns the API client for --api, or nil in local mode.
func (f *recordFlags) client() (*client.Client, error) {
	if *f.api == "" {
		return nil, nil
	}
	if !strings.HasPrefix(*f.api, "unix:/") {
		u, err := url.Parse(*f.api)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("--api %q: want http://host:port, https://host:port or unix:/path", *f.api)
		}
	}
	token := ""
	if *f.tokenFile != "" {
		// The daemon's own parser: a file that works for it works here.
		tokens, err := api.ReadTokens(*f.tokenFile)
		if err != nil {
			return nil, err
		}
		token = tokens[0].Secret
	}
	return client.New(*f.api, token), nil
}

// local is records.d as this host sees it, for one command.
type local struct {
	cfg   *config.Config
	store *desired.Store
	reg   *registry.Registry
}

func openLocal(cfgPath string) (*local, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	opts := desiredOptions(cfg)
	store := desired.NewStore(opts, nil)
	if _, err := store.Scan(); err != nil {
		return nil, err
	}
	return &local{cfg: cfg, store: store, reg: &registry.Registry{Options: opts, Declared: store}}, nil
}

// writer is a local command's way to edit records.d: the registry, and the
// audit log every write goes to.
type writer struct {
	*local
	audit *audit.Log // nil without [audit] file
	user  string
	uid   int
}

// openWriter opens records.d and the audit log for one write. A write that
// could not be audited is not made: the audit file is opened first.
func openWriter(cfgPath string) (*writer, error) {
	l, err := openLocal(cfgPath)
	if err != nil {
		return nil, err
	}
	w := &writer{local: l}
	w.user, w.uid = cliUser()
	if l.cfg.Audit.File != "" {
		if w.audit, err = audit.Open(l.cfg.Audit.File); err != nil {
			return nil, fmt.Errorf("%w; nothing written (every write to records.d is audited)", err)
		}
	}
	return w, nil
}

// record audits one write as the API audits its own: what was asked and
// what became of it. Its error is the command's to report (notAudited).
func (w *writer) record(op string, rec registry.Record, ch registry.Change, err error) error {
	result := "unchanged"
	switch {
	case err != nil:
		result = err.Error()
	case !ch.Changed:
	case w.cfg.Orchestrator.DNS.AutoRegister:
		result = "accepted"
	default:
		result = "pending"
	}
	uid := w.uid
	ev := audit.Event{Kind: "cli", User: w.user, UID: &uid, Action: op, Name: rec.Name, Type: rec.Type, Value: rec.Value, Result: result}
	return w.audit.Record(ev)
}

// notAudited ends a command whose write was made (or found unchanged) but
// whose audit line could not be written: the change stays in records.d
// (undoing it could fail too, and would need a trail of its own), and the
// command exits non-zero so that a script or a person notices the gap in
// the trail; the daemon applies the change as any other.
func notAudited(stderr io.Writer, op, name string, ch registry.Change, err error) int {
	what := "written, but not audited"
	if !ch.Changed {
		what = "nothing changed, and not audited"
	}
	return fail(stderr, fmt.Errorf("%s %s: %s: %w", op, name, what, err))
}

func (w *writer) close() { w.audit.Close() }

// applyNote says what happens next to a change written to records.d.
func (l *local) applyNote(name string) string {
	if !l.cfg.Orchestrator.DNS.AutoRegister {
		return "auto_register is off: `dnssync apply` applies it"
	}
	return fmt.Sprintf("the daemon applies it when it sees the file; `dnssync verify %s` checks that it is served", name)
}

func cmdRegister(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cmdWrite(ctx, "register", args, stdout, stderr)
}

func cmdUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cmdWrite(ctx, "update", args, stdout, stderr)
}

// cmdWrite is register (add a value to the RRset) and update (replace the
// RRset with the value).
func cmdWrite(ctx context.Context, op string, args []string, stdout, stderr io.Writer) int {
	f := newRecordFlags(op, "NAME VALUE", stderr, true)
	typ := f.fs.String("type", "", "record type: A, AAAA, CNAME, TXT, SRV, MX, CAA, PTR, NS (default: A or AAAA, from the address)")
	var ttl *uint32
	f.fs.Func("ttl", "TTL in seconds (default: [orchestrator.dns] ttl; update keeps the current one)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return errors.New("want a number of seconds")
		}
		t := uint32(v)
		ttl = &t
		return nil
	})
	pos, code, ok := f.parse(args, 2, 2)
	if !ok {
		return code
	}
	name, value := pos[0], pos[1]
	t := strings.ToUpper(strings.TrimSpace(*typ))
	if t == "" {
		var err error
		if t, err = addrType(value); err != nil {
			fmt.Fprintf(stderr, "dnssync %s: %v\n", op, err)
			return exitUsage
		}
	}
	c, err := f.client()
	if err != nil {
		return fail(stderr, err)
	}
	if c != nil {
		req := client.WriteRequest{Name: name, RecordType: t, Value: value, TTL: ttl}
		var res client.WriteResult
		if op == "register" {
			res, err = c.Register(ctx, req, *f.wait)
		} else {
			res, err = c.Update(ctx, req, *f.wait)
		}
		if err != nil {
			return fail(stderr, err)
		}
		return printWriteResult(stdout, pastTense(op), res, *f.wait)
	}

	l, err := openWriter(*f.config)
	if err != nil {
		return fail(stderr, err)
	}
	defer l.close()
	rec := registry.Record{Name: name, Type: t, Value: value, TTL: ttl}
	var ch registry.Change
	if op == "register" {
		ch, err = l.reg.Register(ctx, rec)
	} else {
		ch, err = l.reg.Update(ctx, rec)
	}
	aerr := l.record(op, rec, ch, err)
	if err != nil {
		if aerr != nil {
			fmt.Fprintf(stderr, "dnssync: %v\n", aerr)
		}
		return fail(stderr, fmt.Errorf("%s %s: %w", op, name, err))
	}
	shown := displayName(name)
	switch {
	case !ch.Changed && op == "register":
		fmt.Fprintf(stdout, "unchanged: %s %s %s is already registered\n", shown, t, value)
	case !ch.Changed:
		fmt.Fprintf(stdout, "unchanged: %s %s is already %s\n", shown, t, value)
	default:
		fmt.Fprintf(stdout, "%s %s %s %s in %s\n", pastTense(op), shown, t, value, l.reg.Path(name))
		fmt.Fprintln(stdout, l.applyNote(shown))
	}
	if aerr != nil {
		return notAudited(stderr, op, name, ch, aerr)
	}
	return exitOK
}

func pastTense(op string) string {
	if op == "update" {
		return "updated"
	}
	return op + "ed"
}

// addrType picks A or AAAA for an address value.
func addrType(value string) (string, error) {
	a, err := netip.ParseAddr(value)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not an IP address: pass --type (e.g. --type CNAME)", value)
	case a.Is4() || a.Is4In6():
		return "A", nil // a mapped address is refused with advice by the A check
	default:
		return "AAAA", nil
	}
}

func cmdUnregister(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newRecordFlags("unregister", "NAME", stderr, true)
	typ := f.fs.String("type", "", "remove only this type's records (default: every type)")
	pos, code, ok := f.parse(args, 1, 1)
	if !ok {
		return code
	}
	name, t := pos[0], strings.ToUpper(strings.TrimSpace(*typ))
	c, err := f.client()
	if err != nil {
		return fail(stderr, err)
	}
	if c != nil {
		res, err := c.Unregister(ctx, name, t, *f.wait)
		if err != nil {
			return fail(stderr, err)
		}
		if res.Name == "" {
			res.Name, res.RecordType = displayName(name), t
		}
		return printWriteResult(stdout, "unregistered", res, *f.wait)
	}

	l, err := openWriter(*f.config)
	if err != nil {
		return fail(stderr, err)
	}
	defer l.close()
	path := l.reg.Path(name)
	ch, err := l.reg.Unregister(ctx, name, t)
	aerr := l.record("unregister", registry.Record{Name: name, Type: t}, ch, err)
	if err != nil {
		if aerr != nil {
			fmt.Fprintf(stderr, "dnssync: %v\n", aerr)
		}
		return fail(stderr, fmt.Errorf("unregister %s: %w", name, err))
	}
	what := "every record"
	if t != "" {
		what = "its " + t + " records"
	}
	shown := displayName(name)
	if len(ch.After) == 0 {
		fmt.Fprintf(stdout, "unregistered %s (%s): removed %s\n", shown, what, path)
	} else {
		fmt.Fprintf(stdout, "unregistered %s (%s) in %s\n", shown, what, path)
	}
	fmt.Fprintln(stdout, l.applyNote(shown))
	if aerr != nil {
		return notAudited(stderr, "unregister", name, ch, aerr)
	}
	return exitOK
}

// printWriteResult prints the API's answer to a write. With --wait, a
// change not yet served exits exitPending.
func printWriteResult(w io.Writer, verb string, res client.WriteResult, waited bool) int {
	what := strings.TrimSpace(strings.Join([]string{res.Name, res.RecordType, res.Value}, " "))
	if res.TTL != 0 {
		what += fmt.Sprintf(" (ttl %d)", res.TTL)
	}
	if res.Status == "unchanged" {
		fmt.Fprintf(w, "unchanged: %s\n", what)
	} else {
		fmt.Fprintf(w, "%s %s: %s\n", verb, what, res.Status)
	}
	if res.Message != "" {
		fmt.Fprintf(w, "  %s\n", res.Message)
	}
	if waited && (res.Status == "accepted" || res.Status == "pending") {
		return exitPending
	}
	return exitOK
}

func cmdRecords(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newRecordFlags("records", "list", stderr, false)
	asJSON := f.fs.Bool("json", false, `print {"success": true, "data": [...]}, as GET /api/v1/dns/records answers`)
	pos, code, ok := f.parse(args, 1, 1)
	if !ok {
		return code
	}
	if pos[0] != "list" {
		fmt.Fprintf(stderr, "dnssync records: unknown subcommand %q (want list)\n", pos[0])
		return exitUsage
	}
	c, err := f.client()
	if err != nil {
		return fail(stderr, err)
	}
	var recs []client.Record
	if c != nil {
		if recs, err = c.ListRecords(ctx, client.ListFilter{}); err != nil {
			return fail(stderr, err)
		}
	} else {
		l, err := openLocal(*f.config)
		if err != nil {
			return fail(stderr, err)
		}
		for _, p := range l.store.State().Problems {
			fmt.Fprintf(stderr, "invalid: %v (its last good content, if any, is listed)\n", p)
		}
		decl := l.store.AllDeclared()
		recs = make([]client.Record, len(decl))
		for i, d := range decl {
			recs[i] = registry.ToRecord(d)
		}
	}
	if *asJSON {
		if recs == nil {
			recs = []client.Record{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		// Data as any, as the daemon answers: an empty list is still
		// "data": [] (omitempty drops an empty typed slice).
		if err := enc.Encode(client.Response[any]{Success: true, Data: recs}); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tTTL\tVALUE\tSOURCE")
	for _, r := range recs {
		src := r.Source
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Name, r.RecordType, r.TTL, r.Value, src)
	}
	if err := tw.Flush(); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// displayName is name as the API shows it: lower case, no trailing dot.
func displayName(name string) string {
	return strings.TrimSuffix(dns.CanonicalName(strings.TrimSpace(name)), ".")
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "dnssync: %v\n", err)
	return exitError
}
