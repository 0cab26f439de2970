package retrieval

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civicbot/civicbot/corpus"
)

// countingSearcher answers every query with one hit titled by the query's analysed
// text and the number of the call, and counts the calls.
type countingSearcher struct {
	calls  atomic.Int64
	during func() // runs inside each search, when set
	body   int    // bytes of body a hit carries
}

func (s *countingSearcher) Search(ctx context.Context, q Query) ([]Hit, error) {
	n := s.calls.Add(1)
	if s.during != nil {
		s.during()
	}
	text := q.Text
	if q.Analysis != nil {
		text = q.Analysis.Text
	}
	return []Hit{{
		Dataset: "drug", Key: text, Title: fmt.Sprintf("%s #%d", text, n), Evidence: []string{EvidenceTerms},
		Body:   strings.Repeat("x", s.body),
		Facets: corpus.Facets{"licence": map[string]any{"ingredients": []any{"A"}}},
	}}, nil
}

// generation is a store's generation, settable.
type generation struct {
	gen     atomic.Uint64
	unknown atomic.Bool
}

func (g *generation) SearchGeneration() (uint64, bool) { return g.gen.Load(), !g.unknown.Load() }

func newTestCache(entries, bytes int) (*SearchCache, *countingSearcher, *generation) {
	s, g := &countingSearcher{}, &generation{}
	return NewSearchCache(s, g, entries, bytes), s, g
}

func search(t *testing.T, c *SearchCache, q Query) []Hit {
	t.Helper()
	hits, err := c.Search(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestSearchCacheKeepsWhileGenerationHolds(t *testing.T) {
	c, s, g := newTestCache(0, 0)
	first := search(t, c, Query{Text: "普拿疼 有什麼副作用"})
	// The same question as Normalize reads it: full-width, spaces.
	for _, text := range []string{"普拿疼 有什麼副作用", "  普拿疼　有什麼副作用 "} {
		if got := search(t, c, Query{Text: text}); got[0].Title != first[0].Title {
			t.Errorf("%q: %q, want the kept %q", text, got[0].Title, first[0].Title)
		}
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("%d searches in the store, want 1", n)
	}
	if c.Hits.Load() != 2 || c.Misses.Load() != 1 {
		t.Errorf("hits %d, misses %d; want 2 and 1", c.Hits.Load(), c.Misses.Load())
	}
	// Everything else a result depends on is a different search.
	for _, q := range []Query{
		{Text: "普拿疼 有什麼副作用", K: 3},
		{Text: "普拿疼 有什麼副作用", Datasets: []string{"drug"}},
		{Text: "普拿疼 有什麼副作用", Statuses: []string{"active"}},
		{Text: "普拿疼 有什麼副作用", DenseOnly: true},
		{Text: "普拿疼有什麼副作用"},
	} {
		before := s.calls.Load()
		search(t, c, q)
		if s.calls.Load() != before+1 {
			t.Errorf("%+v was served what another query found", q)
		}
	}
	before := s.calls.Load()
	g.gen.Add(1)
	if got := search(t, c, Query{Text: "普拿疼 有什麼副作用"}); got[0].Title == first[0].Title || s.calls.Load() != before+1 {
		t.Errorf("after a change of generation: %q (%d searches), want a new search", got[0].Title, s.calls.Load()-before)
	}
}

func TestSearchCacheKeepsNothingWhileUnknown(t *testing.T) {
	c, s, g := newTestCache(0, 0)
	g.unknown.Store(true)
	for range 3 {
		search(t, c, Query{Text: "普拿疼"})
	}
	if n, _ := c.Len(); s.calls.Load() != 3 || n != 0 {
		t.Errorf("%d searches, %d kept; want 3 and none", s.calls.Load(), n)
	}
}

func TestSearchCacheForgetsWhatChangedDuringTheSearch(t *testing.T) {
	c, s, g := newTestCache(0, 0)
	s.during = func() { g.gen.Add(1) }
	search(t, c, Query{Text: "普拿疼"})
	s.during = nil
	search(t, c, Query{Text: "普拿疼"})
	if n := s.calls.Load(); n != 2 {
		t.Errorf("%d searches, want 2: the first one's result may predate the change", n)
	}
}

func TestSearchCacheFollowsStaffSynonyms(t *testing.T) {
	t.Cleanup(func() { _ = UseStaffSynonyms(nil) })
	c, s, _ := newTestCache(0, 0)
	search(t, c, Query{Text: "悠遊卡怎麼加值"})
	search(t, c, Query{Text: "悠遊卡怎麼加值"})
	if err := UseStaffSynonyms([]SynonymGroup{{Name: "card", Words: []string{"悠遊卡", "電子票證"}}}); err != nil {
		t.Fatal(err)
	}
	search(t, c, Query{Text: "悠遊卡怎麼加值"})
	if n := s.calls.Load(); n != 2 {
		t.Errorf("%d searches, want 2: synonyms approved since change what a question finds", n)
	}
}

func TestSearchCacheHandsOutCopies(t *testing.T) {
	c, _, _ := newTestCache(0, 0)
	got := search(t, c, Query{Text: "普拿疼"})
	want := got[0].Title
	got[0].Title, got[0].Evidence[0] = "changed", "changed"
	got[0].Facets["licence"].(map[string]any)["ingredients"].([]any)[0] = "changed"
	got[0].Facets["main"] = map[string]any{}
	got[0] = Hit{Title: "another"}
	again := search(t, c, Query{Text: "普拿疼"})
	h := again[0]
	if h.Title != want || h.Evidence[0] != EvidenceTerms || h.Facets["main"] != nil ||
		h.Facets["licence"].(map[string]any)["ingredients"].([]any)[0] != "A" {
		t.Errorf("a caller changed what is kept: %+v", h)
	}
}

func TestSearchCacheBounded(t *testing.T) {
	t.Run("entries", func(t *testing.T) {
		c, s, _ := newTestCache(2, 0)
		for _, q := range []string{"一號", "二號", "三號"} {
			search(t, c, Query{Text: q})
		}
		if n, _ := c.Len(); n != 2 {
			t.Errorf("%d kept, want 2", n)
		}
		search(t, c, Query{Text: "三號"})
		search(t, c, Query{Text: "一號"})
		if n := s.calls.Load(); n != 4 {
			t.Errorf("%d searches, want 4: the newest kept, the oldest gone", n)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		c, s, _ := newTestCache(0, 40_000)
		s.body = 5_000
		for i := range 20 {
			search(t, c, Query{Text: fmt.Sprintf("藥品%d號", i)})
		}
		if n, b := c.Len(); b > 40_000 || n == 0 || n >= 10 {
			t.Errorf("%d kept in %d bytes, want some within 40000", n, b)
		}
		s.body = 20_000 // more than a quarter of the bound: not kept at all
		search(t, c, Query{Text: "大藥品"})
		search(t, c, Query{Text: "大藥品"})
		if n := s.calls.Load(); n != 22 {
			t.Errorf("%d searches, want 22", n)
		}
	})
}
