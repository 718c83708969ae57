package main

import (
	"fmt"
	"os"
	"syscall"
)

// isJournalStream reports whether f is the journal stream that stream
// ($JOURNAL_STREAM, "DEVICE:INODE") names.
func isJournalStream(f *os.File, stream string) bool {
	if stream == "" {
		return false
	}
	var dev, ino uint64
	if _, err := fmt.Sscanf(stream, "%d:%d", &dev, &ino); err != nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Dev) == dev && uint64(st.Ino) == ino
}
