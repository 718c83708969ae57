// Package zones is the set of managed zones: [[zones]] from the config and
// one YAML file per zone in zones_dir, merged, with every problem named by
// file and line; and the catalog zone's content (RFC 9432).
//
// A zones.d file holds one mapping with the one key "zone", whose keys are
// those of a [[zones]] entry (config.ZoneSpec), built by the same
// config.BuildZone, so a zone means the same wherever it is declared:
//
//	zone:
//	  name: staging.example.net
//	  nameservers: [ns1.example.net, ns2.example.net]
//	  negative_ttl: 60
//
// Files are read as records.d's are (internal/desired's open rules: only
// regular files, symlinks only when they resolve inside the dir, a size
// cap; *.yaml and *.yml, no dotfiles). A problem message quotes nothing of
// a file that is not shaped like a zones file.
//
// Conflicts: a zone in [[zones]] and in a file is the config's, and the
// file's problem names both; a zone in two files is the lexically first
// file's (by path), and both files carry a problem naming the other, so
// that a running zone is never dropped by a copy made elsewhere.
package zones
