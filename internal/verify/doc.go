// Package verify answers every "is it served as wanted" question dnssync
// asks: after an apply, on the verify schedule, for `dnssync verify [NAME]`,
// for the API's GET /api/v1/dns/verify/{name} and ?wait=verified. It asks
// servers over DNS like any client would (or reads a zone transfer for a
// large change), and it never changes anything.
//
// Every answer becomes one Result: one RRset at one server, what is wanted,
// what the server served, and a Status. A Report holds the Results of one
// check, every server's; Report.JSON is its one JSON shape
// (client.Verification), the same for the API and every CLI command.
//
// One rule judges every answer, wherever it comes from: a server's own data
// (asked without RD, or a zone transfer) must match exactly, TTL included;
// a resolver's answer (asked with RD, whatever its AA bit) comes from a
// cache, whose TTL counts down and which may hold what it cached before the
// change for that TTL: the old set's, or the zone's negative TTL for a set
// that did not exist (Lagging, with when it will serve the change:
// reported, not failed; cached.go). Secondaries, resolvers and DNSSEC checks are added here, as more
// servers and more kinds of Result, not as new result types elsewhere.
//
// Asking for what is declared cannot find what is served but no longer
// declared: such a set, when dnssync manages it, is a Result of its own,
// Stale (stale.go), found from the plan of a zone transfer.
package verify
