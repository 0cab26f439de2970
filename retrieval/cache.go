package retrieval

import (
	"cmp"
	"container/list"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Citizens ask the same things (the widget's suggested questions, LINE's menu
// buttons, the common FAQ questions), and a search's result changes only when what it
// reads does: the corpus (a sync), the documents' statuses (staff suppress or restore
// one), the staff synonyms in use. A SearchCache keeps results between those changes.

// Generational is a store that can tell when what its searches read may have changed.
type Generational interface {
	// SearchGeneration returns a number that changes (after the change is visible
	// to searches) whenever a search of the store could return something else: a
	// sync, a status set, in this process or, for a shared store, in any other. ok
	// is false while the store cannot know (a shared store that is not listening for
	// other processes' changes): then nothing may be kept.
	SearchGeneration() (gen uint64, ok bool)
}

// lexiconGen counts the changes of the synonyms in use (UseStaffSynonyms): they
// change what a question is expanded with and how coverage is weighed.
var lexiconGen atomic.Uint64

// Default bounds of a SearchCache.
const (
	DefaultCacheEntries = 4096
	DefaultCacheBytes   = 64 << 20
)

// SearchCache keeps the results of searches while the store's generation and the
// synonyms in use stay the same. The key is everything a result depends on: the
// question's analysis (Analyze: the text as Normalize reads it, and what it is
// expanded with), K, the datasets, the statuses and DenseOnly; never a session.
// Callers get copies: changing a returned hit does not change what is kept. It is
// bounded in entries and in (estimated) bytes, the least recently used going first.
// It is safe for concurrent use.
type SearchCache struct {
	next       Searcher
	gens       Generational
	maxEntries int
	maxBytes   int

	mu    sync.Mutex
	lru   *list.List // of *cacheEntry, most recent first
	byKey map[string]*list.Element
	bytes int

	Hits, Misses atomic.Int64
}

type cacheEntry struct {
	key        string
	store, lex uint64
	hits       []Hit
	size       int
}

// NewSearchCache returns a cache of next's searches, valid while gens's generation
// holds, of at most entries results (DefaultCacheEntries when 0) and about maxBytes
// bytes (DefaultCacheBytes when 0).
func NewSearchCache(next Searcher, gens Generational, entries, maxBytes int) *SearchCache {
	return &SearchCache{
		next: next, gens: gens,
		maxEntries: cmp.Or(max(entries, 0), DefaultCacheEntries), maxBytes: cmp.Or(max(maxBytes, 0), DefaultCacheBytes),
		lru: list.New(), byKey: map[string]*list.Element{},
	}
}

// Len returns how many results are kept, and their estimated size in bytes.
func (c *SearchCache) Len() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// Search returns the kept result of q when it is current, otherwise searches next
// and keeps what it found.
func (c *SearchCache) Search(ctx context.Context, q Query) ([]Hit, error) {
	// The generations are read before the search: a change during it makes what it
	// found not worth keeping.
	store, ok := c.gens.SearchGeneration()
	if !ok {
		return c.next.Search(ctx, q)
	}
	lex := lexiconGen.Load()
	if q.Analysis == nil {
		a := Analyze(q.Text)
		q.Analysis = &a
	}
	key := cacheKey(q)
	c.mu.Lock()
	if el, found := c.byKey[key]; found {
		e := el.Value.(*cacheEntry)
		if e.store == store && e.lex == lex {
			c.lru.MoveToFront(el)
			hits := cloneHits(e.hits)
			c.mu.Unlock()
			c.Hits.Add(1)
			return hits, nil
		}
		c.remove(el)
	}
	c.mu.Unlock()
	c.Misses.Add(1)
	hits, err := c.next.Search(ctx, q)
	if err != nil {
		return hits, err
	}
	if now, ok := c.gens.SearchGeneration(); !ok || now != store || lexiconGen.Load() != lex {
		return hits, nil
	}
	e := &cacheEntry{key: key, store: store, lex: lex, hits: cloneHits(hits)}
	e.size = len(key) + hitsSize(e.hits)
	if e.size > c.maxBytes/4 {
		return hits, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, found := c.byKey[key]; found {
		c.remove(el)
	}
	c.byKey[key] = c.lru.PushFront(e)
	c.bytes += e.size
	for c.lru.Len() > c.maxEntries || c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
	return hits, nil
}

func (c *SearchCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.bytes -= e.size
}

// cacheKey names q by everything its result depends on.
func cacheKey(q Query) string {
	var b strings.Builder
	a := q.Analysis
	field := func(ss ...string) {
		for _, s := range ss {
			b.WriteString(s)
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	field(a.Text)
	field(a.Tokens...)
	field(a.Synonyms...)
	field(a.Appearance...)
	field(a.Imprints...)
	field(a.LooseImprints...)
	field(a.Names...)
	field(a.Serials...)
	field(strconv.Itoa(q.K), strconv.FormatBool(q.DenseOnly))
	field(q.Datasets...)
	field(q.Statuses...)
	return b.String()
}

// cloneHits copies hits deeply enough that changing the copy's fields, slices or
// facets never changes the original.
func cloneHits(hits []Hit) []Hit {
	if hits == nil {
		return nil
	}
	out := make([]Hit, len(hits))
	for i, h := range hits {
		h.Evidence = append([]string(nil), h.Evidence...)
		if h.Facets != nil {
			h.Facets = cloneValue(map[string]any(h.Facets)).(map[string]any)
		}
		out[i] = h
	}
	return out
}

// cloneValue copies a JSON-like value (facets).
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = cloneValue(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = cloneValue(x)
		}
		return s
	case []string:
		return append([]string(nil), v...)
	case map[string]string:
		m := make(map[string]string, len(v))
		for k, x := range v {
			m[k] = x
		}
		return m
	default:
		return v
	}
}

// hitsSize estimates the bytes hits hold.
func hitsSize(hits []Hit) int {
	n := 0
	for _, h := range hits {
		n += 200 + len(h.Dataset) + len(h.Key) + len(h.Title) + len(h.URL) + len(h.Status) + len(h.Snippet) + len(h.Body)
		for _, e := range h.Evidence {
			n += 16 + len(e)
		}
		if h.Facets != nil {
			n += valueSize(map[string]any(h.Facets))
		}
	}
	return n
}

func valueSize(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 48
		for k, x := range v {
			n += 16 + len(k) + valueSize(x)
		}
		return n
	case []any:
		n := 24
		for _, x := range v {
			n += valueSize(x)
		}
		return n
	case []string:
		n := 24
		for _, x := range v {
			n += 16 + len(x)
		}
		return n
	case string:
		return 16 + len(v)
	default:
		return 16
	}
}
