package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line"
	"github.com/civicbot/civicbot/bot/web"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/console"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/prometheus/client_golang/prometheus"
)

// purgePeriod is how often serve deletes what is past the retention period.
const purgePeriod = time.Hour

// shutdownTimeout is how long answers in progress get to finish at shutdown.
const shutdownTimeout = 10 * time.Second

// serve runs the HTTP server until ctx is cancelled (a signal), then lets the answers
// in progress finish.
func (a *app) serve(ctx context.Context, args []string) error {
	fs := newFlags("serve", a.stderr, "")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return fmt.Errorf("serve: unexpected arguments %q", rest)
	}
	a.cfg.print(a.stderr)
	stopTracing, err := a.startTracing(ctx)
	if err != nil {
		return err
	}
	defer stopTracing(context.WithoutCancel(ctx))
	engine, store, err := a.engine(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	defer closeEngine(ctx, engine)
	// Synonyms staff change on another replica are in use here within seconds.
	if w, ok := store.(retrieval.SynonymWatcher); ok {
		go retrieval.StaffSynonyms{Store: store, Log: a.log}.Watch(ctx, w)
	}
	collectors := engineCollectors(&engine.Stats)
	if c := a.searchCache; c != nil {
		collectors = append(collectors,
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "civicbot_search_cache_hits_total", Help: "Searches answered from the results kept since the corpus last changed."},
				func() float64 { return float64(c.Hits.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "civicbot_search_cache_misses_total", Help: "Searches made in the store while the cache was in use (not kept, or kept before a change)."},
				func() float64 { return float64(c.Misses.Load()) }))
	}
	channels := []string{"web"}
	if a.cfg.LineChannelSecret != "" {
		channels = append(channels, "line")
	}
	answers := bot.NewAnswersCounter(channels...)
	var mount func(*http.ServeMux)
	var lh *line.Handler
	if a.cfg.LineChannelSecret != "" {
		lh, err = line.New(line.Config{
			ChannelSecret: a.cfg.LineChannelSecret,
			AccessToken:   a.cfg.LineChannelAccessToken,
			APIBaseURL:    a.cfg.LineAPIBaseURL,
			NoPush:        !a.cfg.LinePushFallback,
			Workers:       a.cfg.LineWorkers,
			Engine:        engine,
			Store:         store,
			Retention:     engine.Retention(),
			Log:           a.log,
			Answers:       answers,

			TracerProvider: a.tracerProvider,
		})
		if err != nil {
			return err
		}
		if err := lh.Start(ctx); err != nil {
			return err
		}
		defer lh.Close()
		mount = func(mux *http.ServeMux) { mux.Handle("POST /line/webhook", lh) }
		collectors = append(collectors, lh.Collectors()...)
	}

	auth := staff.NewAuth(store, a.log, nil)
	var sso *console.OIDC
	if a.cfg.OIDCIssuer != "" {
		if sso, err = console.NewOIDC(ctx, console.OIDCConfig{Issuer: a.cfg.OIDCIssuer, ClientID: a.cfg.OIDCClientID,
			ClientSecret: a.cfg.OIDCClientSecret, RedirectURL: a.cfg.OIDCRedirectURL, RoleClaim: a.cfg.OIDCRoleClaim}); err != nil {
			return err
		}
	}
	cc := console.Config{Auth: auth, Data: store, Engine: engine, Log: a.log, TrustProxy: a.cfg.TrustProxy,
		SecureCookies: strings.HasPrefix(a.cfg.OIDCRedirectURL, "https://"), OIDC: sso}
	if m, ok := store.(*memstore.Store); ok {
		cc.Backup = m
	}
	cons, err := console.New(cc)
	if err != nil {
		return err
	}
	lineMount := mount
	mount = func(mux *http.ServeMux) {
		cons.Mount(mux)
		if lineMount != nil {
			lineMount(mux)
		}
	}

	srv, err := web.New(web.Config{
		Engine:         engine,
		Store:          store,
		AllowedOrigins: a.cfg.WidgetAllowedOrigins,
		Log:            a.log,
		RatePerSession: limit(a.cfg.RateLimitSession),
		RatePerIP:      limit(a.cfg.RateLimitIP),
		SharedLimits:   sharedLimits(store),
		TrustProxy:     a.cfg.TrustProxy,
		Collectors:     collectors,
		Answers:        answers,
		Mount:          mount,

		TracerProvider:   a.tracerProvider,
		MetricsElsewhere: a.cfg.MetricsAddr != "",
		MetricsToken:     a.cfg.MetricsToken,
	})
	if err != nil {
		return err
	}
	// Listen first, so that the log shows the bound address (CIVICBOT_ADDR=:0 picks one).
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := srv.HTTPServer()
	fmt.Fprintf(a.stderr, "civicbot: staff console at %sadmin/\n", baseURL(ln.Addr()))
	// A first start has no staff: a one-time link signs the first admin in.
	if link, err := auth.Bootstrap(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("serve: staff: %w", err)
	} else if link != "" {
		fmt.Fprintf(a.stderr, "civicbot: no staff yet; sign in as the first admin (once, within 24 hours) at\n  %s\n", console.LinkURL(strings.TrimSuffix(baseURL(ln.Addr()), "/"), link))
	}
	// Every listener is up before "serving on", the line that says the server is ready.
	if a.cfg.MetricsAddr != "" {
		stop, err := a.serveMetrics(srv.MetricsHandler())
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	fmt.Fprintf(a.stderr, "civicbot: serving on %s (demo page)\n", baseURL(ln.Addr()))
	if lh != nil {
		fmt.Fprintf(a.stderr, "civicbot: LINE webhook at %sline/webhook\n", baseURL(ln.Addr()))
	}

	go purgeEvery(ctx, store, a.cfg.Retention, purgePeriod, a.log)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing the answers in progress", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if lh != nil {
		// The webhook answers 503 from here on, so LINE redelivers to another replica;
		// the answers in progress get LINE_DRAIN_TIMEOUT, and the events not answered
		// by then stay in the outbox for the next process.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.LineDrainTimeout)
		defer cancel()
		if err := lh.Shutdown(lctx); err != nil {
			a.log.Warn("LINE answers cut short at shutdown; left in the outbox for the next process", "err", err)
		}
	}
	a.log.Info("stopped")
	return nil
}

// limit turns a rate from the configuration (0: none) into the server's.
func limit(perMinute float64) web.Limit {
	if perMinute <= 0 {
		return web.Limit{PerMinute: -1}
	}
	return web.Limit{PerMinute: perMinute}
}

// baseURL is the address to open in a browser: a wildcard address is shown as localhost.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// engineCollectors exposes the engine's counters on /metrics.
func engineCollectors(st *bot.Stats) []prometheus.Collector {
	counter := func(name, help string, load func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(load()) })
	}
	return []prometheus.Collector{
		counter("civicbot_engine_check_failures_total", "Answers that failed the output check.", st.CheckFailures.Load),
		counter("civicbot_engine_llm_failures_total", "LLM calls that failed (the extractive answer was served).", st.LLMFailures.Load),
		counter("civicbot_engine_redactions_total", "Messages in which personal data was redacted.", st.Redactions.Load),
		counter("civicbot_engine_unsaved_turns_total", "Answers given whose turn the store did not keep (no message_id, no memory, no feedback).", st.UnsavedTurns.Load),
	}
}

// serveMetrics serves /metrics on CIVICBOT_METRICS_ADDR, a port that only the
// monitoring system reaches. stop closes it: a scrape is not worth waiting for.
func (a *app) serveMetrics(h http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("serve: metrics: %w", err)
	}
	ms := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := ms.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics listener", "err", err)
		}
	}()
	fmt.Fprintf(a.stderr, "civicbot: metrics on %smetrics\n", baseURL(ln.Addr()))
	return func() { ms.Close() }, nil
}
