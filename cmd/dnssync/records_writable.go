package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/flock"
	"github.com/dnssync/dnssync/internal/registry"
)

// checkRecordsWritable proves, when the API is on, that this user can do
// in records.d what an API write does: replace a file (create, fsync,
// rename, remove; atomicfile.Probe) and take the writers' lock. A records.d the
// daemon's user cannot write otherwise shows only when an orchestrator's
// first POST answers 503.
func checkRecordsWritable(cfg *config.Config) error {
	if cfg.API.Listen.IsZero() {
		return nil
	}
	err := atomicfile.Probe(cfg.Records.Dir)
	if err == nil {
		err = probeLock(cfg.Records.Dir)
	}
	if err != nil {
		return fmt.Errorf("the API (api.listen) writes to records.dir, but %s cannot: %w; "+
			"make it writable for that user (as installed, systemd-tmpfiles --create dnssync.conf "+
			"gives it to group dnssync-records), or turn the API off (api.listen = \"\")", runningUser(), err)
	}
	return nil
}

// probeLock opens records.d's lock file as every writer does (creating it
// when missing) and tries its lock once: a lock another writer holds right
// now is reachable, which is all this proves.
func probeLock(dir string) error {
	release, err := flock.LockFile(context.Background(), filepath.Join(dir, registry.LockName), false, 0)
	if errors.Is(err, flock.ErrTimeout) {
		return nil
	}
	if err != nil {
		return err
	}
	release()
	return nil
}

// runningUser names the effective user, as "user NAME (uid N)", or "uid N"
// for a uid without a name. (os/user.Current caches its answer; the uid
// is asked afresh.)
func runningUser() string {
	uid := strconv.Itoa(os.Geteuid())
	if u, err := user.LookupId(uid); err == nil {
		return "user " + u.Username + " (uid " + uid + ")"
	}
	return "uid " + uid
}
