//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is read from the outside, as the rest: VmHWM and VmRSS in
// /proc/PID/status for any process, and for dnssync its [debug] pprof
// endpoint on loopback, which can force a collection (heap?gc=1) and say
// how much of the heap is live (the runtime.MemStats the heap profile
// ends with) without changing the daemon.

// rss is VmRSS of process pid, in bytes.
func rss(pid int) (int64, error) { return statusKB(pid, "VmRSS") }

// threads is the Threads line of /proc/PID/status.
func threads(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusCount(f, "Threads")
}

func statusKB(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusKB(f, key)
}

// parseStatusCount returns the value of a "Key:	12" line of
// /proc/PID/status (a count, no unit).
func parseStatusCount(r io.Reader, key string) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc status: %s: %w", key, err)
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc status: no %s line", key)
}

// pprofClient asks the daemon's pprof endpoint; no keep-alive, so that
// the bench's own connections are not goroutines of the daemon when it
// counts them.
var pprofClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Minute}

// pprofGet is the body of http://addr/debug/pprof/path.
func pprofGet(ctx context.Context, addr, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/pprof/"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := pprofClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pprof %s: %s", path, resp.Status)
	}
	return body, nil
}

// liveHeap forces a garbage collection in the daemon and returns the
// heap still allocated after it (HeapAlloc).
func liveHeap(ctx context.Context, addr string) (int64, error) {
	body, err := pprofGet(ctx, addr, "heap?gc=1&debug=1")
	if err != nil {
		return 0, err
	}
	return parseMemStat(string(body), "HeapAlloc")
}

// parseMemStat returns "# Key = N" from the runtime.MemStats that a heap
// profile in text (debug=1) ends with.
func parseMemStat(text, key string) (int64, error) {
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "# "), " = ")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("heap profile: %s: %w", key, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("heap profile: no %s line", key)
}

// goroutines is how many goroutines the daemon has.
func goroutines(ctx context.Context, addr string) (int64, error) {
	body, err := pprofGet(ctx, addr, "goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	return parseGoroutineTotal(string(body))
}

// parseGoroutineTotal reads "goroutine profile: total N", the first line
// of the goroutine profile in text.
func parseGoroutineTotal(text string) (int64, error) {
	first, _, _ := strings.Cut(text, "\n")
	rest, ok := strings.CutPrefix(first, "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("goroutine profile: unexpected first line %q", first)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("goroutine profile: %w", err)
	}
	return n, nil
}

// settleRSS samples VmRSS of pid every step until it has not fallen to a
// new low (by more than 1%) for quiet, or until max: the RSS a process
// settles at once Go's scavenger has returned what the last collection
// freed. It returns the last low.
func settleRSS(ctx context.Context, pid int, step, quiet, max time.Duration) (int64, error) {
	low, err := rss(pid)
	if err != nil {
		return 0, err
	}
	lowAt, deadline := time.Now(), time.Now().Add(max)
	tick := time.NewTicker(step)
	defer tick.Stop()
	for time.Since(lowAt) < quiet && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
		v, err := rss(pid)
		if err != nil {
			return 0, err
		}
		if float64(v) < 0.99*float64(low) {
			low, lowAt = v, time.Now()
		} else if v < low {
			low = v
		}
	}
	return low, nil
}
