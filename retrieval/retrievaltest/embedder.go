package retrievaltest

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/civicbot/civicbot/retrieval"
)

// CountingEmbedder is a small deterministic embedder for store tests: it counts and
// keeps what it embeds, and Before, if set, runs first, so that a test can block or
// cancel a sync in the middle.
type CountingEmbedder struct {
	Dim    int
	Texts  atomic.Int64 // texts embedded as documents
	Before func(ctx context.Context) error

	mu   sync.Mutex
	seen []string
}

func (e *CountingEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if e.Before != nil {
		if err := e.Before(ctx); err != nil {
			return nil, err
		}
	}
	e.Texts.Add(int64(len(texts)))
	e.mu.Lock()
	e.seen = append(e.seen, texts...)
	e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.vec(t)
	}
	return out, nil
}

func (e *CountingEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	return e.vec(text), nil
}

// Seen returns the texts embedded as documents, in order.
func (e *CountingEmbedder) Seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// ResetSeen forgets the texts embedded so far.
func (e *CountingEmbedder) ResetSeen() {
	e.mu.Lock()
	e.seen = nil
	e.mu.Unlock()
}

// Name names the embedder and its dimension, as a store records it.
func (e *CountingEmbedder) Name() string { return fmt.Sprintf("counting-%d", e.Dim) }

// vec is a normalised bag of the text's characters, hashed into Dim buckets.
func (e *CountingEmbedder) vec(t string) []float32 {
	v := make([]float32, e.Dim)
	for _, r := range t {
		h := fnv.New32a()
		fmt.Fprint(h, string(r))
		v[h.Sum32()%uint32(e.Dim)]++
	}
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if n == 0 {
		v[0], n = 1, 1
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// CountingSearcher counts the searches that reach the Searcher it wraps.
type CountingSearcher struct {
	retrieval.Searcher
	N atomic.Int64
}

// Search counts the search and passes it on.
func (c *CountingSearcher) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	c.N.Add(1)
	return c.Searcher.Search(ctx, q)
}

// CachedSearch is a search cache in front of a store, with the searches that reach the
// store counted (Store.N), for the stores' cache tests.
type CachedSearch struct {
	Cache *retrieval.SearchCache
	Store *CountingSearcher
	tb    testing.TB
	q     retrieval.Query
}

// NewCachedSearch puts a cache of default bounds in front of s, whose generations are
// gens, for the question q.
func NewCachedSearch(tb testing.TB, s retrieval.Searcher, gens retrieval.Generational, q retrieval.Query) *CachedSearch {
	store := &CountingSearcher{Searcher: s}
	return &CachedSearch{Cache: retrieval.NewSearchCache(store, gens, 0, 0), Store: store, tb: tb, q: q}
}

// Found reports whether the question, searched through the cache, finds key.
func (c *CachedSearch) Found(key string) bool {
	c.tb.Helper()
	hits, err := c.Cache.Search(c.tb.Context(), c.q)
	if err != nil {
		c.tb.Fatal(err)
	}
	return slices.ContainsFunc(hits, func(h retrieval.Hit) bool { return h.Key == key })
}
