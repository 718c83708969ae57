package desired

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Store holds each record file's last good content and the merged view. Its
// methods are safe for concurrent use.
type Store struct {
	// loadMu: one Scan, Reload or SetZones at a time. It is held while files settle
	// (settle.go), mu only while the result is applied, so that readers of
	// the state never wait for a writer's file.
	loadMu sync.Mutex
	mu     sync.Mutex
	opts   Options
	v      *validator
	log    *slog.Logger
	files  map[string]*file // by path as joined from Options.Dir
	ix     *index
	// changes: the generations of the merged view (generation.go)
	changes changeLog
	reads   int // files read so far; tests check that unchanged files are not re-read
	// filesSeen: some record file was counted since the Store started.
	filesSeen bool
	// scanned: a first Scan has succeeded. A file the Store meets before
	// that was there when the process started (file.atStart).
	scanned bool
	// acceptEmpty: the next Scan or Reload that would empty the store
	// does (AcceptEmpty).
	acceptEmpty bool

	// racyWindow: a file modified this recently before it was read is read
	// again on the next Scan even if its stat looks unchanged, because an
	// in-place rewrite of the same size within one timestamp tick would
	// otherwise go unnoticed (git's "racy clean" problem).
	racyWindow time.Duration
	sleep      func(time.Duration) // time.Sleep; tests write files meanwhile

	// writing: files a writer has open, as Watch learns (writers.go);
	// they are not read until closed.
	writing *writers
}

// file is what the Store knows about one record file.
type file struct {
	path     string            // as joined from Options.Dir
	info     os.FileInfo       // stat of what was last read; nil forces a re-read
	seen     os.FileInfo       // stat of the last content read (not reset by errors)
	racy     bool              // modified just before the last read: read again
	sum      [sha256.Size]byte // of the content last parsed, valid when hasSum
	hasSum   bool
	good     []record // last good content, grouped by name (byName); valid when hasGood
	hasGood  bool
	problems []Problem // why the current content is invalid; nil when valid
	// waiting: problems are only these names in no managed zone
	// (parseRecords). Content known to declare nothing managed: a file
	// never good is not Incomplete, unless it was there at the start.
	waiting []string
	// atStart: the file was there at the Store's first Scan. Found
	// waiting then, it may be a typo in a name some earlier process
	// applied (www.example.con for www.example.com), and this process
	// never saw its good content: it holds deletions (Unzoned). A file
	// that appears later (an orchestrator writes records for a zone it is
	// about to add) is known to declare nothing managed, and holds none.
	atStart bool
}

// NewStore returns an empty Store; call Scan to fill it.
func NewStore(opts Options, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := newValidator(opts)
	return &Store{
		opts:  opts,
		v:     v,
		log:   log.With("component", "desired"),
		files: make(map[string]*file),
		ix:    newIndex(v.zones.zones),

		racyWindow: 2 * time.Second,
		sleep:      time.Sleep,
		writing:    &writers{},
	}
}

// unchanged: the same file, same size, same mtime; not worth reading again
// (a racy one aside: see racyWindow).
func unchanged(a, b os.FileInfo) bool {
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && os.SameFile(a, b)
}

// unwrapPath drops the path from an fs error: the caller's message names
// the file already, as given (not as resolved).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
