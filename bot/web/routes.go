package web

import (
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// routes lists every route the server answers; metrics is nil when /metrics is served
// elsewhere.
func (s *Server) routes(mount func(*http.ServeMux), metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/chat", s.traced("chat", s.handleChat))
	mux.HandleFunc("OPTIONS /api/v1/chat", s.handlePreflight)
	mux.HandleFunc("POST /api/v1/feedback", s.handleFeedback)
	mux.HandleFunc("OPTIONS /api/v1/feedback", s.handlePreflight)
	mux.HandleFunc("GET /widget.js", s.handleWidget)
	mux.HandleFunc("GET /{$}", s.handleDemo)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	if mount != nil {
		mount(mux)
	}
	return s.instrument(mux)
}

// writeTimeout bounds writing a response, and each event of a stream.
const writeTimeout = 30 * time.Second

// instrument counts and times every request, sets the headers every response carries,
// and gives the request a write deadline (the server has none, so that streams live).
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		_ = http.NewResponseController(w).SetWriteDeadline(start.Add(writeTimeout))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// recorder remembers the status of a response; Unwrap lets http.ResponseController
// reach the connection for flushes and deadlines.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// traced runs a handler in a server span, the parent of the engine's answer span, so
// that the answer's trace covers the request and the request's log lines carry its id.
func (s *Server) traced(name string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := s.tracer.Start(r.Context(), name, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		h(w, r.WithContext(ctx))
	})
}
