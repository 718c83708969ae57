package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Where a config comes from when no --config names one. An installed
// dnssync (make install, the Debian package) finds its file without being
// told, as the unit, an operator's shell and a cron job all run it; a
// checkout without one runs on the built-in defaults, as `make run` and
// the tests need.

// EnvConfig names the environment variable that names the config file
// when --config does not.
const EnvConfig = "DNSSYNC_CONFIG"

// DefaultPath is the config file read when neither --config nor
// $DNSSYNC_CONFIG names one and it exists. A variable so that tests can
// point it elsewhere instead of depending on (or writing to) /etc.
var DefaultPath = "/etc/dnssync/config.toml"

// Discover loads the config every command uses: the file flag names
// (--config) when it is set, else the file $DNSSYNC_CONFIG names, else
// DefaultPath when it exists, else the built-in defaults alone. A file
// that is named but missing is an error, as is a DefaultPath that exists
// but cannot be read: falling back to the defaults would run dnssync on a
// config nobody wrote. The Config's File says which file was used.
func Discover(flag string) (*Config, error) {
	path, err := discover(flag, os.Getenv, DefaultPath)
	if err != nil {
		return nil, err
	}
	return Load(path)
}

// discover picks the config file's path; "" is the built-in defaults.
func discover(flag string, getenv func(string) string, defaultPath string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env := getenv(EnvConfig); env != "" {
		return env, nil
	}
	_, err := os.Stat(defaultPath)
	switch {
	case err == nil:
		return defaultPath, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	}
	return "", fmt.Errorf("look for config %s: %w", defaultPath, err)
}

// SourceName is where c came from, for log lines and messages: its file,
// or the built-in defaults.
func (c *Config) SourceName() string {
	if c.File == "" {
		return "built-in defaults"
	}
	return c.File
}

// pathKeys are the keys whose values are paths. When a config file is
// loaded, a relative path is relative to that file's directory, whether
// the file set it or left the default (records.dir's "records.d"): the
// daemon (WorkingDirectory=/var/lib/dnssync) and an operator's shell in
// any directory then read the same records.d beside the file. Only with
// no file at all do the built-in defaults' relative paths follow the
// working directory, where `make run` and a checkout expect records.d.
func (f *fileConfig) pathKeys() []*string {
	return []*string{
		&f.Records.Dir,
		&f.Records.ZonesDir,
		&f.Backend.ZoneDir,
		&f.Backend.StateDir,
		&f.Backend.TSIGSecretFile,
		&f.API.TokenFile,
		&f.Audit.File,
		&f.DNSSEC.TrustAnchors,
	}
}

// rebase makes each relative path relative to the directory of the config
// file at path. An empty value stays empty: it means "off" (token_file,
// audit.file) or is refused by build.
func (f *fileConfig) rebase(path string) {
	dir := filepath.Dir(path)
	for _, v := range f.pathKeys() {
		if *v == "" || filepath.IsAbs(*v) {
			continue
		}
		*v = filepath.Join(dir, *v)
	}
}
