package memstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/memstore"
)

// Benchmarks, on the bundled open data and the offline embedder (256 dimensions):
//
//	go test -run '^$' -bench . -benchtime=3x ./store/memstore/
//
// BENCH_ROWS=N adds N rows of the synthetic dataset-36 export to the bundled data, as
// pgstore's BenchmarkSearch does (102000 rows give about 100,000 chunks).

func benchRows() int {
	n, _ := strconv.Atoi(os.Getenv("BENCH_ROWS"))
	return n
}

// benchData is the bundled open data, with the synthetic licences when BENCH_ROWS is set.
func benchData(b *testing.B) []*ingest.Batch {
	b.Helper()
	bs := bundled(b)
	rows := benchRows()
	if rows == 0 {
		return bs
	}
	var buf bytes.Buffer
	if err := tfda.WriteSynthetic(&buf, rows, 1); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "36_synthetic.csv")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	l := &ingest.Loader{Formats: tfda.Formats(), Source: "tfda-36"}
	synthetic, err := l.Load(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	// The synthetic licences join the bundled export of dataset 36, except those whose
	// numbers the bundled data uses: a made-up licence must not rename a real drug.
	used := map[string]bool{}
	out := make([]*ingest.Batch, len(bs))
	for i, bt := range bs {
		c := *bt
		out[i] = &c
		for _, r := range bt.Records {
			if r.Dataset == corpus.DatasetDrug {
				used[r.Key] = true
			}
		}
	}
	for _, bt := range out {
		if bt.Source != "tfda-36" {
			continue
		}
		bt.Records = slices.Clone(bt.Records)
		for _, sb := range synthetic {
			for _, r := range sb.Records {
				if !used[r.Key] {
					bt.Records = append(bt.Records, r)
				}
			}
		}
	}
	return out
}

func documents(bs []*ingest.Batch) int {
	keys := map[[2]string]bool{}
	for _, b := range bs {
		for _, r := range b.Records {
			keys[[2]string{r.Dataset, r.Key}] = true
		}
	}
	return len(keys)
}

func benchEmbedder() embedder {
	he := hashembed.New(256)
	return embedder{he, memstore.EmbedderInfo{Name: he.Name(), Dim: he.Dim()}}
}

// BenchmarkSync loads the data into an empty store: parse-free, from the batches, with
// embedding, keyword index, one transaction and its fsync. It also reports the
// unchanged re-run.
func BenchmarkSync(b *testing.B) {
	ctx := context.Background()
	bs := benchData(b)
	docs := documents(bs)
	e := benchEmbedder()
	var rerun time.Duration
	b.Run(fmt.Sprintf("docs=%d", docs), func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			s, err := memstore.Open(ctx, b.TempDir(), e.e, e.info, quiet)
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
			rerun = time.Since(start)
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(docs*b.N)/b.Elapsed().Seconds(), "docs/s")
		b.ReportMetric(rerun.Seconds(), "rerun-s")
	})
}

// BenchmarkOpen opens a store that holds the data: reading every document and chunk
// and building the index in memory.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	bs := benchData(b)
	e := benchEmbedder()
	dir := b.TempDir()
	s, err := memstore.Open(ctx, dir, e.e, e.info, quiet)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Sync(ctx, bs, ingest.SyncOptions{}); err != nil {
		b.Fatal(err)
	}
	docs, chunks := s.Size()
	s.Close()
	info, err := os.Stat(filepath.Join(dir, memstore.FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("chunks=%d", chunks), func(b *testing.B) {
		var heap uint64
		base := liveHeap()
		for b.Loop() {
			s, err := memstore.Open(ctx, dir, e.e, e.info, quiet)
			if err != nil {
				b.Fatal(err)
			}
			if d, _ := s.Size(); d != docs {
				b.Fatalf("%d documents, want %d", d, docs)
			}
			b.StopTimer()
			h := liveHeap()
			heap = h - min(base, h)
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(info.Size())/(1<<20), "file-MiB")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	})
}

// liveHeap is the heap in use after a collection; with a store open, less what was
// in use before, it is what the store's index takes.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkSearch runs the evaluation sets' questions, k=5, and reports latency
// percentiles over every search made; one iteration is one pass over the questions.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	bs := benchData(b)
	e := benchEmbedder()
	s, err := memstore.Open(ctx, b.TempDir(), e.e, e.info, quiet)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Sync(ctx, bs, ingest.SyncOptions{}); err != nil {
		b.Fatal(err)
	}
	var queries []string
	for _, f := range evalFiles(b) {
		for _, c := range evalCases(b, f) {
			queries = append(queries, c.Question)
		}
	}
	_, chunks := s.Size()
	for _, dense := range []bool{false, true} {
		name := fmt.Sprintf("hybrid/chunks=%d", chunks)
		if dense {
			name = fmt.Sprintf("dense/chunks=%d", chunks)
		}
		b.Run(name, func(b *testing.B) {
			// An untimed pass warms up the normaliser's dictionaries.
			for _, q := range queries {
				if _, err := s.Search(ctx, retrieval.Query{Text: q, K: 5, DenseOnly: dense}); err != nil {
					b.Fatal(err)
				}
			}
			var lat []time.Duration
			for b.Loop() {
				for _, q := range queries {
					start := time.Now()
					if _, err := s.Search(ctx, retrieval.Query{Text: q, K: 5, DenseOnly: dense}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
			}
			slices.Sort(lat)
			at := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.95), "p95-ms")
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "searches/s")
		})
	}
}
