package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
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

	EmbeddingsProvider string
	EmbeddingsModel    string
	EmbeddingsBaseURL  string
	EmbeddingsAPIKey   string
	EmbeddingsDim      string

	LineChannelSecret      string
	LineChannelAccessToken string
	LineAPIBaseURL         string

	WidgetAllowedOrigins []string
}

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
		EmbeddingsProvider:     strings.ToLower(env("EMBEDDINGS_PROVIDER", "hash")),
		EmbeddingsModel:        env("EMBEDDINGS_MODEL", ""),
		EmbeddingsBaseURL:      env("EMBEDDINGS_BASE_URL", env("LLM_BASE_URL", "")),
		EmbeddingsAPIKey:       env("EMBEDDINGS_API_KEY", env("LLM_API_KEY", "")),
		EmbeddingsDim:          env("EMBEDDINGS_DIM", ""),
		LineChannelSecret:      env("LINE_CHANNEL_SECRET", ""),
		LineChannelAccessToken: env("LINE_CHANNEL_ACCESS_TOKEN", ""),
		LineAPIBaseURL:         env("LINE_API_BASE_URL", ""),
	}
	for _, o := range strings.Split(env("WIDGET_ALLOWED_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.WidgetAllowedOrigins = append(c.WidgetAllowedOrigins, strings.TrimRight(o, "/"))
		}
	}
	return c, c.validate()
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
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("CIVICBOT_ADDR=%q: want host:port or :port", c.Addr))
	}
	for name, v := range map[string]string{"LLM_BASE_URL": c.LLMBaseURL, "EMBEDDINGS_BASE_URL": c.EmbeddingsBaseURL, "LINE_API_BASE_URL": c.LineAPIBaseURL} {
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
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// print writes the configuration with secrets masked.
func (c Config) print(w io.Writer) {
	store := "embedded in " + c.DataDir
	if c.DatabaseURL != "" {
		store = maskURL(c.DatabaseURL)
	}
	fmt.Fprintf(w, "config: store=%s addr=%s llm=%s", store, c.Addr, c.LLMProvider)
	if c.LLMProvider != "none" {
		fmt.Fprintf(w, " llm_model=%s llm_base_url=%s llm_api_key=%s", c.LLMModel, c.LLMBaseURL, mask(c.LLMAPIKey))
	}
	fmt.Fprintf(w, " embeddings=%s", c.EmbeddingsProvider)
	if c.EmbeddingsProvider != "hash" {
		fmt.Fprintf(w, " embeddings_model=%s embeddings_base_url=%s embeddings_api_key=%s", c.EmbeddingsModel, c.EmbeddingsBaseURL, mask(c.EmbeddingsAPIKey))
	}
	fmt.Fprintf(w, " line_channel_secret=%s line_channel_access_token=%s", mask(c.LineChannelSecret), mask(c.LineChannelAccessToken))
	if c.LineAPIBaseURL != "" {
		fmt.Fprintf(w, " line_api_base_url=%s", c.LineAPIBaseURL)
	}
	fmt.Fprintf(w, " widget_allowed_origins=%s\n", strings.Join(c.WidgetAllowedOrigins, ","))
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
