package corednstest

import "context"

// TB is the part of testing.TB the starters use: *testing.T and *testing.B
// satisfy it. It is declared here so that the package does not import
// "testing" into the bench's binary.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	TempDir() string
	Failed() bool
}

// Binary returns the path of the CoreDNS binary, failing tb when there is
// none (see Kind.Find).
func Binary(tb TB) string {
	tb.Helper()
	p, err := CoreDNS.Find()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return p
}

// Start starts CoreDNS with the Corefile, in a directory of tb's, returning
// once it answers. PORT in the Corefile becomes a free port, DIR the
// server's directory. It is stopped when tb's test ends, and its log shown
// if the test failed.
func Start(tb TB, corefile string) *Server {
	tb.Helper()
	return StartSpec(tb, Spec{Kind: CoreDNS, Conf: corefile})
}

// StartFiles starts CoreDNS with files["Corefile"] and the other files
// given (seed zones), PORT and DIR replaced in each.
func StartFiles(tb TB, files map[string]string) *Server {
	tb.Helper()
	more := map[string]string{}
	for name, content := range files {
		more[name] = content
	}
	corefile := more["Corefile"]
	delete(more, "Corefile")
	return StartSpec(tb, Spec{Kind: CoreDNS, Conf: corefile, Files: more})
}

// StartBIND starts named with named.conf and the other files given (zone
// files), PORT and DIR replaced as in Start.
func StartBIND(tb TB, namedConf string, files map[string]string) *Server {
	tb.Helper()
	return StartSpec(tb, Spec{Kind: BIND, Conf: namedConf, Files: files})
}

// StartKnot starts knotd with knot.conf and the other files given, PORT
// and DIR replaced as in Start.
func StartKnot(tb TB, knotConf string, files map[string]string) *Server {
	tb.Helper()
	return StartSpec(tb, Spec{Kind: Knot, Conf: knotConf, Files: files})
}

// StartUpdatePrimary starts a server of kind k that serves z.Zone from
// z.Seed and takes UPDATEs signed with z's key (see UpdateZone.Spec).
func StartUpdatePrimary(tb TB, k Kind, z UpdateZone) *Server {
	tb.Helper()
	return StartSpec(tb, z.Spec(k))
}

// StartSpec launches spec, in a new directory of tb's when spec.Dir is
// empty, and stops the server when tb's test ends, showing its log if the
// test failed. A server that cannot start fails tb.
func StartSpec(tb TB, spec Spec) *Server {
	tb.Helper()
	if spec.Dir == "" {
		spec.Dir = tb.TempDir()
	}
	s, err := Launch(context.Background(), spec)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() {
		s.Stop()
		if tb.Failed() {
			tb.Logf("%s output:\n%s", s.Name, s.Log())
		}
	})
	return s
}

// Restart stops the server and starts it again on the same port from its
// original files (see Relaunch), failing tb, the test it is called in,
// when it cannot.
func (s *Server) Restart(tb TB) {
	tb.Helper()
	if err := s.Relaunch(context.Background()); err != nil {
		tb.Fatalf("%v", err)
	}
}
