package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/triage"
	"github.com/civicbot/civicbot/contact"
	"github.com/civicbot/civicbot/retrieval"
)

// Config is civicbot's configuration, read from the environment once.
type Config struct {
	DatabaseURL string // unset: the embedded store in DataDir
	DataDir     string
	Addr        string

	LLMProvider string
	LLMModel    string
	LLMBaseURL  string
	LLMAPIKey   string
	// LLMTimeout bounds a generated answer; past it the extractive answer is served.
	LLMTimeout time.Duration
	// LLMNoStreamUsage stops sending stream_options to servers that reject it (it is
	// also dropped by itself after the first such refusal).
	LLMNoStreamUsage bool
	// LLMQueryRewrite: with an LLM, a question search declines is restated by the LLM
	// in the words an official record would use and searched once more (default on).
	LLMQueryRewrite bool

	// Retention is how long conversations are kept.
	Retention time.Duration
	// StoreTimeout bounds each store call of a request: past it the citizen gets the
	// friendly error with 1999 (CIVICBOT_STORE_TIMEOUT, default 3s).
	StoreTimeout time.Duration
	// CuratedThreshold is how similar a question must be to a curated answer's
	// questions to get it (CIVICBOT_CURATED_THRESHOLD, 0.5 to 1, default 0.8); the
	// console's Try it shows the score a question reaches.
	CuratedThreshold float64

	EmbeddingsProvider string
	EmbeddingsModel    string
	EmbeddingsBaseURL  string
	EmbeddingsAPIKey   string
	EmbeddingsDim      int // 0: the embedder's default

	LineChannelSecret      string
	LineChannelAccessToken string
	LineAPIBaseURL         string
	LinePushFallback       bool // push an answer whose reply token expired (uses the account's quota)
	// LineWorkers is how many LINE answers are made at once (LINE_WORKERS, default 8).
	LineWorkers int
	// LineDrainTimeout is how long a stopping server gives the LINE answers in
	// progress (LINE_DRAIN_TIMEOUT, default 25s: within Kubernetes' 30s grace period);
	// the rest stay in the outbox for the next process.
	LineDrainTimeout time.Duration

	WidgetAllowedOrigins []string

	// RateLimitSession and RateLimitIP are the chat requests a minute allowed per web
	// session and per client IP, shared by every replica on PostgreSQL (per process on
	// the embedded store); 0 turns a limit off. From
	// CIVICBOT_RATE_LIMIT: "session=20,ip=60" (the default) or "off".
	RateLimitSession float64
	RateLimitIP      float64
	// TrustProxy takes the client IP from the last X-Forwarded-For entry, for a server
	// behind a load balancer (CIVICBOT_TRUST_PROXY=true).
	TrustProxy bool

	// OIDC single sign-on for the staff console (all unset: local accounts only).
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirectURL, OIDCRoleClaim string
	// AllowListPath is the allow-list file (CIVICBOT_ALLOWLIST), "" for the embedded
	// one; Allow is the list it holds: the phone numbers and links answers may carry,
	// which ingest screens documents with.
	AllowListPath string
	Allow         *contact.List
	// MetricsAddr serves /metrics on a listener of its own and no longer on Addr
	// (CIVICBOT_METRICS_ADDR, e.g. :9090); MetricsToken requires it as a bearer token
	// (CIVICBOT_METRICS_TOKEN). Either keeps the metrics from the citizens.
	MetricsAddr  string
	MetricsToken string

	// SearchCache is how many search results are kept between changes of what
	// searches read (CIVICBOT_SEARCH_CACHE, default 4096; "off" or 0 keeps none).
	SearchCache int

	// OTLPEndpoint receives OpenTelemetry traces by OTLP/HTTP, e.g.
	// http://otel-collector:4318 (OTEL_EXPORTER_OTLP_ENDPOINT); unset: no tracing.
	OTLPEndpoint string
}

// minMetricsToken is the shortest metrics token accepted: a guessable one protects nothing.
const minMetricsToken = 16

var (
	llmProviders        = []string{"none", "openai", "ollama", "googleai", "anthropic"}
	embeddingsProviders = []string{"hash", "openai", "ollama"}
)

// loadConfig reads and validates the configuration.
func loadConfig(getenv func(string) string) (Config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL:            env("DATABASE_URL", ""),
		DataDir:                env("CIVICBOT_DATA_DIR", "./data"),
		Addr:                   env("CIVICBOT_ADDR", ":8080"),
		LLMProvider:            strings.ToLower(env("LLM_PROVIDER", "none")),
		LLMModel:               env("LLM_MODEL", ""),
		LLMBaseURL:             env("LLM_BASE_URL", ""),
		LLMAPIKey:              env("LLM_API_KEY", ""),
		LLMNoStreamUsage:       isTrue(env("LLM_NO_STREAM_USAGE", "")),
		TrustProxy:             isTrue(env("CIVICBOT_TRUST_PROXY", "")),
		OIDCIssuer:             getenv("OIDC_ISSUER"),
		OIDCClientID:           getenv("OIDC_CLIENT_ID"),
		OIDCClientSecret:       getenv("OIDC_CLIENT_SECRET"),
		OIDCRedirectURL:        getenv("OIDC_REDIRECT_URL"),
		OIDCRoleClaim:          getenv("OIDC_ROLE_CLAIM"),
		EmbeddingsProvider:     strings.ToLower(env("EMBEDDINGS_PROVIDER", "hash")),
		EmbeddingsModel:        env("EMBEDDINGS_MODEL", ""),
		EmbeddingsBaseURL:      env("EMBEDDINGS_BASE_URL", env("LLM_BASE_URL", "")),
		EmbeddingsAPIKey:       env("EMBEDDINGS_API_KEY", env("LLM_API_KEY", "")),
		LineChannelSecret:      env("LINE_CHANNEL_SECRET", ""),
		LineChannelAccessToken: env("LINE_CHANNEL_ACCESS_TOKEN", ""),
		LineAPIBaseURL:         env("LINE_API_BASE_URL", ""),
		MetricsAddr:            env("CIVICBOT_METRICS_ADDR", ""),
		MetricsToken:           env("CIVICBOT_METRICS_TOKEN", ""),
		OTLPEndpoint:           env("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
	}
	for _, o := range strings.Split(env("WIDGET_ALLOWED_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.WidgetAllowedOrigins = append(c.WidgetAllowedOrigins, strings.TrimRight(o, "/"))
		}
	}
	var errs []error
	var err error
	if c.LLMTimeout, err = time.ParseDuration(env("LLM_TIMEOUT", "30s")); err != nil || c.LLMTimeout <= 0 {
		errs = append(errs, fmt.Errorf("LLM_TIMEOUT=%q: want a duration such as 30s", getenv("LLM_TIMEOUT")))
	}
	switch v := env("CIVICBOT_SEARCH_CACHE", strconv.Itoa(retrieval.DefaultCacheEntries)); v {
	case "off":
	default:
		if c.SearchCache, err = strconv.Atoi(v); err != nil || c.SearchCache < 0 || c.SearchCache > 1_000_000 {
			errs = append(errs, fmt.Errorf("CIVICBOT_SEARCH_CACHE=%q: want a number of results from 0 to 1000000, or off", v))
		}
	}
	if c.StoreTimeout, err = time.ParseDuration(env("CIVICBOT_STORE_TIMEOUT", "3s")); err != nil || c.StoreTimeout <= 0 || c.StoreTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("CIVICBOT_STORE_TIMEOUT=%q: want a duration such as 3s, more than 0 and at most 1m", getenv("CIVICBOT_STORE_TIMEOUT")))
	}
	if c.CuratedThreshold, err = strconv.ParseFloat(env("CIVICBOT_CURATED_THRESHOLD", "0.8"), 64); err != nil || c.CuratedThreshold < 0.5 || c.CuratedThreshold > 1 {
		errs = append(errs, fmt.Errorf("CIVICBOT_CURATED_THRESHOLD=%q: want a similarity from 0.5 to 1 (1: only the question itself)", getenv("CIVICBOT_CURATED_THRESHOLD")))
	}
	if c.Retention, err = parseDays("CIVICBOT_RETENTION", env("CIVICBOT_RETENTION", "30d")); err != nil {
		errs = append(errs, err)
	}
	if v := env("EMBEDDINGS_DIM", ""); v != "" {
		if c.EmbeddingsDim, err = strconv.Atoi(v); err != nil || c.EmbeddingsDim <= 0 {
			errs = append(errs, fmt.Errorf("EMBEDDINGS_DIM=%q: want a positive whole number of dimensions, such as 256", getenv("EMBEDDINGS_DIM")))
		}
	}
	if c.LLMQueryRewrite, err = parseSwitch(env("LLM_QUERY_REWRITE", "on")); err != nil {
		errs = append(errs, fmt.Errorf("LLM_QUERY_REWRITE=%q: %w", getenv("LLM_QUERY_REWRITE"), err))
	}
	if c.LinePushFallback, err = parseSwitch(env("LINE_PUSH_FALLBACK", "on")); err != nil {
		errs = append(errs, fmt.Errorf("LINE_PUSH_FALLBACK=%q: %w", getenv("LINE_PUSH_FALLBACK"), err))
	}
	if c.LineWorkers, err = strconv.Atoi(env("LINE_WORKERS", "8")); err != nil || c.LineWorkers < 1 || c.LineWorkers > 1024 {
		errs = append(errs, fmt.Errorf("LINE_WORKERS=%q: want a whole number from 1 to 1024", getenv("LINE_WORKERS")))
	}
	if c.LineDrainTimeout, err = time.ParseDuration(env("LINE_DRAIN_TIMEOUT", "25s")); err != nil || c.LineDrainTimeout <= 0 || c.LineDrainTimeout > time.Hour {
		errs = append(errs, fmt.Errorf("LINE_DRAIN_TIMEOUT=%q: want a duration such as 25s, at most 1h", getenv("LINE_DRAIN_TIMEOUT")))
	}
	if c.RateLimitSession, c.RateLimitIP, err = parseRateLimit(env("CIVICBOT_RATE_LIMIT", "session=20,ip=60")); err != nil {
		errs = append(errs, fmt.Errorf("CIVICBOT_RATE_LIMIT=%q: %w", getenv("CIVICBOT_RATE_LIMIT"), err))
	}
	c.AllowListPath = env("CIVICBOT_ALLOWLIST", "")
	if c.Allow, err = contact.Load(c.AllowListPath); err != nil {
		errs = append(errs, fmt.Errorf("CIVICBOT_ALLOWLIST=%q: %w", c.AllowListPath, err))
	}
	if err := c.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

func isTrue(s string) bool { return s == "1" || strings.EqualFold(s, "true") }

// parseSwitch reads on/off, true/false, yes/no or 1/0.
func parseSwitch(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0":
		return false, nil
	}
	return false, errors.New("want on or off")
}

// parseRateLimit reads "session=N,ip=N" (requests a minute; a part left out keeps its
// default, 0 turns it off) or "off".
func parseRateLimit(s string) (session, ip float64, err error) {
	session, ip = 20, 60
	if strings.EqualFold(s, "off") {
		return 0, 0, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			return 0, 0, fmt.Errorf("want session=N,ip=N (requests a minute, 0 for none) or off")
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "session":
			session = n
		case "ip":
			ip = n
		default:
			return 0, 0, fmt.Errorf("unknown limit %q: want session or ip", name)
		}
	}
	return session, ip, nil
}

// MaxDays is the longest retention accepted (10 years): past it a typo is more likely
// than a wish, and days × 24 h past 106,751 overflow a time.Duration into a negative
// that would purge everything.
const MaxDays = 3650

// parseDays parses a positive duration of at most MaxDays, in days ("30d") or as a Go
// duration ("720h"). name is the variable or flag the value came from, for the error.
func parseDays(name, s string) (time.Duration, error) {
	const want = "want a duration such as 30d or 720h, more than 0 and at most %dd"
	bad := func(why string) error {
		return fmt.Errorf("%s=%q: %s; "+want, name, s, why, MaxDays)
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		days, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		switch {
		case err != nil && errors.Is(err, strconv.ErrRange), err == nil && days > MaxDays:
			return 0, bad("too long")
		case err != nil:
			return 0, bad("not a number of days")
		case days <= 0:
			return 0, bad("not positive")
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(strings.TrimSpace(s)); err != nil {
			// ParseDuration says "invalid" for a number past its range too.
			if t := strings.TrimSpace(s); t != "" && strings.Trim(t, "0123456789.hmsuµn") == "" && strings.ContainsAny(t, "0123456789") {
				return 0, bad("too long")
			}
			return 0, bad("not a duration")
		}
	}
	switch {
	case d <= 0:
		return 0, bad("not positive")
	case d > MaxDays*24*time.Hour:
		return 0, bad("too long")
	}
	return d, nil
}

func (c Config) validate() error {
	var errs []error
	if !slices.Contains(llmProviders, c.LLMProvider) {
		errs = append(errs, fmt.Errorf("LLM_PROVIDER=%q: want one of %s", c.LLMProvider, strings.Join(llmProviders, ", ")))
	}
	if !slices.Contains(embeddingsProviders, c.EmbeddingsProvider) {
		errs = append(errs, fmt.Errorf("EMBEDDINGS_PROVIDER=%q: want one of %s", c.EmbeddingsProvider, strings.Join(embeddingsProviders, ", ")))
	}
	if c.EmbeddingsProvider != "hash" && c.EmbeddingsModel == "" {
		errs = append(errs, fmt.Errorf("EMBEDDINGS_PROVIDER=%s needs EMBEDDINGS_MODEL", c.EmbeddingsProvider))
	}
	if c.LLMProvider != "none" && c.LLMModel == "" {
		errs = append(errs, fmt.Errorf("LLM_PROVIDER=%s needs LLM_MODEL", c.LLMProvider))
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("DATABASE_URL: want postgres://user:password@host:port/database"))
		}
	}
	if (c.LineChannelSecret == "") != (c.LineChannelAccessToken == "") {
		errs = append(errs, errors.New("LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN go together: set both to serve LINE, or neither"))
	}
	if c.OIDCIssuer != "" || c.OIDCClientID != "" || c.OIDCRedirectURL != "" {
		if c.OIDCIssuer == "" || c.OIDCClientID == "" || c.OIDCRedirectURL == "" {
			errs = append(errs, errors.New("OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URL go together (with OIDC_CLIENT_SECRET for a confidential client): set all for single sign-on, or none"))
		} else if !strings.HasSuffix(c.OIDCRedirectURL, "/admin/oidc/callback") {
			errs = append(errs, fmt.Errorf("OIDC_REDIRECT_URL=%q: want https://YOUR-HOST/admin/oidc/callback", c.OIDCRedirectURL))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("CIVICBOT_ADDR=%q: want host:port or :port", c.Addr))
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("CIVICBOT_METRICS_ADDR=%q: want host:port or :port", c.MetricsAddr))
		} else if c.MetricsAddr == c.Addr && port != "0" {
			errs = append(errs, errors.New("CIVICBOT_METRICS_ADDR: want another address than CIVICBOT_ADDR, which the citizens reach"))
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken {
		errs = append(errs, fmt.Errorf("CIVICBOT_METRICS_TOKEN: want at least %d characters (e.g. openssl rand -hex 32)", minMetricsToken))
	}
	for name, v := range map[string]string{"LLM_BASE_URL": c.LLMBaseURL, "EMBEDDINGS_BASE_URL": c.EmbeddingsBaseURL, "LINE_API_BASE_URL": c.LineAPIBaseURL,
		"OTEL_EXPORTER_OTLP_ENDPOINT": c.OTLPEndpoint, "OIDC_ISSUER": c.OIDCIssuer, "OIDC_REDIRECT_URL": c.OIDCRedirectURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s=%q: want an http(s) URL", name, v))
		}
	}
	for _, o := range c.WidgetAllowedOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "") {
			errs = append(errs, fmt.Errorf("WIDGET_ALLOWED_ORIGINS: %q is not an origin such as https://www.example.gov.tw", o))
		}
	}
	return errors.Join(errs...)
}

// print writes the configuration with secrets masked.
func (c Config) print(w io.Writer) {
	store := "embedded in " + c.DataDir
	if c.DatabaseURL != "" {
		store = maskURL(c.DatabaseURL)
	}
	fmt.Fprintf(w, "config: store=%s addr=%s llm=%s", store, c.Addr, c.LLMProvider)
	if c.LLMProvider != "none" {
		fmt.Fprintf(w, " llm_model=%s llm_base_url=%s llm_api_key=%s llm_timeout=%s llm_query_rewrite=%t", c.LLMModel, c.LLMBaseURL, mask(c.LLMAPIKey), c.LLMTimeout, c.LLMQueryRewrite)
	}
	fmt.Fprintf(w, " embeddings=%s", c.EmbeddingsProvider)
	if c.EmbeddingsProvider != "hash" {
		fmt.Fprintf(w, " embeddings_model=%s embeddings_base_url=%s embeddings_api_key=%s", c.EmbeddingsModel, c.EmbeddingsBaseURL, mask(c.EmbeddingsAPIKey))
	}
	fmt.Fprintf(w, " line_channel_secret=%s line_channel_access_token=%s", mask(c.LineChannelSecret), mask(c.LineChannelAccessToken))
	if c.LineChannelSecret != "" {
		fmt.Fprintf(w, " line_push_fallback=%t line_workers=%d line_drain_timeout=%s", c.LinePushFallback, c.LineWorkers, c.LineDrainTimeout)
	}
	if c.LineAPIBaseURL != "" {
		fmt.Fprintf(w, " line_api_base_url=%s", c.LineAPIBaseURL)
	}
	fmt.Fprintf(w, " retention=%s store_timeout=%s curated_threshold=%g search_cache=%d", c.Retention, c.StoreTimeout, c.CuratedThreshold, c.SearchCache)
	if c.OIDCIssuer != "" {
		fmt.Fprintf(w, " oidc_issuer=%s oidc_client_id=%s oidc_client_secret=%s oidc_redirect_url=%s", c.OIDCIssuer, c.OIDCClientID, mask(c.OIDCClientSecret), c.OIDCRedirectURL)
	}
	if c.Allow != nil {
		fmt.Fprintf(w, " allowlist=%s@%s", cmpOr(c.AllowListPath, "embedded"), c.Allow.Version)
	}
	fmt.Fprintf(w, " widget_allowed_origins=%s rate_limit=%s trust_proxy=%t", strings.Join(c.WidgetAllowedOrigins, ","), rateLimit(c.RateLimitSession, c.RateLimitIP), c.TrustProxy)
	// The word lists built in: a change of answers can be traced to a change of lists, and
	// index_version is what the stores record with their index (a change re-derives it).
	fmt.Fprintf(w, " lexicons=retrieval@%s,bot@%s,triage@%s index_version=%s", retrieval.LexiconVersion(), bot.LexiconVersion(), triage.LexiconVersion(), retrieval.IndexVersion())
	fmt.Fprintf(w, " metrics_addr=%s metrics_token=%s otlp_endpoint=%s\n", cmp.Or(c.MetricsAddr, "(main)"), mask(c.MetricsToken), cmp.Or(maskURL(c.OTLPEndpoint), "(off)"))
}

func rateLimit(session, ip float64) string {
	if session == 0 && ip == 0 {
		return "off"
	}
	return fmt.Sprintf("session=%g,ip=%g", session, ip)
}

func mask(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "****"
}

func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "****"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "****")
		u.RawQuery = q.Encode()
	}
	return strings.Replace(u.String(), "%2A%2A%2A%2A", "****", 1)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
