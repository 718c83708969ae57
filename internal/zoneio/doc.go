// Package zoneio moves a zone between DNS's own forms and records.d: it
// turns the records of a zone as served (an AXFR) or as a zone file says
// into records.d files (import), and the desired state of a zone into an
// RFC 1035 zone file (export). It does no I/O of its own beyond the
// readers and writers it is given: where the records come from and where
// the files go is the caller's (cmd/dnssync, internal/registry).
//
// Its promise for an import is that records.d then declares exactly what
// was served: every file it returns is read by internal/desired into the
// very RRsets it came from (each set is checked through desired's own
// parser before it is written), so that `dnssync plan` right after the
// import changes nothing. What records.d cannot declare is never
// approximated silently:
//
//   - What dnssync writes itself, or what belongs to the signer, is
//     skipped by design: the SOA, the apex NS, the nameservers' addresses
//     the zonefile backend writes from [[zones]], and DNSSEC records.
//   - What records.d cannot hold (a type it does not take, a name it does
//     not accept, data its value syntax cannot say) is listed as
//     unsupported: the caller decides whether to import the rest.
//   - What records.d declares already is not declared again: a set
//     declared as served is skipped, one declared otherwise is a
//     conflict the caller must settle; and no file is returned that the
//     loader would hold in conflict beside the rest of records.d (a CNAME
//     beside other data): such sets are unsupported.
//   - A parent zone's delegation to a child zone dnssync manages too is
//     skipped: the child's NS come from its own [[zones]].
//   - A TXT record whose strings are split elsewhere than records.d splits
//     them (every 255 bytes) is imported with the same text, and a note
//     says that the split changes.
package zoneio
