// Package web serves civicbot over HTTP: the chat API with streaming, feedback, the
// widget, the demo page, health and metrics.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Answerer answers a citizen's message; *bot.Engine is one.
type Answerer interface {
	Ask(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error)
}

// Store keeps feedback and says whether the data behind the answers is reachable.
type Store interface {
	SaveFeedback(ctx context.Context, f conversation.Feedback) error
	Ready(ctx context.Context) error
}

var _ Answerer = (*bot.Engine)(nil)

// Limit is a token bucket: PerMinute requests a minute on average, Burst at once.
type Limit struct {
	// PerMinute is the sustained rate; 0 takes the default, a negative value turns
	// the limit off.
	PerMinute float64
	// Burst is how many requests may come at once; 0 means a third of PerMinute.
	Burst int
}

// Defaults.
const (
	DefaultMaxBodyBytes = 16 << 10
	DefaultHeartbeat    = 15 * time.Second
	// MaxCommentRunes caps a feedback comment.
	MaxCommentRunes = 1000
	// MaxSessionID is the longest session_id accepted.
	MaxSessionID = 128
)

// Config configures a Server.
type Config struct {
	Engine Answerer
	Store  Store
	// AllowedOrigins may call the API from a browser (WIDGET_ALLOWED_ORIGINS), such as
	// https://www.gov.taipei; "*" allows every origin. The server's own origin is always
	// allowed, so the demo page works with an empty list.
	AllowedOrigins []string
	Log            *slog.Logger

	MaxBodyBytes    int64 // default 16 KiB
	MaxMessageRunes int   // default bot.MaxMessageRunes

	// Rate limits of POST /api/v1/chat (both) and /api/v1/feedback (per IP).
	// Defaults: 20 a minute per session (burst 6), 60 a minute per IP (burst 20).
	RatePerSession Limit
	RatePerIP      Limit
	// SharedLimits keeps the rate limits' buckets where every replica takes from the
	// same ones (PostgreSQL); nil keeps them in this process.
	SharedLimits SharedLimits
	// TrustProxy takes the client address for per-IP limits from the last
	// X-Forwarded-For entry, the one the load balancer in front of civicbot adds. Leave
	// it off when clients reach the server directly: they could choose their address.
	TrustProxy bool

	// Heartbeat is the interval of the SSE comment that keeps proxies from closing a
	// quiet stream (default 15s).
	Heartbeat time.Duration

	// Mount adds routes to the server's mux (the LINE webhook, the admin pages).
	Mount func(mux *http.ServeMux)
	// Collectors are exposed on /metrics beside the server's own metrics.
	Collectors []prometheus.Collector
	// Answers counts the answers of every channel (bot.NewAnswersCounter); nil: one
	// of the web's own.
	Answers *prometheus.CounterVec
	// MetricsElsewhere takes /metrics off the citizens' routes: MetricsHandler
	// serves it on a listener of its own (CIVICBOT_METRICS_ADDR).
	MetricsElsewhere bool
	// TracerProvider records a span per chat request, the parent of the answer's
	// (OpenTelemetry); nil records none.
	TracerProvider trace.TracerProvider
	// MetricsToken, when set, must come as "Authorization: Bearer TOKEN" on /metrics,
	// wherever it is served (CIVICBOT_METRICS_TOKEN).
	MetricsToken string
}

// SharedLimits holds token buckets that every replica takes from.
type SharedLimits interface {
	// Take takes a token from every bucket, or from none when any is empty, and
	// returns for each bucket, in order, how long until it has a token again (0 for
	// one that had a token).
	Take(ctx context.Context, buckets []Bucket) ([]time.Duration, error)
}

// Bucket is one token bucket of a shared limit.
type Bucket struct {
	Key       string // a scope and a session or a client address
	PerSecond float64
	Burst     int
}

// Server is civicbot's HTTP front.
type Server struct {
	engine     Answerer
	store      Store
	log        *slog.Logger
	origins    map[string]bool
	anyOrigin  bool
	maxBody    int64
	maxRunes   int
	heartbeat  time.Duration
	perSession *buckets // nil: no limit
	perIP      *buckets
	shared     SharedLimits // when set, takes the place of perSession and perIP's buckets
	trustProxy bool
	widget     *asset
	demo       *asset
	metrics    *metrics
	metricsOut http.Handler // /metrics, behind the token when there is one
	tracer     trace.Tracer
	handler    http.Handler
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil || cfg.Store == nil {
		return nil, errors.New("web: an engine and a store are needed")
	}
	s := &Server{
		engine:     cfg.Engine,
		store:      cfg.Store,
		log:        cfg.Log,
		origins:    make(map[string]bool),
		maxBody:    cfg.MaxBodyBytes,
		maxRunes:   cfg.MaxMessageRunes,
		heartbeat:  cfg.Heartbeat,
		trustProxy: cfg.TrustProxy,
		shared:     cfg.SharedLimits,
	}
	tp := cfg.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	s.tracer = tp.Tracer("github.com/civicbot/civicbot/bot/web")
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.maxRunes <= 0 {
		s.maxRunes = bot.MaxMessageRunes
	}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultHeartbeat
	}
	for _, o := range cfg.AllowedOrigins {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		if o == "*" {
			s.anyOrigin = true
			continue
		}
		if u, err := url.Parse(o); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" {
			return nil, fmt.Errorf("web: allowed origin %q is not an origin such as https://www.example.gov.tw", o)
		}
		s.origins[o] = true
	}
	s.perSession = newLimiter(cfg.RatePerSession, Limit{PerMinute: 20, Burst: 6})
	s.perIP = newLimiter(cfg.RatePerIP, Limit{PerMinute: 60, Burst: 20})

	var err error
	if s.widget, s.demo, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(cfg.Answers, cfg.Collectors); err != nil {
		return nil, err
	}
	s.metricsOut = s.metrics.handler()
	if cfg.MetricsToken != "" {
		s.metricsOut = bearer(cfg.MetricsToken, s.metricsOut)
	}
	var metricsRoute http.Handler
	if !cfg.MetricsElsewhere {
		metricsRoute = s.metricsOut
	}
	s.handler = s.routes(cfg.Mount, metricsRoute)
	return s, nil
}

// MetricsHandler serves GET /metrics alone, for a listener of its own that only the
// monitoring system reaches.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsOut)
	return mux
}

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler { return s.handler }

// HTTPServer returns an http.Server for the handler, with timeouts that bound slow
// clients and still let answers stream: no server-wide write timeout, but a write
// deadline per request, extended by each streamed event.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// newLimiter returns nil when the limit is off.
func newLimiter(l, def Limit) *buckets {
	switch {
	case l.PerMinute < 0:
		return nil
	case l.PerMinute == 0:
		l = def
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.PerMinute/3)))
	}
	return newBuckets(l, maxLimiterKeys)
}
