//go:build !linux

package corednstest

import "os/exec"

// detach does nothing here: the parent-death signal is Linux's, and the
// end-to-end tests run on Linux. This file lets the package build elsewhere.
func detach(*exec.Cmd) {}
