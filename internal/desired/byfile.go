package desired

import (
	"slices"
	"strings"
)

// byFile is each file's records at one name, sorted by path. Nearly every
// name is declared in one file, so a short slice beats a map per name: at
// 100,000 names the maps alone would take tens of MiB.
type byFile []fileRecords

type fileRecords struct {
	path string
	recs []record
}

func (b byFile) find(path string) (int, bool) {
	return slices.BinarySearchFunc(b, path, func(f fileRecords, p string) int { return strings.Compare(f.path, p) })
}

// with returns b with recs added to path's records. A path new to b
// shares recs, never written through (see replace).
func (b byFile) with(path string, recs []record) byFile {
	i, ok := b.find(path)
	if !ok {
		return slices.Insert(b, i, fileRecords{path: path, recs: recs})
	}
	b[i].recs = append(b[i].recs, recs...)
	return b
}

// without returns b without path's records.
func (b byFile) without(path string) byFile {
	if i, ok := b.find(path); ok {
		return slices.Delete(b, i, i+1)
	}
	return b
}
