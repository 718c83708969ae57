package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The check of one name: `dnssync verify NAME` (run here) and the API's GET
// /api/v1/dns/verify/{name} (which `dnssync verify NAME --api` asks) are
// this one function, so that they refuse the same names with the same
// words and check the same sets.

// Errors of a check of one name, for callers to branch on: the API answers
// 422 and 404, the CLI exits 1. Their text, wrapped, is the message both
// show.
var (
	// ErrInvalidName: the name could never be declared in records.d.
	ErrInvalidName = errors.New("invalid name")
	// ErrNotDeclared: records.d declares nothing at the name, so there is
	// nothing to find served.
	ErrNotDeclared = errors.New("not declared in records.d")
)

// Declarations are records.d's declarations by name, as desired.Store
// holds them.
type Declarations interface {
	DeclaredAt(name string) []desired.Declared
}

// Name asks r for every RRset declared at name and returns the result in
// the one JSON shape. A name that could never be declared (by the rule
// records.d's files are read with) is ErrInvalidName; one declared by no
// file is ErrNotDeclared.
func Name(ctx context.Context, r *Resolver, name string, declared Declarations) (client.Verification, error) {
	return NameAt(ctx, []*Resolver{r}, name, declared)
}

// NameAt is Name asked of several servers: the authoritative one first
// (the Verification's Server), then resolvers. It keeps no history of
// changes, so a resolver that still answers the old way is lagging for
// the TTL its answer carries, the time its cache will ask again, and
// wrong only when that answer carries none (cached.go).
func NameAt(ctx context.Context, servers []*Resolver, name string, declared Declarations) (client.Verification, error) {
	if _, err := desired.CheckName(name); err != nil {
		return client.Verification{}, fmt.Errorf("%w: %v", ErrInvalidName, err)
	}
	decl := declared.DeclaredAt(name)
	if len(decl) == 0 {
		return client.Verification{}, fmt.Errorf("%s is %w", display(name), ErrNotDeclared)
	}
	return CheckAll(ctx, servers, Sets(decl), nil, time.Now(), nil).JSON(name), nil
}

// Sets groups declarations (as DeclaredAt returns them) into the RRsets
// records.d wants, as a check compares them.
func Sets(decl []desired.Declared) rrset.Zone {
	want := rrset.Zone{}
	for _, d := range decl {
		want.Put(d.RR)
	}
	return want
}
