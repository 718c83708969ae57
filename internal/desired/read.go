package desired

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

// Reading record files, apart from applying what was read: reads run in
// parallel and change nothing in the Store; Scan and Reload apply their
// results under the Store's lock (store.go).

const maxFileSize = 8 << 20 // a records file is a few KiB; anything near this is a mistake

var errTooLarge = fmt.Errorf("larger than %d bytes", maxFileSize)

// msgNotReadYet is the problem of a file that is there but still being
// written, and was never read: its records are unknown, so deletions wait.
const msgNotReadYet = "still being written; not read yet"

// msgStillOpen is the problem of a file whose writer has kept it open past
// maxWriterHold with content that would drop records: it may be half of
// what the writer means, so the last good content stays until the close.
var msgStillOpen = "still open for writing after " + maxWriterHold.String() + "; keeping its last good records"

// readResult is a file read and parsed, not yet applied.
type readResult struct {
	at        time.Time   // when the read began
	info      os.FileInfo // of what was read
	unsettled bool        // not read: still being written (settle.go, writers.go)
	stillOpen bool        // read, but not to apply: msgStillOpen
	err       error
	sum       [sha256.Size]byte
	recs      []record
	problems  []Problem
	waiting   []string // invalid, but only for these names in no managed zone (parseRecords)
}

// readFile reads and parses path. It changes nothing in the Store, so
// files can be read in parallel.
func (s *Store) readFile(path string) readResult {
	r := readResult{at: time.Now()}
	buf := dataPool.Get().(*bytes.Buffer)
	defer putData(buf)
	data, fi, err := readRecordInto(s.opts.Dir, path, buf)
	r.info = fi
	if err != nil {
		r.err = err
		return r
	}
	r.sum = sha256.Sum256(data)
	r.recs, r.problems, r.waiting = parseRecords(path, data, s.v)
	r.recs = groupByName(r.recs) // here, on every core, rather than in index.replace
	return r
}

// dataPool keeps read buffers between files: the content is garbage once
// parsed (parsing copies what it keeps), and a cold start reads 10,000
// files.
var dataPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putData returns buf to the pool unless it grew past what a records
// file usually is.
func putData(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		dataPool.Put(buf)
	}
}

// readAll reads and parses paths on every core: parsing YAML is most of a
// cold start (1,000 files of 100 records).
func (s *Store) readAll(paths []string) []readResult {
	out := make([]readResult, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = s.readFile(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
