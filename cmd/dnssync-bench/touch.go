//go:build linux

package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// What one incremental change touched: the zone files written (by inode,
// mtime and size) and the zones CoreDNS transferred (from its log).

// ctime is when a file's inode last changed: for a file renamed into
// place, the rename.
func ctime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return fi.ModTime()
}

// lastInPlace is the latest ctime of the files in dir.
func lastInPlace(dir string) (time.Time, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			return time.Time{}, err
		}
		if c := ctime(fi); c.After(last) {
			last = c
		}
	}
	return last, nil
}

// fileID tells a rewritten file from the one before.
type fileID struct {
	ino   uint64
	mtime time.Time
	size  int64
}

// snapshot is every file in dir, by name.
func snapshot(dir string) (map[string]fileID, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fileID, len(es))
	for _, e := range es {
		info, err := e.Info()
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		out[e.Name()] = fileID{ino: inode(info), mtime: info.ModTime(), size: info.Size()}
	}
	return out, nil
}

// changedFiles are the names written, created or removed between a and b.
func changedFiles(a, b map[string]fileID) []string {
	var out []string
	for name, id := range b {
		if old, ok := a[name]; !ok || old != id {
			out = append(out, name)
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

var transferLine = regexp.MustCompile(`Outgoing transfer of \d+ records of zone "([^"]+)"`)

// transfers are the zones CoreDNS's log says it transferred, in order.
func transfers(log string) []string {
	var out []string
	for _, m := range transferLine.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	return out
}

// touch is what one incremental change touched.
type touch struct {
	files []string // zone files written
	axfrs []string // zones transferred
}

// touchResult: every change wrote only file and transferred no zone but
// zone.
func touchResult(ts []touch, file, zone string) result {
	ok := len(ts) > 0
	nf, na := make([]int, len(ts)), make([]int, len(ts))
	for i, t := range ts {
		nf[i], na[i] = len(t.files), len(t.axfrs)
		if len(t.files) != 1 || t.files[0] != file {
			ok = false
		}
		for _, z := range t.axfrs {
			if z != zone {
				ok = false
			}
		}
	}
	files := spread(nf, "file", "files")
	if ok {
		files = "only its file"
	}
	return result{Metric: metricTouched, Unit: unitText, DText: files + ", " + spread(na, "AXFR", "AXFRs"), OK: ok, F: nanF}
}

// spread is "1 file", or "0-2 AXFRs" when the counts differ.
func spread(ns []int, one, many string) string {
	if len(ns) == 0 {
		return "0 " + many
	}
	lo, hi := slices.Min(ns), slices.Max(ns)
	if lo == hi {
		if lo == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", lo, many)
	}
	return fmt.Sprintf("%d-%d %s", lo, hi, many)
}

func describeFiles(ts []touch) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%d %v", len(t.files), firstNames(t.files)))
	}
	return compact(parts)
}

// firstNames is names, the first few of them when there are many: a
// change that wrote 1,000 zone files names some, not all.
func firstNames(names []string) string {
	const few = 5
	if len(names) <= few {
		return fmt.Sprint(names)
	}
	return fmt.Sprintf("[%s and %d more]", strings.Join(names[:few], " "), len(names)-few)
}

func describeAXFRs(ts []touch) string {
	var parts []string
	for _, t := range ts {
		if len(t.axfrs) == 0 {
			parts = append(parts, "0")
		} else {
			parts = append(parts, fmt.Sprintf("%d %v", len(t.axfrs), firstNames(t.axfrs)))
		}
	}
	return compact(parts)
}

// compact is "each of 7: s" when every part is s, else the parts in order.
func compact(parts []string) string {
	if len(parts) > 1 && len(slices.Compact(slices.Clone(parts))) == 1 {
		return fmt.Sprintf("each of %d: %s", len(parts), parts[0])
	}
	return strings.Join(parts, "; ")
}
