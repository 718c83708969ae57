package metrics

import (
	"net/http"
	"strconv"
	"time"
)

// ObserveRequest counts one HTTP request the API answered and how long it
// took. route is the pattern the request matched ("" when none did): a
// raw path would make a series per name asked for, without bound. A method
// outside HTTP's own is counted as "other", for the same reason.
func (m *Metrics) ObserveRequest(route, method string, code int, took time.Duration) {
	if route == "" {
		route = "none"
	}
	labels := []string{route, knownMethod(method), strconv.Itoa(code)}
	m.requests.WithLabelValues(labels...).Inc()
	m.requestTime.WithLabelValues(labels...).Observe(took.Seconds())
}

func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}
