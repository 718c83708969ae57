package main

import (
	"strings"
	"testing"
)

// A single-dash long flag is rewritten for pflag (singleDashFlags); when
// the command does not take it, the error names the flag as it was typed,
// not the rewritten spelling the person never wrote.
func TestUnknownFlagNamedAsTyped(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"apply", "-json"}, "dnssync: apply: unknown flag: -json\n"},
		{[]string{"apply", "-json=true"}, "dnssync: apply: unknown flag: -json\n"},
		{[]string{"plan", "-force"}, "dnssync: plan: unknown flag: -force\n"},
		{[]string{"plan", "--force"}, "dnssync: plan: unknown flag: --force\n"},
		{[]string{"plan", "--force", "-force"}, "dnssync: plan: unknown flag: --force\n"},
		{[]string{"plan", "-bogus"}, "dnssync: plan: unknown shorthand flag: 'b' in -bogus\n"},
	} {
		code, stdout, stderr := runArgs(t, c.args...)
		if first, _, _ := strings.Cut(stderr, "Run '"); code != exitUsage || stdout != "" || first != c.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and stderr starting %q", c.args, code, stdout, stderr, exitUsage, c.want)
		}
	}
}
