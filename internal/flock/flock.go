// Package flock takes flock(2) locks without ever waiting unboundedly.
// A blocking LOCK_EX waits for as long as the holder likes: a stopped CLI
// command, or a person running `flock FILE sleep 1d`, would stall whoever
// asks, and in the daemon that is the loop the watchdog watches. So a lock
// is tried with LOCK_NB and retried on a short poll until it is taken, the
// caller's context ends, or a bound passes; the caller decides what a
// refusal means.
//
// flock(2) locks belong to an open file description: two opens of one
// file contend even within one process, and the kernel releases the lock
// when the last descriptor closes, so a killed process never leaves one
// behind.
package flock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ErrTimeout is returned when another holder kept the lock for the whole
// bound.
var ErrTimeout = errors.New("lock held by another process")

// Polling starts short (an uncontended or briefly held lock is taken at
// once) and backs off to maxPoll, so a long wait costs a few syscalls a
// second.
const (
	firstPoll = time.Millisecond
	maxPoll   = 20 * time.Millisecond
)

// Lock takes the lock on fd, exclusive or shared. It returns nil once held,
// an error wrapping ErrTimeout when timeout passed first (timeout <= 0:
// one try, no wait), and one wrapping ctx's error when ctx ended first.
func Lock(ctx context.Context, fd int, exclusive bool, timeout time.Duration) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	deadline := time.NewTimer(max(timeout, 0))
	defer deadline.Stop()
	var poll *time.Timer
	for wait := firstPoll; ; wait = min(2*wait, maxPoll) {
		err := unix.Flock(fd, how|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("flock: %w", err)
		}
		if poll == nil {
			poll = time.NewTimer(wait)
			defer poll.Stop()
		} else {
			poll.Reset(wait) // fired and received: safe to reuse
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			return fmt.Errorf("%w for more than %s", ErrTimeout, timeout)
		case <-ctx.Done():
			return fmt.Errorf("waiting for a lock: %w", context.Cause(ctx))
		}
	}
}

// Unlock releases a lock taken on fd (closing fd releases it too).
func Unlock(fd int) error {
	for {
		err := unix.Flock(fd, unix.LOCK_UN)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
