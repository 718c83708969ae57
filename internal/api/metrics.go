package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics serves the Gatherer in Prometheus' formats. A collector that
// fails is logged and the rest is still served: one bad collector should
// not blank every dashboard.
func (s *Server) metrics() http.Handler {
	return promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{
		ErrorLog:      promLogger{s.log},
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// promLogger lets promhttp report through slog.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("serving metrics", "err", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
