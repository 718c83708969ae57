package corednstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Kind is a DNS server the harness can start.
type Kind int

const (
	CoreDNS Kind = iota // the pinned CoreDNS (bin/coredns)
	BIND                // BIND's named, in the foreground
	Knot                // Knot's knotd, in the foreground
)

func (k Kind) String() string {
	switch k {
	case CoreDNS:
		return "coredns"
	case BIND:
		return "named"
	case Knot:
		return "knotd"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// confFile is the name of the server's config file in its directory.
func (k Kind) confFile() string {
	switch k {
	case BIND:
		return "named.conf"
	case Knot:
		return "knot.conf"
	}
	return "Corefile"
}

// args are the server's arguments to run in the foreground with the config
// in dir, logging to stderr.
func (k Kind) args(dir string) []string {
	conf := filepath.Join(dir, k.confFile())
	switch k {
	case BIND:
		return []string{"-g", "-4", "-c", conf}
	case Knot:
		return []string{"-c", conf}
	}
	return []string{"-conf", conf}
}

// Find returns the path of the server's binary. CoreDNS is
// $DNSSYNC_COREDNS, or bin/coredns at the module root (found from the
// working directory up); named and knotd are on PATH or in /usr/sbin.
func (k Kind) Find() (string, error) {
	switch k {
	case BIND:
		return findSystem("named", "BIND's named not found: apt-get install bind9 (.ci/run does)")
	case Knot:
		return findSystem("knotd", "Knot's knotd not found: apt-get install knot (.ci/run does)")
	}
	if p := os.Getenv("DNSSYNC_COREDNS"); p != "" {
		return p, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("find CoreDNS: %w", err)
	}
	p := filepath.Join(root, "bin", "coredns")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("CoreDNS binary %s not found: run `make coredns` (or `make test`, which builds it)", p)
	}
	return p, nil
}

// findSystem looks for a packaged server: on PATH, else in /usr/sbin, which
// is not on every user's PATH.
func findSystem(name, advice string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := filepath.Join("/usr/sbin", name)
	if _, err := os.Stat(p); err != nil {
		return "", errors.New(advice)
	}
	return p, nil
}

// moduleRoot is the nearest directory at or above the working directory
// that holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root (go.mod) not found above the working directory")
		}
		dir = parent
	}
}
