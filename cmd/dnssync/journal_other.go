//go:build !linux

package main

import "os"

// isJournalStream: the journal is Linux's (systemd-journald).
func isJournalStream(*os.File, string) bool { return false }
