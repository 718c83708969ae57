package metrics

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterBuildInfo registers dnssync_build_info: 1, with the version the
// binary was built as and the Go release that built it, the usual way to
// tell from a dashboard which build runs where (join on it, or alert when
// two versions run side by side). It panics if already registered.
func RegisterBuildInfo(reg prometheus.Registerer, version string) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dnssync_build_info",
		Help: "Always 1; its labels are the version dnssync was built as and the Go version that built it.",
	}, []string{"version", "goversion"})
	reg.MustRegister(g)
	g.WithLabelValues(version, runtime.Version()).Set(1)
}
