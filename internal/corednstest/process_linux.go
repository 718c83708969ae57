package corednstest

import (
	"os/exec"
	"syscall"
)

// detach puts the process in a process group of its own and has the kernel
// kill it when the harness dies, so that a test binary killed by its
// timeout or a Ctrl-C leaves no server behind holding a port.
func detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
