// Package dnssync holds what the binary embeds from the repository root.
package dnssync

import _ "embed"

// DefaultConfig is config.defaults.toml, the base every config overrides.
//
//go:embed config.defaults.toml
var DefaultConfig string
