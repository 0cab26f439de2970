package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	answers    *prometheus.CounterVec
	firstDelta prometheus.Histogram
	streams    prometheus.Gauge
	limited    *prometheus.CounterVec
	feedback   *prometheus.CounterVec
}

func newMetrics(answers *prometheus.CounterVec, extra []prometheus.Collector) (*metrics, error) {
	if answers == nil {
		answers = bot.NewAnswersCounter("web")
	}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civicbot_http_requests_total",
			Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "civicbot_http_request_duration_seconds",
			Help:    "Time to serve a request, by route (a whole stream for SSE chats).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
		answers: answers,
		firstDelta: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "civicbot_chat_first_delta_seconds",
			Help:    "Time from a streamed chat request to the first piece of its answer.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "civicbot_sse_streams_open",
			Help: "Server-Sent Event streams open now.",
		}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civicbot_rate_limited_total",
			Help: "Requests refused by a rate limit, by scope (ip or session).",
		}, []string{"scope"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civicbot_feedback_total",
			Help: "Feedback received, by rating.",
		}, []string{"rating"}),
	}
	for _, scope := range []string{"ip", "session"} {
		m.limited.WithLabelValues(scope)
	}
	for _, r := range []string{conversation.RatingUp, conversation.RatingDown} {
		m.feedback.WithLabelValues(r)
	}
	cs := []prometheus.Collector{
		m.requests, m.duration, m.answers, m.firstDelta, m.streams, m.limited, m.feedback,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, c := range append(cs, extra...) {
		if err := m.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// bearer lets through the requests that carry token as a bearer token, compared in
// constant time; the others get 401.
func bearer(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "a bearer token is needed", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
