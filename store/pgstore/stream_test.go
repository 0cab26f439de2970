package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"weak"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// held counts what a sync still holds of what it was given: every record streamed to
// it carries a marker in its fields, every vector the embedder returns is watched,
// and after a full collection the ones still reachable are counted. A sync that
// gathers its records, documents or vectors (as the first load did before issue 16)
// holds them all.
type held struct {
	mu      sync.Mutex
	records []weak.Pointer[marker]
	vectors []weak.Pointer[float32]
	// the most seen reachable at once
	maxRecords, maxVectors int
}

type marker struct{ N int }

func (h *held) record(r ingest.Record, n int) ingest.Record {
	m := &marker{N: n}
	r.Fields = map[string]any{"name_zh": r.Title, "held": m}
	h.mu.Lock()
	h.records = append(h.records, weak.Make(m))
	h.mu.Unlock()
	return r
}

// check collects garbage and counts the markers and vectors still reachable.
func (h *held) check() {
	runtime.GC()
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, p := range h.records {
		if p.Value() != nil {
			n++
		}
	}
	h.maxRecords = max(h.maxRecords, n)
	n = 0
	for _, p := range h.vectors {
		if p.Value() != nil {
			n++
		}
	}
	h.maxVectors = max(h.maxVectors, n)
}

// watchingEmbedder counts, at every call, the vectors of earlier calls still held.
type watchingEmbedder struct {
	*retrievaltest.CountingEmbedder
	h *held
}

func (e watchingEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	e.h.check()
	vs, err := e.CountingEmbedder.EmbedDocuments(ctx, texts)
	e.h.mu.Lock()
	for _, v := range vs {
		e.h.vectors = append(e.h.vectors, weak.Make(&v[0]))
	}
	e.h.mu.Unlock()
	return vs, err
}

// TestSyncHoldsABatch streams records through Sync and counts what it holds: never
// more than a batch of records, nor the vectors of more than a batch of documents,
// whatever the size of the run. It also checks, with batches much smaller than the run,
// what the paging must keep: the stats, unchanged records left in place, and a later
// file's record of a key replacing an earlier one's.
func TestSyncHoldsABatch(t *testing.T) {
	ctx := context.Background()
	const n, batchSize = 1200, 50
	// most is what a sync may hold at once: a batch, and a few more. The second run was
	// seen, now and then, with 51 records reachable at a batch's turn (one record still
	// in hand as the next batch begins; not found which). The bound tells a batch from a
	// run: a sync that keeps what it read holds all 1,200.
	const most = batchSize + batchSize/5
	h := &held{}
	ce := &retrievaltest.CountingEmbedder{Dim: 32}
	e := watchingEmbedder{ce, h}
	s, err := pgstore.Open(ctx, pgtest.New(t), e, info(ce), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pgstore.SetSyncBatch(s, batchSize)

	stream := func(files []string, rs func(yield func(ingest.Record) error) error) *ingest.Batch {
		b := ingest.NewStream("tfda-36", func(ctx context.Context, yield func(ingest.Record) error) error {
			i := 0
			return rs(func(r ingest.Record) error {
				i++
				if i%batchSize == 0 {
					h.check()
				}
				return yield(h.record(r, i))
			})
		})
		b.Format, b.Files, b.Snapshot = "test", files, snap
		return b
	}
	all := licences(n)
	st, err := s.Sync(ctx, []*ingest.Batch{stream([]string{"36.csv"}, func(yield func(ingest.Record) error) error {
		for _, r := range all {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	})}, ingest.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != n || st.Added != n || st.Chunks != n {
		t.Fatalf("first sync: %+v", st)
	}
	if got := count(t, s, `SELECT count(*) FROM documents`); got != n {
		t.Fatalf("%d documents stored, want %d", got, n)
	}
	t.Logf("first sync: at most %d records and %d vectors held (batch %d, run %d)", h.maxRecords, h.maxVectors, batchSize, n)
	if h.maxRecords > most || h.maxVectors > most {
		t.Errorf("the sync held up to %d records and %d vectors at once; want at most about a batch (%d) of each", h.maxRecords, h.maxVectors, most)
	}
	if ce.Texts.Load() != n {
		t.Errorf("embedded %d texts, want %d", ce.Texts.Load(), n)
	}

	// Second run, from two files: 10 changed, 100 removed, one record given twice
	// (the later file's wins), the rest unchanged.
	var unchangedCtid string
	keep := all[500].Key
	if err := s.Pool().QueryRow(ctx, `SELECT ctid::text FROM records WHERE key = $1`, keep).Scan(&unchangedCtid); err != nil {
		t.Fatal(err)
	}
	*h = held{}
	st, err = s.Sync(ctx, []*ingest.Batch{stream([]string{"36_1.csv", "36_2.csv"}, func(yield func(ingest.Record) error) error {
		for i, r := range all[:n-100] {
			switch {
			case i < 10:
				r.Title, r.Text = fmt.Sprintf("改名藥品%d號錠", i), fmt.Sprintf("中文品名：改名藥品%d號錠", i)
			case i == 20:
				r.Title = "舊名不留錠"
			}
			if err := yield(r); err != nil {
				return err
			}
		}
		r := all[20]
		r.Title, r.Text = "後來的名字錠", "中文品名：後來的名字錠"
		return yield(r)
	})}, ingest.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != n-100 || st.Changed != 11 || st.Removed != 100 || st.Unchanged != n-111 || st.Added != 0 || st.Chunks != 11 {
		t.Fatalf("second sync: %+v; want %d documents, 11 changed, 100 removed, %d unchanged", st, n-100, n-111)
	}
	var title string
	if err := s.Pool().QueryRow(ctx, `SELECT title FROM documents WHERE key = $1`, all[20].Key).Scan(&title); err != nil || title != "後來的名字錠" {
		t.Errorf("the key given twice has title %q (%v), want the later file's", title, err)
	}
	var ctid string
	if err := s.Pool().QueryRow(ctx, `SELECT ctid::text FROM records WHERE key = $1`, keep).Scan(&ctid); err != nil || ctid != unchangedCtid {
		t.Errorf("an unchanged record moved from %s to %s (%v): it was rewritten", unchangedCtid, ctid, err)
	}
	if got := count(t, s, `SELECT count(*) FROM documents`); got != n-100 {
		t.Errorf("%d documents stored, want %d", got, n-100)
	}
	if h.maxRecords > most || h.maxVectors > most {
		t.Errorf("second sync held up to %d records and %d vectors at once; want at most about a batch (%d)", h.maxRecords, h.maxVectors, most)
	}
}
