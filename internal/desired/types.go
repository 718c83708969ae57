package desired

import (
	"errors"
	"fmt"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
)

// ErrSuddenlyEmpty is returned (wrapped) by Scan when the records dir holds no
// record files although the previous scan found some. An emptied directory is
// far more often an accident (a failed deploy, a wrong mount) than an intent
// to delete every record (the "vanished at once" rule, diff.VanishedAtOnce),
// so the previous content stays until the caller opts in with
// Store.AcceptEmpty for the next look (the daemon's reconciler, once the
// server no longer serves the records: `apply --force` deleted them).
var ErrSuddenlyEmpty = errors.New("the records dir is suddenly empty; keeping the previous records (remove files one at a time, or run `dnssync apply --force`, if this is intended)")

// Options configure a Store.
type Options struct {
	// Dir is the records directory. Problem.File is this joined with the
	// file name.
	Dir string
	// Zones are the managed zones, in any form ("Example.com", "example.com.").
	Zones []string
	// DefaultTTL applies to records without a ttl.
	DefaultTTL uint32
	// Reserved, if not nil, returns a non-empty reason when a name and type
	// may not be declared in records.d (for example the nameserver's own
	// glue address). Keys are canonical.
	Reserved func(rrset.Key) string
	// Settle is how long a file must stay unchanged before it is read, and
	// before content that drops records after an in-place write is
	// believed (settle.go): the watcher's debounce, for the daemon and the
	// one-shot commands alike (they read records.d while writers may be at
	// work too). 0 reads files as they are: what `debounce = "0s"`
	// configures, and what most tests want.
	Settle time.Duration
}

// Problem is one reason a file is invalid (or, from Validate, a conflict).
type Problem struct {
	File string // the path as joined from Options.Dir
	Line int    // 1-based; 0 when the problem is not about one line
	Msg  string
	// Writing: the file is not invalid, only not read yet because a writer
	// is at work on it. Its deletions are held all the same.
	Writing bool
}

// Error is "FILE:LINE: MSG", or "FILE: MSG" when Line is 0.
func (p Problem) Error() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Conflict is a name held out of the desired zone because its records
// disagree. Reason names the files (and lines) involved.
type Conflict struct {
	Zone, Name string
	Reason     string
}

// State is the merged desired view at one moment. The Store never modifies
// a State it returned. Its Zones' sets and their *rrset.Set values are
// shared between States (a change copies only the shards it touches:
// rrset.Sharded) and must be treated as read-only; the top-level maps are
// the caller's.
type State struct {
	// Zones maps each managed zone (canonical) to its desired RRsets. Every
	// managed zone is present, possibly empty. Held names are absent.
	Zones map[string]rrset.Sets
	// Held maps zone -> name -> conflict: names to leave as served. A
	// zone with none is absent (read, it is an empty map): a State of
	// 10,000 zones makes no 10,000 empty maps.
	Held map[string]map[string]Conflict
	// Problems lists the problems of files currently invalid, sorted by file
	// and line. Their last good content, where it exists, is in Zones.
	Problems []Problem
	// Incomplete lists files (sorted) that are invalid, or still being
	// written, and were never read successfully, so their intended records
	// are unknown. While it is not empty the caller should hold deletions.
	// A file waiting for its zone (every name in no managed zone) that
	// appeared after the Store's first Scan is not among them: it is in
	// Problems, but what it declares is known. One found so by the first
	// Scan is, and is in Unzoned too.
	Incomplete []string
	// Unzoned lists the files of Incomplete that were read, and wait for
	// a zone, as the Store's first Scan found them (sorted by file). Their
	// content is known, but it may be a typo in a name an earlier process
	// applied: deletions are held, but unlike for a file never read, a
	// person who says so (`apply --force`) may lift the hold.
	Unzoned []Unzoned
	// NoPTR maps zone -> A or AAAA RRset key -> the values (rrset.Rdata)
	// whose records say `ptr: false`: no PTR is derived from them. Only
	// zones where some record opts out are present; nil when none does.
	// Held names are absent, as from Zones.
	NoPTR map[string]map[rrset.Key]map[string]bool
	// Records is the number of records (not sets) in each zone's Zones.
	Records map[string]int
	// Generation identifies the merged view (Zones and Held): it grows each
	// time names are merged again. A pass that knows the server still
	// serves what it last applied need only compare the names
	// Store.ChangedSince reports after the generation it applied.
	Generation uint64
	// Files is the number of record files currently counted, valid or not.
	Files int
	// FilesSeen: some record file was counted since the Store started. An
	// empty records dir that never had a file is suspect (a wrong dir?).
	FilesSeen bool
}

// Zone returns zone's desired sets; none (never nil) when zone is not
// managed.
func (st *State) Zone(zone string) rrset.Sets {
	if z := st.Zones[zone]; z != nil {
		return z
	}
	return rrset.Zone(nil)
}
