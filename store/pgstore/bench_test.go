package pgstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/tmc/langchaingo/schema"
	lcpgvector "github.com/tmc/langchaingo/vectorstores/pgvector"
)

// benchRows is the size of the synthetic dataset-36 export the ingest benchmark loads;
// BENCH_ROWS overrides it (the full export is 72000 rows).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

func syntheticBatches(b *testing.B, rows int) []*ingest.Batch {
	b.Helper()
	var buf bytes.Buffer
	if err := tfda.WriteSynthetic(&buf, rows, 1); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "36_2.csv")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	l := &ingest.Loader{Formats: tfda.Formats()}
	bs, err := l.Load(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	return bs
}

// BenchmarkIngest loads the same synthetic licences through civicbot's sync and
// through langchaingo's vectorstores/pgvector AddDocuments, with the same embedder.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	rows := benchRows()
	bs := syntheticBatches(b, rows)
	docs := 0
	for _, bt := range bs {
		docs += len(bt.Records)
	}
	e := hashembed.New(256)
	info := pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}

	b.Run(fmt.Sprintf("civicbot/docs=%d", docs), func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			url := pgtest.New(b)
			s, err := pgstore.Open(ctx, url, e, info, quiet)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := s.Sync(ctx, bs, ingest.SyncOptions{}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			start := time.Now()
			st, err := s.Sync(ctx, bs, ingest.SyncOptions{})
			if err != nil || st.Unchanged != docs {
				b.Fatalf("re-run: %+v %v", st, err)
			}
			b.ReportMetric(time.Since(start).Seconds(), "rerun-s")
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(docs*b.N)/b.Elapsed().Seconds(), "docs/s")
	})

	b.Run(fmt.Sprintf("langchaingo/docs=%d", docs), func(b *testing.B) {
		var lcdocs []schema.Document
		for _, bt := range bs {
			for _, r := range bt.Records {
				d := ingest.Compose([]ingest.Record{r})
				lcdocs = append(lcdocs, schema.Document{PageContent: d.Title + "\n" + d.Body,
					Metadata: map[string]any{"dataset": d.Dataset, "key": d.Key}})
			}
		}
		for b.Loop() {
			b.StopTimer()
			url := pgtest.New(b)
			cfg, err := pgxpool.ParseConfig(url)
			if err != nil {
				b.Fatal(err)
			}
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
				b.Fatal(err)
			}
			conn.Close(ctx)
			cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error { return pgxvec.RegisterTypes(ctx, c) }
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			store, err := lcpgvector.New(ctx, lcpgvector.WithConn(pool), lcpgvector.WithEmbedder(e),
				lcpgvector.WithVectorDimensions(e.Dim()), lcpgvector.WithHNSWIndex(16, 64, "vector_cosine_ops"))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			// AddDocuments embeds everything at once and queues one INSERT per document;
			// feed it in batches as an application would.
			for lo := 0; lo < len(lcdocs); lo += 1000 {
				if _, err := store.AddDocuments(ctx, lcdocs[lo:min(lo+1000, len(lcdocs))]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			pool.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(docs*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
}
