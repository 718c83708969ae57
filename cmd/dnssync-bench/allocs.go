//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// topAllocs is the profile summary of a cold start: the functions that
// allocated the most bytes (flat alloc_space) from `dnssync run` until the
// profile was fetched, as `go tool pprof -top` prints them.
type topAllocs struct {
	Total string      // every allocation sampled, e.g. "1.52GB"
	Rows  []allocsRow // the largest first
}

type allocsRow struct {
	Flat, FlatPct, Func string // "412.50MB", "27.13%", "github.com/..."
}

// allocsTop fetches the daemon's allocs profile into dir and summarises
// its top n functions by flat alloc_space with `go tool pprof` (the Go
// toolchain the bench was built with, on PATH).
func allocsTop(ctx context.Context, addr, dir string, n int) (topAllocs, error) {
	body, err := pprofGet(ctx, addr, "allocs")
	if err != nil {
		return topAllocs{}, err
	}
	path := filepath.Join(dir, "allocs.pb.gz")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return topAllocs{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-sample_index=alloc_space", fmt.Sprintf("-nodecount=%d", n), path)
	out, err := cmd.Output()
	if err != nil {
		return topAllocs{}, fmt.Errorf("go tool pprof -top %s: %w", path, err)
	}
	return parsePprofTop(string(out))
}

// parsePprofTop reads `go tool pprof -top`'s text: a "Showing nodes
// accounting for X, P% of TOTAL total" line, a header line starting with
// "flat", then one line a function: flat flat% sum% cum cum% name.
func parsePprofTop(text string) (topAllocs, error) {
	var t topAllocs
	header := false
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "Showing nodes accounting for "); ok {
			if _, after, ok := strings.Cut(rest, " of "); ok {
				t.Total = strings.TrimSuffix(after, " total")
			}
			continue
		}
		if strings.HasPrefix(line, "flat ") {
			header = true
			continue
		}
		if !header || line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 6 {
			return t, fmt.Errorf("pprof -top: unexpected line %q", line)
		}
		// pprof escapes the dots of a module path's last element ("yaml%2ev3").
		fn := strings.ReplaceAll(strings.Join(f[5:], " "), "%2e", ".")
		// A generic function's shape arguments run to hundreds of characters.
		if i, j := strings.Index(fn, "[go.shape."), strings.LastIndexByte(fn, ']'); i >= 0 && j > i {
			fn = fn[:i] + "[...]" + fn[j+1:]
		}
		t.Rows = append(t.Rows, allocsRow{Flat: f[0], FlatPct: f[1], Func: fn})
	}
	if !header {
		return t, fmt.Errorf("pprof -top: no header line in %q", firstLines(text, 5))
	}
	return t, nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// notes are the summary as the report's notes: a line saying what it is,
// then one a function.
func (t topAllocs) notes(what string) []string {
	out := []string{fmt.Sprintf("%s: the daemon's top %d allocations by flat alloc_space over the cold start (from `dnssync run` until its first pass was done; %s allocated in all, sampled), from `go tool pprof -top -sample_index=alloc_space` of /debug/pprof/allocs:", what, len(t.Rows), t.Total)}
	for i, r := range t.Rows {
		out = append(out, fmt.Sprintf("%s: allocations #%d: %s (%s) in `%s`", what, i+1, r.Flat, r.FlatPct, r.Func))
	}
	return out
}
