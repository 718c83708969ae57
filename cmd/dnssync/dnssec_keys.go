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
	store := keyStore(cfg)
	sk.dir = filepath.Join(store.Dir, strings.TrimSuffix(sk.name, "."))
	sk.keys, err = store.Load(sk.name)
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
	_, err := fmt.Fprintln(w, "roll: none in progress (dnssync does not roll keys yet)")
	return err
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
