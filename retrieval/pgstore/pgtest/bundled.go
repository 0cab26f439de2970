package pgtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/retrieval/pgstore"
)

// Bundled returns a store on a fresh database holding the bundled open data, with the
// offline embedder. HNSW graphs built by parallel workers differ from load to load, and
// answers that tests pin must not: at this size an ef_search of 1000 makes the dense
// leg as good as exact.
func Bundled(tb testing.TB) *pgstore.Store {
	tb.Helper()
	ctx := context.Background()
	e := hashembed.New(hashembed.DefaultDim)
	s, err := pgstore.Open(ctx, New(tb), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	s.EFSearch = 1000
	batches, err := opendata.Load(ctx, append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Sync(ctx, batches, ingest.SyncOptions{}); err != nil {
		tb.Fatal(err)
	}
	return s
}
