//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// perFile is how many records one records.d file holds: the shape an
// orchestrator leaves (one file per server group).
const perFile = 100

// layout is a generated fleet: n A records, record i in zone i/perZone and
// in file i/perFile. One zone of n records, or many zones of perFile
// records each (one file per zone).
type layout struct {
	n       int
	perZone int
	zone    func(z int) string // zone name, without the trailing dot
	file    func(f int) string // records.d file name
	// zonesD: the zones are declared in zones.d (one file each, see
	// writeZonesDir), not as [[zones]] in the config.
	zonesD bool
}

func oneZone(n int) layout {
	return layout{n: n, perZone: n,
		zone: func(int) string { return "bench.test" },
		file: func(f int) string { return fmt.Sprintf("group-%04d.yaml", f) }}
}

func manyZones(zones int) layout {
	return layout{n: zones * perFile, perZone: perFile,
		zone: func(z int) string { return fmt.Sprintf("zone-%04d.bench.test", z) },
		file: func(f int) string { return fmt.Sprintf("zone-%04d.yaml", f) }}
}

// manyZonesD is manyZones declared in zones.d.
func manyZonesD(zones int) layout {
	l := manyZones(zones)
	l.zonesD = true
	return l
}

func (l layout) zones() int { return (l.n + l.perZone - 1) / l.perZone }
func (l layout) files() int { return (l.n + perFile - 1) / perFile }

// name is record i's owner name, fully qualified.
func (l layout) name(i int) string {
	return fmt.Sprintf("host-%06d.%s.", i, l.zone(i/l.perZone))
}

// value is record i's address as generated: unique for i < 2^24.
func value(i int) string {
	return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
}

// changed is the value of the k-th change: 192.0.2.1, .2, ...
func changed(k int) string { return fmt.Sprintf("192.0.2.%d", k%250+1) }

// overrides are values that differ from the generated ones, by record.
type overrides map[int]string

func (o overrides) value(i int) string {
	if v, ok := o[i]; ok {
		return v
	}
	return value(i)
}

// writeRecordsFile writes file f's YAML to w.
func (l layout) writeRecordsFile(w io.Writer, f int, o overrides) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("records:\n")
	for i := f * perFile; i < min(l.n, (f+1)*perFile); i++ {
		fmt.Fprintf(bw, "  - name: %s\n    type: A\n    value: %s\n", l.name(i), o.value(i))
	}
	return bw.Flush()
}

// writeRecordsDir writes every records.d file into dir, one at a time.
func (l layout) writeRecordsDir(dir string) error {
	for f := 0; f < l.files(); f++ {
		if err := writeFile(filepath.Join(dir, l.file(f)), func(w io.Writer) error {
			return l.writeRecordsFile(w, f, nil)
		}); err != nil {
			return err
		}
	}
	return nil
}

// zonesDirFile is the zones.d file of zone z: the name `dnssync zones add`
// gives it (zones.FileName).
func (l layout) zonesDirFile(z int) string { return l.zone(z) + ".yaml" }

// writeZonesDir writes one zones.d file per zone into dir: its name only,
// every other key at the default a [[zones]] entry has.
func (l layout) writeZonesDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for z := 0; z < l.zones(); z++ {
		if err := writeFile(filepath.Join(dir, l.zonesDirFile(z)), func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "zone:\n  name: %s\n", l.zone(z))
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// renderZone writes zone z as a zone file: what dnssync's zonefile backend
// renders from the same records and the default [[zones]] settings (SOA,
// apex NS ns1.<zone>, its address 127.0.0.1, records with TTL 300), in
// its form: $ORIGIN, $TTL, owners relative to the zone, no class. CoreDNS
// alone then reads as much text as behind dnssync.
func (l layout) renderZone(w io.Writer, z int, serial uint32, o overrides) error {
	zone := l.zone(z) + "."
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "$ORIGIN %s\n$TTL 300\n", zone)
	fmt.Fprintf(bw, "@\t3600\tSOA\tns1.%s hostmaster.%s %d 3600 600 604800 300\n", zone, zone, serial)
	fmt.Fprintf(bw, "@\t3600\tNS\tns1.%s\n", zone)
	bw.WriteString("ns1\t3600\tA\t127.0.0.1\n")
	for i := z * l.perZone; i < min(l.n, (z+1)*l.perZone); i++ {
		fmt.Fprintf(bw, "%s\tA\t%s\n", strings.TrimSuffix(l.name(i), "."+zone), o.value(i))
	}
	return bw.Flush()
}

// zoneFileName is the name CoreDNS's auto plugin maps to zone z.
func (l layout) zoneFileName(z int) string { return "db." + l.zone(z) }

// seedZone is a dynupdate seed for zone: SOA, NS and the name server's
// address, nothing else.
func seedZone(zone string) string {
	return fmt.Sprintf("%[1]s.\t3600\tIN\tSOA\tns1.%[1]s. hostmaster.%[1]s. 1 3600 600 604800 300\n"+
		"%[1]s.\t3600\tIN\tNS\tns1.%[1]s.\n"+
		"ns1.%[1]s.\t3600\tIN\tA\t127.0.0.1\n", zone)
}

// writeFile creates path with what fill writes.
func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
