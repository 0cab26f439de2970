// Package llm builds the language model civicbot writes answers with, through langchaingo.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/googleai"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
	"google.golang.org/api/option"
)

// ErrIncomplete is returned for an answer the model did not finish: a stream that
// ended without a finish reason (cut off on the way) or one cut at the token limit.
// Half a sentence is not an answer.
var ErrIncomplete = errors.New("llm: the answer is incomplete")

// ErrNone is returned by New when the configuration names no model: the bot then
// answers extractively, without one.
var ErrNone = errors.New("llm: no language model configured")

// Config says which model to build. cmd/civicbot fills it from LLM_PROVIDER,
// LLM_MODEL, LLM_BASE_URL, LLM_API_KEY and LLM_NO_STREAM_USAGE.
type Config struct {
	// Provider is "openai" (OpenAI or any OpenAI-compatible server), "ollama",
	// "googleai" or "anthropic"; "" and "none" mean no model.
	Provider string
	// Model names the model. Required for ollama and anthropic; openai defaults to
	// DefaultOpenAIModel and googleai to DefaultGoogleAIModel.
	Model string
	// BaseURL is the server's API root, e.g. "http://127.0.0.1:8000/v1" for an
	// OpenAI-compatible server or "http://127.0.0.1:11434" for Ollama; empty means
	// the provider's own (for Ollama, OLLAMA_HOST or 127.0.0.1:11434).
	BaseURL string
	// APIKey authenticates with the provider. Required for googleai, anthropic and
	// api.openai.com; a self-hosted OpenAI-compatible server given by BaseURL
	// usually needs none.
	APIKey string
	// Timeout bounds one HTTP request, including the whole of a streamed answer;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// NoStreamUsage keeps stream_options out of streamed OpenAI requests from the
	// start, for servers known to refuse it. Without it the first refusal teaches
	// the model to leave it out (see New).
	NoStreamUsage bool
	// HTTPClient, if set, makes the requests (tests); a zero Timeout on it is
	// replaced by Timeout. Nil means a client of its own.
	HTTPClient *http.Client
}

const (
	// DefaultTimeout bounds one request when Config.Timeout is 0. The providers'
	// own default clients have no timeout at all.
	DefaultTimeout = 60 * time.Second
	// DefaultOpenAIModel is the openai model when Config.Model is empty.
	DefaultOpenAIModel = "gpt-4o-mini"
	// DefaultGoogleAIModel is the googleai model when Config.Model is empty.
	DefaultGoogleAIModel = "gemini-2.0-flash"

	// placeholderKey is sent to self-hosted OpenAI-compatible servers that need no
	// key: langchaingo's OpenAI client refuses to start without one.
	placeholderKey = "none"
	openAIBaseURL  = "https://api.openai.com/v1"
)

// Providers lists the valid values of Config.Provider.
func Providers() []string { return []string{"none", "openai", "ollama", "googleai", "anthropic"} }

// New returns the model that cfg names, or ErrNone when it names none. It makes
// no request: a wrong key or an unreachable server shows at the first answer.
//
// The openai model works around OpenAI-compatible servers that refuse the
// "stream_options" field langchaingo always adds to streamed requests: a 400 (or
// 422) that mentions it makes the model send the request again without the
// field, and leave it out of every later request.
//
// The model implements io.Closer, to release the connections that some
// providers (googleai) keep.
func New(_ context.Context, cfg Config) (llms.Model, error) {
	provider := strings.ToLower(strings.TrimSpace(cfg.Provider))
	switch provider {
	case "", "none":
		return nil, ErrNone
	case "openai", "ollama", "googleai", "anthropic":
	default:
		return nil, fmt.Errorf("llm: unknown provider %q (LLM_PROVIDER): want one of %s", cfg.Provider, strings.Join(Providers(), ", "))
	}
	if cfg.BaseURL != "" {
		// Checked here because langchaingo's Ollama option calls log.Fatal on a bad URL.
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("llm: %s: base URL %q (LLM_BASE_URL) is not an http(s) URL", provider, cfg.BaseURL)
		}
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("llm: %s: negative timeout %v", provider, cfg.Timeout)
	}
	hc := httpClient(cfg)

	var (
		m   llms.Model
		err error
	)
	switch provider {
	case "openai":
		m, err = newOpenAI(cfg, hc)
	case "ollama":
		m, err = newOllama(cfg, hc)
	case "googleai":
		m, err = newGoogleAI(cfg, hc)
	case "anthropic":
		m, err = newAnthropic(cfg, hc)
	}
	if err != nil {
		return nil, fmt.Errorf("llm: %s: %w", provider, err)
	}
	return &model{inner: m, provider: provider}, nil
}

// httpClient returns a copy of cfg.HTTPClient, or a new client, with a timeout.
// A copy, so that the transport wrapped for one model is not shared with others.
func httpClient(cfg Config) *http.Client {
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	if hc.Timeout == 0 {
		hc.Timeout = timeout
	}
	return &hc
}

func newOpenAI(cfg Config, hc *http.Client) (llms.Model, error) {
	key, base := cfg.APIKey, cfg.BaseURL
	if base == "" {
		// Explicit, or langchaingo would read OPENAI_BASE_URL from the environment.
		base = openAIBaseURL
	}
	if key == "" {
		if cfg.BaseURL == "" {
			return nil, errors.New("an API key (LLM_API_KEY) is required for api.openai.com; set LLM_BASE_URL for a self-hosted server")
		}
		key = placeholderKey
	}
	name := cfg.Model
	if name == "" {
		name = DefaultOpenAIModel
	}
	hc.Transport = &streamOptionsTransport{base: hc.Transport}
	if cfg.NoStreamUsage {
		hc.Transport.(*streamOptionsTransport).strip.Store(true)
	}
	return openai.New(
		openai.WithToken(key),
		openai.WithModel(name),
		openai.WithBaseURL(base),
		openai.WithHTTPClient(hc),
	)
}

func newOllama(cfg Config, hc *http.Client) (llms.Model, error) {
	if cfg.Model == "" {
		return nil, errors.New("a model (LLM_MODEL) is required, e.g. qwen2.5:7b")
	}
	opts := []ollama.Option{ollama.WithModel(cfg.Model), ollama.WithHTTPClient(hc)}
	if cfg.BaseURL != "" {
		opts = append(opts, ollama.WithServerURL(cfg.BaseURL))
	}
	return ollama.New(opts...)
}

// newGoogleAI returns a Gemini model that is built at its first call: genai's
// client starts connecting a gRPC channel (for cached contents, which civicbot
// does not use) as soon as it is built, and New must not touch the network.
func newGoogleAI(cfg Config, hc *http.Client) (llms.Model, error) {
	if cfg.APIKey == "" {
		// Checked here, or langchaingo would read GOOGLE_API_KEY from the environment.
		return nil, errors.New("an API key (LLM_API_KEY) is required")
	}
	name := cfg.Model
	if name == "" {
		name = DefaultGoogleAIModel
	}
	// Google's transport ignores the API key option when an HTTP client is given,
	// so the client carries the key itself. The key option stays for the gRPC
	// channel, which does not use the HTTP client.
	hc.Transport = &googleKeyTransport{base: hc.Transport, key: cfg.APIKey}
	opts := []googleai.Option{
		googleai.WithAPIKey(cfg.APIKey),
		googleai.WithHTTPClient(hc),
		googleai.WithDefaultModel(name),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, func(o *googleai.Options) {
			o.ClientOptions = append(o.ClientOptions, option.WithEndpoint(cfg.BaseURL))
		})
	}
	return &lazy{build: func(ctx context.Context) (llms.Model, error) {
		return googleai.New(ctx, opts...)
	}}, nil
}

func newAnthropic(cfg Config, hc *http.Client) (llms.Model, error) {
	if cfg.APIKey == "" {
		// Checked here, or langchaingo would read ANTHROPIC_API_KEY from the environment.
		return nil, errors.New("an API key (LLM_API_KEY) is required")
	}
	if cfg.Model == "" {
		// langchaingo's fallback is a model Anthropic has retired.
		return nil, errors.New("a model (LLM_MODEL) is required, e.g. claude-3-5-haiku-latest")
	}
	opts := []anthropic.Option{
		anthropic.WithToken(cfg.APIKey),
		anthropic.WithModel(cfg.Model),
		anthropic.WithHTTPClient(hc),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, anthropic.WithBaseURL(cfg.BaseURL))
	}
	return anthropic.New(opts...)
}

// model names the provider in its errors and keeps a cancelled or expired context
// visible to errors.Is: langchaingo's OpenAI client replaces it with a plain text.
type model struct {
	inner    llms.Model
	provider string
}

var (
	_ llms.Model = (*model)(nil)
	_ io.Closer  = (*model)(nil)
)

func (m *model) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	resp, err := m.inner.GenerateContent(ctx, messages, options...)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return nil, fmt.Errorf("llm: %s: %w", m.provider, err)
	}
	if err := complete(m.provider, resp); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", m.provider, err)
	}
	return resp, nil
}

// complete returns ErrIncomplete for an answer that did not end as finished answers
// do. langchaingo takes a stream that stops without a finish reason or [DONE] as
// whole; the providers whose answers always carry a stop reason say here which ones
// are cut.
func complete(provider string, resp *llms.ContentResponse) error {
	var cut map[string]string
	switch provider {
	case "openai":
		cut = map[string]string{"": "no finish reason: the stream was cut off", "length": "cut at the token limit"}
	case "anthropic":
		cut = map[string]string{"": "no stop reason: the stream was cut off", "max_tokens": "cut at the token limit"}
	default:
		return nil
	}
	if resp == nil || len(resp.Choices) == 0 {
		return nil // an empty answer is the caller's to refuse
	}
	if why, ok := cut[resp.Choices[0].StopReason]; ok {
		return fmt.Errorf("%w (%s)", ErrIncomplete, why)
	}
	return nil
}

// Call is the deprecated half of llms.Model.
func (m *model) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// Close releases the connections the model holds, if any.
func (m *model) Close() error {
	if c, ok := m.inner.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// lazy is a model built at its first call.
type lazy struct {
	build func(context.Context) (llms.Model, error)

	mu     sync.Mutex
	m      llms.Model
	err    error
	closed bool
}

var (
	_ llms.Model = (*lazy)(nil)
	_ io.Closer  = (*lazy)(nil)
)

func (l *lazy) get(ctx context.Context) (llms.Model, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errors.New("model closed")
	}
	if l.m == nil && l.err == nil {
		// Without the call's deadline: the client outlives the call.
		l.m, l.err = l.build(context.WithoutCancel(ctx))
	}
	return l.m, l.err
}

func (l *lazy) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	m, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return m.GenerateContent(ctx, messages, options...)
}

func (l *lazy) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, l, prompt, options...)
}

func (l *lazy) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if c, ok := l.m.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// googleKeyTransport sends the Gemini API key with every request.
type googleKeyTransport struct {
	base http.RoundTripper
	key  string
}

func (t *googleKeyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("x-goog-api-key", t.key)
	return transport(t.base).RoundTrip(r)
}

func transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}
