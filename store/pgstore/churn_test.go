package pgstore_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval/eval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// churnRows is the size of the synthetic dataset-36 export that TestChurn loads and
// then removes; CIVICBOT_CHURN_ROWS overrides it. The churn is 72,000 rows; 8,000
// (about 10,000 chunks, more than the bundled data's 9,365) keep the test near a minute
// on a busy 2-core machine and go through the same path.
func churnRows() int {
	if n, err := strconv.Atoi(os.Getenv("CIVICBOT_CHURN_ROWS")); err == nil && n > 0 {
		return n
	}
	return 8000
}

// TestChurn: an ingest that rewrites a large share of the chunks leaves search as good
// as a fresh load. One database gets the bundled data with a synthetic export of
// dataset 36 as a haystack, then the bundled data alone (the synthetic licences are
// removed); another gets the bundled data alone. Both answer every development
// evaluation question alike, at the serving ef_search: deleted rows left in the HNSW
// graph made the churned database find fewer of the nearest passages.
func TestChurn(t *testing.T) {
	ctx := context.Background()
	files, err := filepath.Glob(evalSets)
	if err != nil || len(files) == 0 {
		t.Fatalf("evaluation sets %s: %v", evalSets, err)
	}
	var cases []eval.Case
	for _, f := range files {
		cs, err := eval.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cs...)
	}
	e := hashembed.New(hashembed.DefaultDim)
	formats := append(tfda.Formats(), taipei.Formats(time.Now)...)
	bundled := func() []*ingest.Batch {
		bs, err := opendata.Load(ctx, formats, nil)
		if err != nil {
			t.Fatal(err)
		}
		return bs
	}
	openStore := func() *pgstore.Store {
		s, err := pgstore.Open(ctx, pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	sync := func(s *pgstore.Store, bs []*ingest.Batch) {
		t.Helper()
		if _, err := s.Sync(ctx, bs, ingest.SyncOptions{AllowShrink: true}); err != nil {
			t.Fatal(err)
		}
	}

	fresh := openStore()
	sync(fresh, bundled())

	churned := openStore()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "36_2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := churnRows()
	if err := tfda.WriteSynthetic(f, rows, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	synthetic, err := (&ingest.Loader{Formats: formats}).Load(ctx, f.Name())
	if err != nil {
		t.Fatal(err)
	}
	haystack := bundled()
	if err := addSynthetic(haystack, synthetic); err != nil {
		t.Fatal(err)
	}
	sync(churned, haystack)
	big := count(t, churned, `SELECT count(*) FROM chunks`)
	sync(churned, bundled())
	left := count(t, churned, `SELECT count(*) FROM chunks`)
	if want := count(t, fresh, `SELECT count(*) FROM chunks`); left != want {
		t.Fatalf("after the churn %d chunks, want %d as in the fresh load", left, want)
	}
	t.Logf("churn: %d synthetic rows, %d chunks, then %d", rows, big, left)

	// The removed chunks are gone from the indexes too: they are the size of a fresh
	// load's, not of the haystack's. (Left in the HNSW graph, deleted rows made the
	// churned database answer worse at the serving ef_search until a REINDEX.)
	for _, index := range []string{"chunks_embedding", "chunks_tsv"} {
		q := `SELECT pg_relation_size('` + index + `')`
		if got, want := count(t, churned, q), count(t, fresh, q); float64(got) > 1.1*float64(want) {
			t.Errorf("index %s: %d bytes after the churn, %d on a fresh load", index, got, want)
		}
	}

	// Every question ranks its documents alike. HNSW graphs built by parallel
	// workers differ from build to build; at this size an ef_search of 1000 makes the
	// dense leg as good as exact, so that only the data can make a difference.
	fresh.EFSearch, churned.EFSearch = 1000, 1000
	report := func(s *pgstore.Store) *eval.Report {
		t.Helper()
		r, err := eval.Run(ctx, s, cases, 5)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	want, got := report(fresh), report(churned)
	t.Logf("recall@5 / MRR: fresh %.3f / %.3f, after the churn %.3f / %.3f", want.Recall5, want.MRR, got.Recall5, got.MRR)
	if got.Recall5 != want.Recall5 || got.MRR != want.MRR {
		t.Errorf("recall@5 / MRR %.3f / %.3f after the churn, %.3f / %.3f on a fresh load", got.Recall5, got.MRR, want.Recall5, want.MRR)
	}
	for i := range want.Results {
		if w, g := want.Results[i], got.Results[i]; w.Rank != g.Rank {
			t.Errorf("%s:%d %q: first expected document at rank %d after the churn, %d on a fresh load", w.File, w.Line, w.Question, g.Rank, w.Rank)
		}
	}
}
