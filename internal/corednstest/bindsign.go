package corednstest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Zones signed by a signer dnssync did not write, BIND's dnssec-signzone,
// for tests of dnssync's DNSSEC validation: a validator checked only
// against its own signer could share its mistakes.

// BINDSigned is a zone signed by dnssec-signzone with a KSK and a ZSK
// (ECDSAP256SHA256), both made by dnssec-keygen.
type BINDSigned struct {
	File string // the signed zone file
	DS   string // the KSK's DS record (SHA-256), as dnssec-dsfromkey prints it
}

// SignWithBIND writes content (a zone file of zone) in dir, makes the keys
// there and signs it, with NSEC3 (no salt, no extra iterations: RFC 9276)
// when nsec3 is set, else NSEC. It fails tb when a tool is missing or
// fails.
func SignWithBIND(tb TB, dir, zone, content string, nsec3 bool) BINDSigned {
	tb.Helper()
	zone = strings.TrimSuffix(zone, ".")
	in := filepath.Join(dir, "db."+zone+".unsigned")
	if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
		tb.Fatalf("write %s: %v", in, err)
	}
	run := func(tool string, args ...string) string {
		tb.Helper()
		p, err := findSystem(tool, tool+" not found: apt-get install bind9-utils (.ci/run does)")
		if err != nil {
			tb.Fatalf("%v", err)
		}
		cmd := exec.Command(p, args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			tb.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	ksk := run("dnssec-keygen", "-q", "-K", dir, "-a", "ECDSAP256SHA256", "-f", "KSK", "-n", "ZONE", zone)
	run("dnssec-keygen", "-q", "-K", dir, "-a", "ECDSAP256SHA256", "-n", "ZONE", zone)
	out := filepath.Join(dir, "db."+zone)
	args := []string{"-S", "-K", dir, "-o", zone, "-f", out}
	if nsec3 {
		args = append(args, "-3", "-", "-H", "0")
	}
	run("dnssec-signzone", append(args, in)...)
	return BINDSigned{File: out, DS: run("dnssec-dsfromkey", "-2", filepath.Join(dir, ksk+".key"))}
}

// FileCorefile serves zone from file with the file plugin (no reload: the
// file is written once), for queries only. CoreDNS v1.15.0's file plugin
// refuses an NSEC3-signed zone ("NSEC3 zone is not supported"): serve
// those with FileNamedConf.
func FileCorefile(zone, file string) string {
	return fmt.Sprintf(`%s:PORT {
    bind 127.0.0.1
    file %s
}
`, zone, file)
}

// FileNamedConf is a named.conf serving zone from file as a primary, as
// it is (a signed file stays as signed, nothing re-signed), for queries
// only.
func FileNamedConf(zone, file string) string {
	return fmt.Sprintf(`options {
    directory "DIR";
    listen-on port PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file "DIR/named.pid";
    session-keyfile "DIR/session.key";
    recursion no;
    dnssec-validation no;
    notify no;
};
controls { };
zone "%s" {
    type primary;
    file "%s";
};
`, strings.TrimSuffix(zone, "."), file)
}
