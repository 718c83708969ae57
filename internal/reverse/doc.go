// Package reverse derives the PTR RRsets of reverse zones from the forward
// A and AAAA RRsets, so that `dig -x` answers without anyone writing a PTR.
//
// Its promise: Derive is a pure function of its input (no I/O, no clock),
// deterministic whatever the order of that input, and linear in the
// forward records. The rules follow octoDNS's AutoArpa, with its gaps
// closed:
//
//   - An address is published in the most specific reverse zone whose
//     name its reverse name (d.c.b.a.in-addr.arpa., or the 32 nibbles
//     under ip6.arpa.) lies under; an address under none is skipped, and
//     so is one whose most specific managed zone is not a reverse zone (a
//     child zone managed apart, reverse: false, answers for its names).
//     An AAAA's address is IPv6 even when IPv4-mapped (::ffff:a.b.c.d):
//     its PTR is under ip6.arpa., where `dig -x` of it asks.
//   - Wildcard owners (*.example.com.) are skipped: they name no host.
//   - A record whose entry says `ptr: false` in records.d is left out.
//   - A PTR declared in records.d at a reverse name wins: nothing is
//     derived there (nor where a CNAME of classless delegation sits, if the
//     caller's explicit says so).
//   - Several names sharing an address are all published, in DNS canonical
//     name order, up to a cap (DefaultCap unless given): past it the names
//     last in that order are dropped, and counted in a Capped, so the
//     caller can warn. AutoArpa publishes every name (or one, with its
//     max_auto_arpa), with no word about what it left out.
//   - The TTL is the forward records': where the names published at one
//     address have different TTLs, the lowest, so that no cache keeps a PTR
//     longer than any forward record it mirrors.
//   - A PTR is derived afresh from each input: when its forward record
//     goes, so does it.
package reverse
