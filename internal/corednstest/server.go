package corednstest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// stopGrace is how long a server has to exit after SIGTERM before it is
// killed.
const stopGrace = 5 * time.Second

// Spec says what server to start and with what files. In Conf and in every
// file, PORT becomes the server's port and DIR its directory.
type Spec struct {
	Kind  Kind              // CoreDNS, BIND or Knot
	Name  string            // for messages; default Kind.String()
	Bin   string            // default: Kind.Find()
	Dir   string            // its files and its log; kept across restarts; must exist
	Conf  string            // the Corefile, named.conf or knot.conf
	Files map[string]string // more files by name: seed zones
	// Zones must each answer their SOA before the server counts as up;
	// without them, any answer will do.
	Zones []string
}

// Server is a running DNS server on 127.0.0.1.
type Server struct {
	Addr string // 127.0.0.1:PORT
	Port int
	Name string

	kind  Kind
	dir   string
	bin   string
	args  []string
	files map[string]string // name -> content, PORT and DIR replaced
	zones []string          // Spec.Zones

	mu   sync.Mutex
	proc *Process // nil while stopped
}

// Launch writes the spec's files and starts the server, returning once it
// answers DNS. A start that fails (another process took the port first) is
// tried again on a new port, three times in all.
func Launch(ctx context.Context, spec Spec) (*Server, error) {
	if spec.Dir == "" {
		return nil, errors.New("start a DNS server: Spec.Dir is empty (it takes the server's files)")
	}
	if spec.Name == "" {
		spec.Name = spec.Kind.String()
	}
	bin := spec.Bin
	if bin == "" {
		var err error
		if bin, err = spec.Kind.Find(); err != nil {
			return nil, err
		}
	}
	files := map[string]string{spec.Kind.confFile(): spec.Conf}
	for name, content := range spec.Files {
		files[name] = content
	}
	var errs []error
	for range 3 {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		s := &Server{
			Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Name: spec.Name,
			kind: spec.Kind, dir: spec.Dir, bin: bin, args: spec.Kind.args(spec.Dir), files: map[string]string{}, zones: spec.Zones,
		}
		for name, content := range files {
			content = strings.ReplaceAll(content, "PORT", fmt.Sprint(port))
			s.files[name] = strings.ReplaceAll(content, "DIR", spec.Dir)
		}
		err = s.start(ctx)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("start %s in %s: %w", spec.Name, spec.Dir, errors.Join(errs...))
}

// start writes the files afresh (a restart starts from them again, losing
// whatever the server did not persist elsewhere), starts the server and
// waits until it answers; a server that does not is stopped.
func (s *Server) start(ctx context.Context) error {
	for name, content := range s.files {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	log, err := os.OpenFile(s.LogPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open its log: %w", err)
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	p, err := StartProcess(s.Name, cmd, log)
	log.Close() // the child has its own copy
	if err != nil {
		return err
	}
	if err := WaitAnswers(ctx, s.Addr, p, startDeadline, s.zones...); err != nil {
		p.Stop(stopGrace)
		return fmt.Errorf("%w; its log:\n%s", err, s.Log())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// Dir is the server's directory, where its files and its log are.
func (s *Server) Dir() string { return s.dir }

// LogPath is the file the server's output goes to, across restarts:
// coredns.log, named.log or knotd.log in its directory.
func (s *Server) LogPath() string { return filepath.Join(s.dir, s.kind.String()+".log") }

// Log returns what the server printed so far.
func (s *Server) Log() string {
	b, err := os.ReadFile(s.LogPath())
	if err != nil {
		return fmt.Sprintf("(cannot read the log: %v)", err)
	}
	return string(b)
}

// Process is the running server process, nil while it is stopped.
func (s *Server) Process() *Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Stop terminates the server by its PID and waits for it. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.Stop(stopGrace)
	}
}

// Relaunch stops the server and starts it again on the same port from its
// original files, once the port is free again. The port is not reserved
// while it is free: another process may take it first, so a failed start
// is tried again (five times in all).
func (s *Server) Relaunch(ctx context.Context) error {
	s.Stop()
	var err error
	for range 5 {
		if err = waitPortFree(ctx, s.Port, startDeadline); err != nil {
			break
		}
		if err = s.start(ctx); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("restart %s on %s: %w", s.Name, s.Addr, err)
	}
	return nil
}
