package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/textcap"
	"github.com/dnssync/dnssync/internal/zoneio"
)

// importFlags are `dnssync import`'s options.
type importFlags struct {
	fromFile, groupBy, server string
	dryRun, skipUnsupported   bool
}

func (c *cli) importCmd() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import ZONE [--from-file PATH] [--group-by name|label|zone] [--dry-run]",
		Short: "Write records.d files for a zone as it is served now, or as a zone file says",
		Long: `Read ZONE as the server serves it now (by zone transfer from the configured
server, signed with the TSIG key when the rfc2136 backend has one; --server
asks another), or from an RFC 1035 zone file (--from-file, $ORIGIN ZONE),
and write records.d files that declare it: one file per owner name
(web-01.example.com.yaml), or per label below the zone (--group-by label:
_acme-challenge.web-01 goes with web-01), or one for the zone (--group-by
zone). TTLs are kept per RRset. Right after an import, ` + "`dnssync plan`" + ` changes
nothing; where it will, a note on stderr says why.

Left out by design: the SOA, the apex NS and the nameservers' addresses
(the config's [[zones]] makes them; a note says where they differ from what
is served), and DNSSEC records (the signer's). Records records.d cannot
declare (other types, odd names, data its values cannot say, a CNAME
beside other data) stop the import unless --skip-unsupported: the zonefile
backend would delete them. The import adds to records.d as plan reads it:
a set a file declares already as served is skipped, one declared otherwise
stops the import (as unsupported ones do), and so does an invalid file.

No file is replaced: if any file to write exists, the error names it and
nothing is written. --dry-run prints the files instead of writing them.
ZONE must be a [[zones]] entry of the config. Import before the daemon
manages the zone: records.d half written is a zone half declared.`,
		Example: `  dnssync import example.com --dry-run
  dnssync import example.com --group-by label
  dnssync import example.com --from-file /etc/bind/db.example.com
  dnssync import example.com --server 192.0.2.53:53 && dnssync plan`,
		Args:              positional("ZONE", 1, 1),
		ValidArgsFunction: noFiles,
	}
	fl := cmd.Flags()
	fl.StringVar(&f.fromFile, "from-file", "", "read the zone from this RFC 1035 zone file instead of a zone transfer")
	fl.StringVar(&f.groupBy, "group-by", "name", "records per file: "+strings.Join(zoneio.GroupNames, ", "))
	fl.StringVar(&f.server, "server", "", "transfer the zone from this HOST:PORT instead of the configured server")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the files it would write (names and content); write nothing")
	fl.BoolVar(&f.skipUnsupported, "skip-unsupported", false, "import the rest when some RRsets cannot be imported (records.d cannot declare them, or declares them otherwise)")
	cmd.MarkFlagFilename("from-file")
	cmd.RegisterFlagCompletionFunc("group-by", cobra.FixedCompletions(zoneio.GroupNames, cobra.ShellCompDirectiveNoFileComp))
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, args []string) int {
		group, err := zoneio.ParseGroupBy(f.groupBy)
		if err != nil {
			return c.usageError(cmd, fmt.Errorf("--group-by: %w", err))
		}
		if f.fromFile != "" && f.server != "" {
			return c.usageError(cmd, errors.New("--from-file and --server exclude each other"))
		}
		zone, err := zoneArg(args[0])
		if err != nil {
			return c.usageError(cmd, err)
		}
		return c.importZone(ctx, zone, group, f)
	})
	return cmd
}

// zoneArg checks a ZONE argument as records.d checks names and returns
// it canonical.
func zoneArg(s string) (string, error) {
	zone, err := desired.CheckName(s)
	if err != nil || strings.HasPrefix(zone, "*") {
		return "", fmt.Errorf("%s is not a zone name", textcap.Quote(s, textcap.QuoteLen))
	}
	return zone, nil
}

// managedZone refuses a zone the config does not manage: records.d may
// declare nothing in it.
func managedZone(cfg *config.Config, zone string) error {
	_, list, err := managedZones(cfg)
	if err != nil {
		return err
	}
	if !slices.Contains(zoneNames(list), zone) {
		return fmt.Errorf("zone %s is not managed: add a [[zones]] entry for it to %s, or a file for it to %s, first (records.d may declare names of managed zones only)", zone, cfg.SourceName(), cfg.Records.ZonesDir)
	}
	return nil
}

func (c *cli) importZone(ctx context.Context, zone string, group zoneio.GroupBy, f importFlags) int {
	cfg, err := config.Discover(c.config)
	if err != nil {
		return c.fail(err)
	}
	if err := managedZone(cfg, zone); err != nil {
		return c.fail(err)
	}
	rrs, source, err := readZone(ctx, cfg, zone, f)
	if err != nil {
		return c.fail(err)
	}
	records := desiredOptions(cfg)
	var base []dns.RR
	if cfg.Backend.Type == config.ZoneFile {
		// The SOA, apex NS and nameserver addresses the zonefile backend
		// writes; an rfc2136 server keeps its own.
		if base, err = zoneBase(cfg, zone); err != nil {
			return c.fail(err)
		}
	}
	existing, err := c.recordsDirNow(zone, records)
	if err != nil {
		return c.fail(err)
	}
	res, err := zoneio.Import(rrs, zoneio.Options{Zone: zone, Records: records, GroupBy: group, Source: source, Base: base, Existing: existing})
	if err != nil {
		return c.fail(err)
	}
	for _, s := range zoneio.Summary(res.Skipped) {
		fmt.Fprintf(c.stderr, "skipped: %s\n", s)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(c.stderr, "note: %s\n", n)
	}
	if err := c.leftOut(zone, res, f.skipUnsupported); err != nil {
		return c.fail(err)
	}
	if len(res.Files) == 0 {
		fmt.Fprintf(c.stdout, "%s: nothing to import (%s)\n", zone, source)
		return exitOK
	}
	reg := &registry.Registry{Options: records}
	files := make([]registry.NewFile, len(res.Files))
	names := make([]string, len(res.Files))
	for i, file := range res.Files {
		files[i] = registry.NewFile{Name: file.Name, Data: file.Data}
		names[i] = file.Name
	}
	summary := fmt.Sprintf("%s in %s of %s, in %s in %s", importCount(res.Records, "record"), importCount(res.Sets, "RRset"), zone, importCount(len(res.Files), "file"), records.Dir)
	if f.dryRun {
		// The same refusal as a real import, so that a dry run says
		// whether the import would work.
		there, err := reg.Existing(names)
		if err == nil && len(there) > 0 {
			err = fmt.Errorf("%s %w; an import would write nothing", strings.Join(there, ", "), registry.ErrExists)
		}
		if err != nil {
			return c.fail(err)
		}
		for _, file := range res.Files {
			fmt.Fprintf(c.stdout, "==> %s <==\n%s\n", filepath.Join(reg.Options.Dir, file.Name), file.Data)
		}
		fmt.Fprintf(c.stdout, "dry run: would write %s; nothing written\n", summary)
		return exitOK
	}
	if err := reg.Create(ctx, files); err != nil {
		return c.fail(fmt.Errorf("import %s: %w", zone, err))
	}
	fmt.Fprintf(c.stdout, "imported %s\n", summary)
	return exitOK
}

// recordsDirNow reads records.d as plan does, for the import to add to
// it: a set declared already is not declared twice. An invalid file, or
// one not read yet, may declare any name, so the import refuses until
// records.d reads whole.
func (c *cli) recordsDirNow(zone string, records desired.Options) (*desired.Store, error) {
	store := desired.NewStore(records, slog.New(slog.DiscardHandler))
	if _, err := store.Scan(); err != nil {
		return nil, fmt.Errorf("import %s: read records.d: %w", zone, err)
	}
	if st := store.State(); len(st.Problems) > 0 {
		printProblems(c.stderr, st.Problems)
		return nil, fmt.Errorf("import %s: records.d does not read whole (problems above), so what it declares already is unknown; nothing written", zone)
	}
	return store, nil
}

// leftOut lists the sets the import cannot write (unsupported, or
// declared otherwise in records.d) and refuses to import without them
// unless skip.
func (c *cli) leftOut(zone string, res *zoneio.Result, skip bool) error {
	n := len(res.Unsupported) + len(res.Conflicts)
	if n == 0 {
		return nil
	}
	unsupported, conflict := "unsupported", "conflict"
	if skip {
		unsupported, conflict = "not imported", "not imported"
	}
	for _, s := range res.Unsupported {
		fmt.Fprintf(c.stderr, "%s: %s\n", unsupported, s)
	}
	for _, s := range res.Conflicts {
		fmt.Fprintf(c.stderr, "%s: %s\n", conflict, s)
	}
	if skip {
		return nil
	}
	return fmt.Errorf("import %s: %s cannot be imported (listed above: records.d cannot declare them as served, or declares them otherwise); nothing written. With --skip-unsupported the rest is imported; the zonefile backend then deletes what records.d does not declare on the next apply", zone, importCount(n, "RRset"))
}

// readZone reads the zone's records from the file or by transfer, and
// says from where, for the files' header.
func readZone(ctx context.Context, cfg *config.Config, zone string, f importFlags) ([]dns.RR, string, error) {
	if f.fromFile != "" {
		file, err := os.Open(f.fromFile)
		if err != nil {
			return nil, "", fmt.Errorf("import %s: %w", zone, err)
		}
		defer file.Close()
		rrs, err := zoneio.ReadZoneFile(file, zone, f.fromFile)
		if err != nil {
			return nil, "", fmt.Errorf("import %s: %w", zone, err)
		}
		return rrs, "zone file " + f.fromFile, nil
	}
	addr := cfg.Authoritative().String()
	if f.server != "" {
		addr = f.server
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, "53")
		}
	}
	client, err := transferClient(cfg, addr)
	if err != nil {
		return nil, "", err
	}
	var rrs []dns.RR
	serial, err := client.Stream(ctx, zone, func(rr dns.RR) error {
		rrs = append(rrs, rr)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("import %s: %w", zone, err)
	}
	return rrs, fmt.Sprintf("a transfer of %s from %s, serial %d", zone, addr, serial), nil
}

// transferClient reads zones from addr as the daemon does
// (newReconciler): signed with the rfc2136 backend's TSIG key when there
// is one, the same bound on the whole transfer.
func transferClient(cfg *config.Config, addr string) (*observed.Client, error) {
	if cfg.Backend.Type != config.RFC2136 {
		return zoneReader(addr, nil), nil
	}
	secret, err := apply.ReadTSIGSecret(cfg.Backend.TSIGSecretFile)
	if err != nil {
		return nil, err
	}
	return zoneReader(addr, &observed.TSIG{Name: cfg.Backend.TSIGKey, Algorithm: cfg.Backend.TSIGAlgorithm, Secret: secret}), nil
}

// zoneBase is the SOA, apex NS and nameserver addresses [[zones]] makes
// for zone, as the zonefile backend writes them (whatever the backend:
// export needs an SOA either way).
func zoneBase(cfg *config.Config, zone string) ([]dns.RR, error) {
	_, list, err := managedZones(cfg)
	if err != nil {
		return nil, err
	}
	zf, err := apply.NewZoneFile(apply.ZoneFileOptions{Dir: cfg.Backend.ZoneDir, Zones: applyZones(cfg)(list)})
	if err != nil {
		return nil, err
	}
	return zf.Base(zone), nil
}

// importCount is "1 file", "2 files".
func importCount(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
