// Package embedding builds the embedder the configuration names: the offline
// hash embedder, or a model served over HTTP through langchaingo (any
// OpenAI-compatible server, or Ollama).
package embedding

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// Config says which embedder to build.
type Config struct {
	// Provider is "hash" (or ""), "openai" (any OpenAI-compatible server) or "ollama".
	Provider string
	// Model is the embedding model; required for the model providers.
	Model string
	// BaseURL is the server's API root, e.g. "http://127.0.0.1:8000/v1" for an
	// OpenAI-compatible server or "http://127.0.0.1:11434" for Ollama; empty means
	// the provider's default (api.openai.com, or Ollama's OLLAMA_HOST).
	BaseURL string
	// APIKey authenticates with the server. OpenAI's own API needs one; a
	// self-hosted server given by BaseURL usually does not.
	APIKey string
	// Dim is the hash embedder's dimension (0 means hashembed.DefaultDim). For a
	// model it is optional: if set, OpenAI-compatible servers are asked for that
	// many dimensions, and a model that answers with another number is an error.
	Dim int
	// HTTPClient, if set, makes the model requests; its Timeout should be set.
	// Nil means a client with RequestTimeout.
	HTTPClient *http.Client
}

// Info names the embedder that New built.
type Info struct {
	// Name identifies the vectors: "hash-v1-256", "openai:text-embedding-3-small".
	// Vectors from embedders with different names must not be compared.
	Name string
	// Dim is the number of dimensions of every vector.
	Dim int
}

// Providers lists the valid values of Config.Provider.
func Providers() []string { return []string{"hash", "openai", "ollama"} }

const (
	// RequestTimeout bounds one embedding request when Config.HTTPClient is nil.
	RequestTimeout = 60 * time.Second
	// ProbeTimeout bounds the request New makes to learn a model's dimension.
	ProbeTimeout = 30 * time.Second
	// BatchSize is the number of texts sent in one request. Self-hosted
	// OpenAI-compatible servers often cap a request's inputs (text-embeddings-
	// inference at 32 by default), so it stays small.
	BatchSize = 32

	// placeholderKey is sent when a self-hosted server needs no key:
	// langchaingo's OpenAI client refuses to start without one.
	placeholderKey = "unused"
	probeText      = "civicbot 藥品 probe"
)

// New returns the embedder that c names, and its Info. For a model provider it
// embeds a short probe text once, to learn the dimension and to fail at start-up,
// not at the first citizen's question, when the server is unreachable or refuses.
func New(ctx context.Context, c Config) (embeddings.Embedder, Info, error) {
	provider := strings.ToLower(strings.TrimSpace(c.Provider))
	switch provider {
	case "", "hash":
		if c.Dim > hashembed.MaxDim {
			return nil, Info{}, fmt.Errorf("embedding: hash: %d dimensions is more than %d", c.Dim, hashembed.MaxDim)
		}
		e := hashembed.New(c.Dim)
		return e, Info{Name: e.Name(), Dim: e.Dim()}, nil
	case "openai", "ollama":
	default:
		return nil, Info{}, fmt.Errorf("embedding: unknown provider %q: want one of %s", c.Provider, strings.Join(Providers(), ", "))
	}
	if c.Model == "" {
		return nil, Info{}, fmt.Errorf("embedding: %s: a model is required", provider)
	}
	if c.Dim < 0 || c.Dim > hashembed.MaxDim {
		return nil, Info{}, fmt.Errorf("embedding: %s: %d dimensions is out of range", provider, c.Dim)
	}
	if c.BaseURL != "" {
		// Checked here because langchaingo's Ollama option calls log.Fatal on a bad URL.
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, Info{}, fmt.Errorf("embedding: %s: base URL %q is not an http(s) URL", provider, c.BaseURL)
		}
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: RequestTimeout}
	}

	var client embeddings.EmbedderClient
	switch provider {
	case "openai":
		key := c.APIKey
		if key == "" {
			if c.BaseURL == "" {
				return nil, Info{}, errors.New("embedding: openai: an API key is required for api.openai.com (set a base URL for a self-hosted server)")
			}
			key = placeholderKey
		}
		opts := []openai.Option{
			openai.WithToken(key),
			openai.WithEmbeddingModel(c.Model),
			openai.WithHTTPClient(hc),
		}
		if c.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(c.BaseURL))
		} else {
			// Explicit, or langchaingo would read OPENAI_BASE_URL from the environment.
			opts = append(opts, openai.WithBaseURL("https://api.openai.com/v1"))
		}
		if c.Dim > 0 {
			opts = append(opts, openai.WithEmbeddingDimensions(c.Dim))
		}
		llm, err := openai.New(opts...)
		if err != nil {
			return nil, Info{}, fmt.Errorf("embedding: openai: %w", err)
		}
		client = llm
	case "ollama":
		opts := []ollama.Option{ollama.WithModel(c.Model), ollama.WithHTTPClient(hc)}
		if c.BaseURL != "" {
			opts = append(opts, ollama.WithServerURL(c.BaseURL))
		}
		llm, err := ollama.New(opts...)
		if err != nil {
			return nil, Info{}, fmt.Errorf("embedding: ollama: %w", err)
		}
		client = llm
	}
	// Keep newlines: langchaingo strips them by rewriting the caller's slice in
	// place, and current embedding models read them fine.
	inner, err := embeddings.NewEmbedder(client, embeddings.WithBatchSize(BatchSize), embeddings.WithStripNewLines(false))
	if err != nil {
		return nil, Info{}, fmt.Errorf("embedding: %s: %w", provider, err)
	}
	name := provider + ":" + c.Model
	e := &checked{inner: inner, name: name, dim: c.Dim}

	pctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	v, err := inner.EmbedQuery(pctx, probeText)
	if err == nil {
		err = e.check(v)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("embedding: %s: probe: %w", name, err)
	}
	e.dim = len(v)
	return e, Info{Name: name, Dim: e.dim}, nil
}

// checked turns a model's malformed answers into errors: a missing vector, a
// vector of the wrong size, or one with no direction would otherwise be stored and
// quietly spoil search.
type checked struct {
	inner embeddings.Embedder
	name  string
	dim   int // 0 until learnt
}

var _ embeddings.Embedder = (*checked)(nil)

func (e *checked) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	v, err := e.inner.EmbedQuery(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("embedding: %s: %w", e.name, err)
	}
	if err := e.check(v); err != nil {
		return nil, fmt.Errorf("embedding: %s: %w", e.name, err)
	}
	return v, nil
}

func (e *checked) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	vs, err := e.inner.EmbedDocuments(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embedding: %s: %w", e.name, err)
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("embedding: %s: %d vectors for %d texts", e.name, len(vs), len(texts))
	}
	for i, v := range vs {
		if err := e.check(v); err != nil {
			return nil, fmt.Errorf("embedding: %s: text %d: %w", e.name, i, err)
		}
	}
	return vs, nil
}

func (e *checked) check(v []float32) error {
	if len(v) == 0 || (e.dim > 0 && len(v) != e.dim) {
		return fmt.Errorf("got a vector of %d dimensions, want %d", len(v), e.dim)
	}
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return errors.New("got a zero or non-finite vector")
	}
	return nil
}
