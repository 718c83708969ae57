package main

import (
	"strings"
	"testing"
)

// TestPlanUnreadableServer: plan and apply against a server that refuses
// the connection say the zone is unknown, never "in sync", and exit 1.
func TestPlanUnreadableServer(t *testing.T) {
	e := newEnv(t, "") // 127.0.0.1:1: connection refused
	e.write(t, "web.yaml", "records:\n  - name: web.example.com\n    type: A\n    value: 192.0.2.1\n")
	for _, cmd := range []string{"plan", "apply"} {
		t.Run(cmd, func(t *testing.T) {
			code, out, stderr := e.run(t, cmd)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if strings.Contains(out, "in sync") {
				t.Errorf("claims in sync:\n%s", out)
			}
			if !strings.Contains(out, "example.com.: unknown (cannot read the zone: ") {
				t.Errorf("stdout does not say the zone is unknown:\n%s\nstderr:\n%s", out, stderr)
			}
		})
	}
}
