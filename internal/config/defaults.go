package config

import _ "embed"

// defaults is config.defaults.toml, the base every config file overrides.
// It lives beside the code that reads it: the keys it sets and the
// fields of fileConfig are one contract.
//
//go:embed config.defaults.toml
var defaults string

// defaultsName names the embedded defaults in errors.
const defaultsName = "config.defaults.toml (embedded)"
