package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// `dnssync verify NAME` names a resolver by its configured name, with its
// address beside it, as `dnssync verify` names servers; an unnamed one by
// its address alone. The words "served" and "will serve by T" stay.
func TestVerifyNamePrintsResolverNames(t *testing.T) {
	t.Parallel()
	auth, authAddr := startDNS(t)
	auth.serve(t, "web-01.example.com. 300 IN A 192.0.2.10")
	e := newEnv(t, authAddr)
	e.write(t, "web.yaml", "records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n")
	named := cachingDNS(t, map[string]string{"web-01.example.com.": "web-01.example.com. 120 IN A 192.0.2.10"})
	lagging := cachingDNS(t, map[string]string{"web-01.example.com.": "web-01.example.com. 7 IN A 192.0.2.9"})
	unnamed := cachingDNS(t, map[string]string{"web-01.example.com.": "web-01.example.com. 120 IN A 192.0.2.10"})
	wrong := cachingDNS(t, map[string]string{"web-01.example.com.": "NXDOMAIN"})
	f, err := os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[[resolvers]]\naddress = %q\nname = \"resolver-a\"\n[[resolvers]]\naddress = %q\nname = \"resolver-b\"\n[[resolvers]]\naddress = %q\n", named, lagging, unnamed)
	f.Close()

	_, out, stderr := e.run(t, "verify", "web-01.example.com")
	for _, re := range []string{
		`(?m)^ok   web-01\.example\.com A at resolver-a \(` + regexp.QuoteMeta(named) + `\): served$`,
		`(?m)^LAG  web-01\.example\.com A at resolver-b \(` + regexp.QuoteMeta(lagging) + `\): will serve by \S+ \(its cache holds 7 \[192\.0\.2\.9\] until then\)$`,
		`(?m)^ok   web-01\.example\.com A at ` + regexp.QuoteMeta(unnamed) + `: served$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no line matching %s in\n%s%s", re, out, stderr)
		}
	}

	// A failing resolver is named in the verdict too.
	f, err = os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[[resolvers]]\naddress = %q\nname = \"resolver-c\"\n", wrong)
	f.Close()
	code, out, _ := e.run(t, "verify", "web-01.example.com")
	if want := "not verified: web-01.example.com is not served as declared by resolver-c (" + wrong + ")\n"; code != exitError ||
		!strings.Contains(out, "FAIL web-01.example.com A at resolver-c ("+wrong+"): want 300 [192.0.2.10], served -\n") || !strings.HasSuffix(out, want) {
		t.Errorf("exit %d, stdout\n%s\nwant a FAIL line and %q", code, out, want)
	}
}
