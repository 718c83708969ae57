//go:build !linux

package main

// monotonicUsec is 0 where there is no systemd to match a reload against
// its CLOCK_MONOTONIC; reloading then sends RELOADING=1 alone.
func monotonicUsec() int64 { return 0 }
