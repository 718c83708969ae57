// Package corednstest is the one harness that starts real DNS servers on
// loopback for dnssync's tests and its benchmark: the pinned CoreDNS, BIND's
// named and Knot's knotd. There are no fakes: a missing binary is an error
// that says how to get it.
//
// It owns every step of that: picking a free loopback port (FreePort),
// writing the server's config with PORT and DIR filled in (Spec, the
// Corefile and primary templates), starting the process and polling until it
// answers DNS, within a deadline (Launch), stopping it by its PID (Process),
// and writing the dnssync config that points at it (Config, the one writer
// of dnssync's TOML in tests and the bench).
//
// It is not a test package, so that cmd/dnssync-bench can use it, and it
// does not import "testing": the starters for tests (Start, StartFiles,
// StartBIND, StartKnot, StartUpdatePrimary, StartSecondary,
// StartCatalogConsumer) take the small TB interface, which *testing.T and
// *testing.B satisfy, and fail the test they are given; the bench calls
// Launch and handles the errors itself.
package corednstest
