package memstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/eval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/tmc/langchaingo/embeddings"
)

// bundledBatches reads the bundled open data once per test binary.
var bundledBatches = sync.OnceValues(func() ([]*ingest.Batch, error) {
	return opendata.Load(context.Background(), append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
})

// bundled returns the bundled open data; callers must not change the batches.
func bundled(tb testing.TB) []*ingest.Batch {
	tb.Helper()
	bs, err := bundledBatches()
	if err != nil {
		tb.Fatalf("bundled data: %v", err)
	}
	return bs
}

type embedder struct {
	e    embeddings.Embedder
	info memstore.EmbedderInfo
}

// openBundled opens a store in dir holding the bundled open data, with the offline
// embedder civicbot uses by default.
func openBundled(tb testing.TB, dir string) (*memstore.Store, embedder) {
	tb.Helper()
	he := hashembed.New(256)
	e := embedder{he, memstore.EmbedderInfo{Name: he.Name(), Dim: he.Dim()}}
	s, err := memstore.Open(context.Background(), dir, e.e, e.info, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	if _, err := s.Sync(context.Background(), bundled(tb), ingest.SyncOptions{}); err != nil {
		tb.Fatal(err)
	}
	return s, e
}

func evalCases(tb testing.TB, file string) []eval.Case {
	tb.Helper()
	cases, err := eval.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	return cases
}

func evalFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("../../testdata/eval/*.jsonl")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no evaluation sets: %v", err)
	}
	return files
}

// evalFloors are the floors of the evaluation sets on the bundled data, a little
// below what the store measured when they were set (exact search is deterministic:
// the margin is for changes to the sets and the data, not for noise). PostgreSQL's
// store measured recall@5 0.957 and MRR 0.845 on all the sets (BENCHMARKS.md).
var evalFloors = map[string]struct{ recall5, mrr float64 }{
	"citizens.jsonl": {0.84, 0.78}, // measured 0.867, 0.804 (issue 15, with the title-match rerank)
	// Written for issue 15's third round from randomly drawn records, phrased as
	// citizens talk: measured 0.875, 0.721 and 0.946, 0.926 when they were added.
	// Siblings ordered by the title match (fifth round): colloquial 0.903, 0.769.
	"colloquial.jsonl":       {0.88, 0.74},
	"colloquial_drugs.jsonl": {0.92, 0.90},
	"drugs.jsonl":            {0.94, 0.91}, // measured 0.961, 0.938
	// English questions on randomly drawn city FAQs and myths (issue 15's eighth round):
	// 0.280, 0.141 with the hand-made glossary alone; 0.760, 0.582 with the dictionary.
	"english.jsonl":  {0.70, 0.54},
	"mixed.jsonl":    {0.97, 0.93}, // 1.000, 0.958
	"myths.jsonl":    {0.97, 0.94}, // 1.000, 0.961
	"pills.jsonl":    {0.97, 0.97}, // 1.000, 1.000
	"services.jsonl": {0.95, 0.90}, // 0.980, 0.920 (0.909 before the aspects of TitleMatch)
}

// allFloor is the floor of all the sets together (measured 0.967, 0.927 on the 276
// questions before the colloquial sets; 0.948, 0.892 on the 404 with them; 0.953, 0.901
// with siblings ordered by the title match; 0.953, 0.897 on the 429 with english.jsonl).
var allFloor = struct{ recall5, mrr float64 }{0.94, 0.88}

func TestEvalSetsFloor(t *testing.T) {
	s, _ := openBundled(t, t.TempDir())
	var all []eval.Case
	for _, f := range evalFiles(t) {
		name := filepath.Base(f)
		cases := evalCases(t, f)
		all = append(all, cases...)
		t.Run(name, func(t *testing.T) {
			floor, ok := evalFloors[name]
			if !ok {
				t.Fatalf("no floor for %s: add it to evalFloors", name)
			}
			r, err := eval.Run(t.Context(), s, cases, 5)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d cases: recall@1 %.3f recall@5 %.3f recall@10 %.3f MRR %.3f", r.Cases, r.Recall1, r.Recall5, r.Recall10, r.MRR)
			if r.Recall5 < floor.recall5 || r.MRR < floor.mrr {
				t.Errorf("recall@5 %.3f, MRR %.3f: below the floors %.2f, %.2f", r.Recall5, r.MRR, floor.recall5, floor.mrr)
				for _, m := range r.Misses {
					t.Logf("miss %s:%d %q: expected %q, got %v", filepath.Base(m.File), m.Line, m.Question, m.Expect, m.Got)
				}
			}
		})
	}
	t.Run("all sets, against the dense-only baseline", func(t *testing.T) {
		r, err := eval.Run(t.Context(), s, all, 5)
		if err != nil {
			t.Fatal(err)
		}
		dense, err := eval.Run(t.Context(), denseOnly{s}, all, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d cases: recall@1 %.3f recall@5 %.3f recall@10 %.3f MRR %.3f, latency p50 %v p95 %v; dense only: recall@5 %.3f MRR %.3f",
			r.Cases, r.Recall1, r.Recall5, r.Recall10, r.MRR, r.Latency.P50, r.Latency.P95, dense.Recall5, dense.MRR)
		if r.Recall5 < allFloor.recall5 || r.MRR < allFloor.mrr {
			t.Errorf("recall@5 %.3f, MRR %.3f: below the floors %.2f, %.2f", r.Recall5, r.MRR, allFloor.recall5, allFloor.mrr)
		}
		if r.Recall5 < dense.Recall5+0.2 {
			t.Errorf("hybrid recall@5 %.3f is not well above the dense-only baseline %.3f", r.Recall5, dense.Recall5)
		}
	})
}

// denseOnly searches by embedding alone.
type denseOnly struct{ s *memstore.Store }

func (d denseOnly) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	q.DenseOnly = true
	return d.s.Search(ctx, q)
}
