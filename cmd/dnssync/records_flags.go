package main

// The orchestrator's commands: register, update, unregister (write.go),
// records list (list.go) and verify NAME (verify.go). Locally (the
// default) they edit the API's own files in records.d through
// internal/registry, as the daemon's API would, under the same lock (so
// that no write of the daemon's or of another command is lost), and the
// daemon applies them; each local write goes to the same [audit] file as
// the API's, as kind "cli" with the user. With --api they call a daemon's
// HTTP API through the client package.

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/registry"
)

// recordFlags are the flags the record commands share.
type recordFlags struct {
	config    *string // the root's --config
	api       *string
	tokenFile *string
	wait      *bool // nil for commands that do not write
}

// recordFlags adds --api, --token-file and (canWait) --wait to flags.
func (c *cli) recordFlags(flags *pflag.FlagSet, canWait bool) *recordFlags {
	f := &recordFlags{
		config:    &c.config,
		api:       flags.String("api", "", "call the daemon's HTTP API at this URL (http://host:port or unix:/path) instead of editing records.d here"),
		tokenFile: flags.String("token-file", "", "with --api: file holding the bearer token (its first token line; \"ID:TOKEN\" sends TOKEN); overrides $"+envToken),
	}
	cobra.MarkFlagFilename(flags, "token-file")
	if canWait {
		f.wait = flags.Bool("wait", false, "with --api: answer once the change is served (bounded by the daemon); exit 2 when it is still pending")
	}
	return f
}

// check refuses flags that mean nothing without --api.
func (f *recordFlags) check() error {
	if *f.api == "" && (*f.tokenFile != "" || f.wait != nil && *f.wait) {
		return fmt.Errorf("--token-file and --wait need --api")
	}
	return nil
}

// client returns the API client for --api, or nil in local mode.
func (f *recordFlags) client() (*client.Client, error) {
	if *f.api == "" {
		return nil, nil
	}
	if !strings.HasPrefix(*f.api, "unix:/") {
		u, err := url.Parse(*f.api)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("--api %q: want http://host:port, https://host:port or unix:/path", *f.api)
		}
	}
	token, err := f.token()
	if err != nil {
		return nil, err
	}
	return client.New(*f.api, token), nil
}

// envToken names the environment variable that may hold the API token, as
// a CI system's secret store hands it over: a file is the safer place (an
// environment can be read by the user's other processes, and is inherited
// by children), so --token-file wins when both are given.
const envToken = "DNSSYNC_TOKEN"

// token is the bearer token for --api: --token-file's first token line,
// else $DNSSYNC_TOKEN, read as one line of a token file ("TOKEN" or
// "ID:TOKEN", which sends TOKEN), else none. Neither the token nor the
// variable's value is ever part of an error.
func (f *recordFlags) token() (string, error) {
	if *f.tokenFile != "" {
		// The daemon's own parser: a file that works for it works here.
		tokens, err := api.ReadTokens(*f.tokenFile)
		if err != nil {
			return "", err
		}
		return tokens[0].Secret, nil
	}
	line := strings.TrimSpace(os.Getenv(envToken))
	if _, secret, ok := strings.Cut(line, ":"); ok {
		return secret, nil
	}
	return line, nil
}

// local is records.d as this host sees it, for one command.
type local struct {
	cfg   *config.Config
	store *desired.Store
	reg   *registry.Registry
}

func openLocal(cfgPath string) (*local, error) {
	cfg, err := config.Discover(cfgPath)
	if err != nil {
		return nil, err
	}
	opts := desiredOptions(cfg)
	store := desired.NewStore(opts, nil)
	if _, err := store.Scan(); err != nil {
		return nil, err
	}
	return &local{cfg: cfg, store: store, reg: &registry.Registry{Options: opts, Declared: store}}, nil
}
