package desired

import (
	"slices"
	"strings"
)

// fileRun is one file's records at one name: f.good[off:off+n]. A file's
// good records are grouped by name (byName), so a name is one run of them,
// and the index holds 16 bytes per name and file instead of a copy of the
// records or a slice of them.
type fileRun struct {
	f      *file
	off, n uint32
}

func runOf(f *file, off, n int) fileRun { return fileRun{f: f, off: uint32(off), n: uint32(n)} }

func (r fileRun) recs() []record { return r.f.good[r.off : r.off+r.n : r.off+r.n] }
func (r fileRun) path() string   { return r.f.path }

// byFile is each file's records at one name, sorted by path.
type byFile []fileRun

func (b byFile) find(path string) (int, bool) {
	return slices.BinarySearchFunc(b, path, func(r fileRun, p string) int { return strings.Compare(r.path(), p) })
}

// with returns b with run added. A file that is there already (HeldWith
// adds to what a file declares) gets both runs' records, in a file of its
// own: the runs themselves are never changed.
func (b byFile) with(run fileRun) byFile {
	i, ok := b.find(run.path())
	if !ok {
		return slices.Insert(b, i, run)
	}
	recs := append(slices.Clone(b[i].recs()), run.recs()...)
	b[i] = runOf(&file{path: run.path(), good: recs}, 0, len(recs))
	return b
}

// without returns b without path's records.
func (b byFile) without(path string) byFile {
	if i, ok := b.find(path); ok {
		return slices.Delete(b, i, i+1)
	}
	return b
}

// byName orders records by owner name, keeping the file's order within a
// name: the order of a file's good records (index.replace).
func byName(a, b record) int { return strings.Compare(a.rr.Header().Name, b.rr.Header().Name) }

// groupByName returns recs in byName order: recs itself when it is in
// that order already (a file sorted by name, the common case), else a
// sorted copy.
func groupByName(recs []record) []record {
	if slices.IsSortedFunc(recs, byName) {
		return recs
	}
	recs = slices.Clone(recs)
	slices.SortStableFunc(recs, byName)
	return recs
}

// forRuns calls fn for each run of records at one name in recs (grouped
// by name), with its zone and name.
func forRuns(recs []record, fn func(zone, name string, off, n int)) {
	for i := 0; i < len(recs); {
		zone, name := recs[i].zone, recs[i].rr.Header().Name
		j := i + 1
		for j < len(recs) && recs[j].rr.Header().Name == name {
			j++
		}
		fn(zone, name, i, j-i)
		i = j
	}
}
