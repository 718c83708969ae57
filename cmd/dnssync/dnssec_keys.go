package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// keyStore is where the daemon keeps the signed zones' keys: state_dir/keys.
func keyStore(cfg *config.Config) *dnssec.KeyStore {
	return &dnssec.KeyStore{Dir: filepath.Join(cfg.Backend.StateDir, "keys")}
}

// signedKeys is a signed zone and its keys as the KeyStore holds them.
type signedKeys struct {
	name    string // canonical, as the KeyStore takes it
	display string // without the trailing dot, as the CLI prints zones
	dir     string // the zone's key directory
	ttl     uint32 // the zone's SOA TTL: its DNSKEY and CDS records'
	keys    []*dnssec.Key
	roll    *dnssec.Roll        // the roll in progress; nil: none
	request *dnssec.RollRequest // a roll request the daemon has not taken; nil: none
	store   *dnssec.KeyStore
	policy  dnssec.Policy
	cfg     *config.Config
}

// signedZone finds zone in the managed zones, refuses one that is not
// signed, and loads its keys (none when the daemon has not made them yet).
// what names the command in errors ("dnssec ds").
func (c *cli) signedZone(what, zone string) (signedKeys, error) {
	cfg, err := config.Discover(c.config)
	if err != nil {
		return signedKeys{}, err
	}
	if err := managedZone(cfg, zone); err != nil {
		return signedKeys{}, fmt.Errorf("%s %s: %w", what, zone, err)
	}
	_, list, err := managedZones(cfg)
	if err != nil {
		return signedKeys{}, err
	}
	var z config.Zone
	for _, l := range list {
		if l.Name == zone {
			z = l
		}
	}
	sk := signedKeys{name: dns.CanonicalName(zone), display: strings.TrimSuffix(zone, "."), ttl: z.SOATTL}
	if !z.DNSSEC {
		return sk, fmt.Errorf("%s %s: not signed: set dnssec = true in its [[zones]] entry or zones.d file", what, sk.display)
	}
	if cfg.Backend.Type == config.RFC2136 {
		// The server signs: its keys are its own, dnssync holds none.
		return sk, fmt.Errorf("%s %s: the server signs %s (rfc2136 backend): its keys, their DS and their rolls are the server's (BIND: rndc dnssec -status %s; dig @server %s DNSKEY | dnssec-dsfromkey -f - %s)",
			what, sk.display, sk.display, sk.display, sk.display, sk.display)
	}
	store := keyStore(cfg)
	sk.store, sk.policy, sk.cfg = store, cfg.DNSSEC.Policy(), cfg
	sk.dir = filepath.Join(store.Dir, strings.TrimSuffix(sk.name, "."))
	sk.keys, sk.roll, err = store.LoadRoll(sk.name)
	if err == nil {
		sk.request, err = store.Request(sk.name)
	}
	if errors.Is(err, fs.ErrPermission) {
		return sk, fmt.Errorf("%s %s: cannot read the keys in %s: permission denied; run it as the user the daemon runs as (e.g. sudo -u dnssync)", what, sk.display, sk.dir)
	}
	if err != nil {
		return sk, fmt.Errorf("%s %s: %w", what, sk.display, err)
	}
	return sk, nil
}

// keyStatus is k as status shows it, at now: nothing secret.
func keyStatus(k *dnssec.Key, now time.Time) client.DNSSECKey {
	return client.DNSSECKey{
		KeyTag: k.Tag(), Role: string(k.Role), Algorithm: k.DNSKEY.Algorithm, AlgorithmName: dns.AlgorithmToString[k.DNSKEY.Algorithm],
		State: keyState(k, now), Created: k.Created, Published: k.Published, Active: k.Active, Retired: k.Retired, Removed: k.Removed,
	}
}

// keyState is where k is in its life (RFC 7583) at now.
func keyState(k *dnssec.Key, now time.Time) string {
	reached := func(t time.Time) bool { return !t.IsZero() && !now.Before(t) }
	switch {
	case k.IsActive(now):
		return "active"
	case reached(k.Removed):
		return "removed"
	case reached(k.Retired):
		return "retired"
	case k.IsPublished(now):
		return "published"
	}
	return "created"
}

// printDNSSECStatus prints st as a table, the key directory and the roll.
func printDNSSECStatus(w io.Writer, st client.DNSSECStatus, dir string) error {
	fmt.Fprintf(w, "zone %s: signed, keys in %s\n", st.Zone, dir)
	if len(st.Keys) == 0 {
		fmt.Fprintln(w, "keys: none yet (the daemon makes them on its first write of the zone)")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TAG\tROLE\tALGORITHM\tSTATE\tCREATED\tPUBLISHED\tACTIVE\tRETIRED\tREMOVED")
		for _, k := range st.Keys {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KeyTag, k.Role, k.AlgorithmName, k.State,
				keyTime(k.Created), keyTime(k.Published), keyTime(k.Active), keyTime(k.Retired), keyTime(k.Removed))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if st.RollRequested != "" {
		fmt.Fprintf(w, "roll requested: %s (the daemon takes it at its next scheduled pass)\n", st.RollRequested)
	}
	r := st.Roll
	if r == nil {
		_, err := fmt.Fprintf(w, "roll: none in progress (`dnssync dnssec roll %s` starts one)\n", st.Zone)
		return err
	}
	fmt.Fprintf(w, "roll: %s %d -> %d, started %s\n", r.Kind, r.OldKeyTag, r.NewKeyTag, keyTime(r.Started))
	fmt.Fprintf(w, "  stage: %s since %s: %s\n", r.Stage, keyTime(r.StageSince), r.StageDescription)
	switch {
	case r.Serial == 0:
		fmt.Fprintln(w, "  serial: not written yet")
	case r.Served.IsZero():
		fmt.Fprintf(w, "  serial: %d, not yet served everywhere\n", r.Serial)
	default:
		fmt.Fprintf(w, "  serial: %d, served everywhere since %s\n", r.Serial, keyTime(r.Served))
	}
	if !r.DSPublished.IsZero() {
		fmt.Fprintf(w, "  parent's new DS: served since %s\n", keyTime(r.DSPublished))
	}
	if !r.NextStepAfter.IsZero() {
		fmt.Fprintf(w, "  next step: not before %s\n", keyTime(r.NextStepAfter))
	}
	_, err := fmt.Fprintf(w, "  waiting for: %s\n", r.WaitingFor)
	return err
}

// rollStatus is roll as status shows it, at now; nil for none.
func rollStatus(r *dnssec.Roll, zone string, p dnssec.Policy, now time.Time) *client.DNSSECRoll {
	if r == nil {
		return nil
	}
	return &client.DNSSECRoll{
		Kind: string(r.Kind), OldKeyTag: r.Old, NewKeyTag: r.New, Stage: string(r.Stage), StageDescription: r.Describe(),
		Started: r.Started, StageSince: r.StageAt, Serial: r.Serial, Served: r.Served, NextStepAfter: r.NextAfter,
		DSPublished: r.DSPublished, WaitingFor: r.WaitingFor(zone, p, now),
	}
}

// requestText names a roll request as status prints it.
func requestText(req *dnssec.RollRequest) string {
	switch {
	case req == nil:
		return ""
	case req.Action == dnssec.RequestStart:
		return fmt.Sprintf("start %s", req.Kind)
	}
	return string(req.Action)
}

// keyTime is a key time as status prints it; "-" for one not set.
func keyTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// printJSON prints data in the API's envelope, as every --json does.
func (c *cli) printJSON(data any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(client.Response[any]{Success: true, Data: data}); err != nil {
		return c.fail(err)
	}
	return exitOK
}

// rollAnchors are [dnssec] trust_anchors for the key roll: a key they name
// is never removed (reconcile/rollgate.go).
func rollAnchors(cfg *config.Config) (reconcile.TrustAnchors, error) {
	if cfg.DNSSEC.TrustAnchors == "" {
		return reconcile.TrustAnchors{}, nil
	}
	zones, err := config.ReadTrustAnchors(cfg.DNSSEC.TrustAnchors)
	if err != nil {
		return reconcile.TrustAnchors{}, err
	}
	return reconcile.TrustAnchors{File: cfg.DNSSEC.TrustAnchors, Zones: zones}, nil
}
