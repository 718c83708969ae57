// Package desired turns the records.d directory of small YAML files into
// validated, canonical RRsets per managed zone.
//
// Its promise to the rest of dnssync is that a bad moment on disk never reads
// as "delete these records":
//
//   - A file that is invalid or unreadable keeps its last good content (from
//     an earlier read by the same Store) in force, and the problem is
//     reported. A file that was never good contributes nothing, and the
//     State lists it as Incomplete so the caller can hold deletions: nobody
//     knows what that file used to declare.
//   - A path named like a record file that is not a readable regular file
//     (a FIFO, a directory, a link out of the records dir) is unreadable,
//     not gone: its last good content stays (open.go). A file being
//     written in place is read only once it has settled, and not while its
//     writer has it open where the kernel says so (settle.go, writers.go);
//     until then its last good content stays, and one never read yet is
//     Incomplete.
//   - A records dir that is missing, unreadable or suddenly empty is an error
//     and leaves the previous content in place.
//   - A name whose files disagree (different TTLs in one RRset, a CNAME beside
//     other data) is held: it is reported and left out of the desired zone,
//     so the caller leaves it as served. Everything else still applies.
//
// Everything is canonical (lower case, fully qualified, the rrset package's
// form) so that comparing desired with observed is plain equality.
//
// The file format is a contract shared with the orchestrator and the API:
//
//	records:
//	  - name: web-01.example.com   # trailing dot optional, case-insensitive
//	    type: A
//	    value: 192.168.1.10        # or values: [..., ...]
//	    ttl: 300                   # optional
//	    ptr: false                 # optional, A and AAAA only: derive no PTR
//
// The managed zones may change at run time (SetZones, zones.go): records
// move to the most specific zone now holding them, and a file waiting for
// a zone applies once it is there. Such a file (every problem is a name in
// no managed zone, and it names nothing in one) is invalid but read: its
// content is known to declare nothing managed, so it is not Incomplete and
// holds no deletion.
//
// Decoding is strict (unknown keys are errors) and every error carries the
// file and line, because a person has to find and fix it; it quotes
// nothing of a file not shaped like a records file, and at most a short
// excerpt of one token of one that is (redact.go), because a file may hold
// what must not be printed (a hard link to a key is read like any file).
package desired
