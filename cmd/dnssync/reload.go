package main

import "github.com/dnssync/dnssync/internal/config"

// reloadConfig loads the config a SIGHUP asks for. A daemon that started
// from a file reloads that very file, whichever way it was found
// (--config, $DNSSYNC_CONFIG, the default path): discovering it again
// would, while an editor briefly renames it away, find nothing and accept
// the built-in defaults (no token file, so an API without auth, and
// example.com for the zones). A file that cannot be read is an error, and
// the reload is refused as a bad config is. Only a daemon running on the
// built-in defaults looks again, so that a config installed since is
// found (and then pinned); finding none changes nothing.
func reloadConfig(running *config.Config) (*config.Config, error) {
	if running.File != "" {
		return config.Load(running.File)
	}
	return config.Discover("")
}
