package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lmittmann/tint"

	"github.com/dnssync/dnssync/internal/config"
)

// logEnv is what the log's form depends on besides [log]: where the lines
// go. Apart so that tests can say "a terminal" of a buffer.
type logEnv struct {
	// journal: w is systemd's journal stream ($JOURNAL_STREAM names its
	// device and inode). journald stamps each line itself, and reads its
	// priority from a "<N>" prefix (sd-daemon(3)).
	journal bool
	// noColor: $NO_COLOR is set (no-color.org): no ANSI colours, even on
	// a terminal.
	noColor  bool
	terminal bool // w is a terminal: tint's coloured, short lines
}

// detectLogEnv looks at w and the environment. JOURNAL_STREAM alone is not
// enough: a child of a service inherits it with its stderr sent elsewhere
// (a file, a pipe), so w must be the stream it names.
func detectLogEnv(w io.Writer, getenv func(string) string) logEnv {
	f, _ := w.(*os.File)
	return logEnv{
		journal:  f != nil && isJournalStream(f, getenv("JOURNAL_STREAM")),
		noColor:  getenv("NO_COLOR") != "",
		terminal: f != nil && isTerminal(f),
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newLogger is the log of a command or the daemon, on w (stderr).
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	return newLoggerFor(c, w, detectLogEnv(w, os.Getenv))
}

// newLoggerFor picks the form: under systemd, lines with journal
// priorities and no timestamp of their own (text, or JSON when asked);
// JSON when asked; tint on a terminal (without colour under NO_COLOR);
// plain text otherwise.
func newLoggerFor(c config.Log, w io.Writer, env logEnv) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level}
	switch {
	case env.journal:
		opts.ReplaceAttr = dropTime
		out := &journalOut{w: w}
		var h slog.Handler = slog.NewTextHandler(out, opts)
		if c.Format == config.LogJSON {
			h = slog.NewJSONHandler(out, opts)
		}
		return slog.New(journalHandler{Handler: h, out: out})
	case c.Format == config.LogJSON:
		return slog.New(slog.NewJSONHandler(w, opts))
	case c.Format == config.LogAuto && env.terminal:
		return slog.New(tint.NewTextHandler(w, &tint.Options{Level: c.Level, TimeFormat: time.TimeOnly, NoColor: env.noColor}))
	default:
		return slog.New(slog.NewTextHandler(w, opts))
	}
}

// dropTime leaves the record's time out: journald has it already.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// journalPriority is the syslog priority of a level, as the "<N>" prefix
// journald reads: err, warning, info, debug.
func journalPriority(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "<3>"
	case l >= slog.LevelWarn:
		return "<4>"
	case l >= slog.LevelInfo:
		return "<6>"
	}
	return "<7>"
}

// journalHandler writes each record as its inner handler formats it,
// prefixed with the record's journal priority, in one write: journald
// reads a line's priority from its start only.
type journalHandler struct {
	slog.Handler // formats into out
	out          *journalOut
}

// journalOut is where the inner handlers (the root's and those WithAttrs
// and WithGroup derive) format a record, one at a time, under mu.
type journalOut struct {
	mu  sync.Mutex
	buf bytes.Buffer
	w   io.Writer
}

// Write is the inner handler's output, held until the line is whole.
// Only Handle's call of the inner handler, under mu, gets here.
func (o *journalOut) Write(p []byte) (int, error) { return o.buf.Write(p) }

func (h journalHandler) Handle(ctx context.Context, r slog.Record) error {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	h.out.buf.Reset()
	h.out.buf.WriteString(journalPriority(r.Level))
	if err := h.Handler.Handle(ctx, r); err != nil {
		return err
	}
	_, err := h.out.w.Write(h.out.buf.Bytes())
	return err
}

func (h journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return journalHandler{Handler: h.Handler.WithAttrs(as), out: h.out}
}

func (h journalHandler) WithGroup(name string) slog.Handler {
	return journalHandler{Handler: h.Handler.WithGroup(name), out: h.out}
}

// writeError writes a command's error message (one line or several) to
// stderr. Under systemd every line carries the journal's error priority:
// journald reads a priority per line and files a line without one at
// info, where `journalctl -p warning` would hide why a unit failed.
func writeError(stderr io.Writer, text string) {
	if detectLogEnv(stderr, os.Getenv).journal {
		const errPrefix = "<3>" // sd-daemon(3): LOG_ERR
		text = errPrefix + strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\n"+errPrefix) + "\n"
	}
	io.WriteString(stderr, text)
}
