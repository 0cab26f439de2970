package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/civicbot/civicbot/store/storetest"
	bolt "go.etcd.io/bbolt"
)

// info is how the store records a counting embedder.
func info(e *retrievaltest.CountingEmbedder) memstore.EmbedderInfo {
	return memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim}
}

var quiet = slog.New(slog.DiscardHandler)

func open(tb testing.TB, dir string, e *retrievaltest.CountingEmbedder) *memstore.Store {
	tb.Helper()
	s, err := memstore.Open(context.Background(), dir, e, info(e), quiet)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// The records of the tests (storetest).
var (
	snap       = storetest.Snapshot
	licence    = storetest.Licence
	appearance = storetest.Appearance
	licences   = storetest.Licences
)

func batch(source string, rs ...ingest.Record) *ingest.Batch {
	return &ingest.Batch{Source: source, Format: "test", Files: []string{source + ".csv"}, Snapshot: snap, Records: rs, Seen: len(rs), Digest: source + "-digest"}
}

func sync1(tb testing.TB, s *memstore.Store, bs ...*ingest.Batch) ingest.SyncStats {
	tb.Helper()
	st, err := s.Sync(context.Background(), bs, ingest.SyncOptions{})
	if err != nil {
		tb.Fatalf("sync: %v", err)
	}
	return st
}

func first(tb testing.TB, s *memstore.Store, q retrieval.Query) (retrieval.Hit, bool) {
	tb.Helper()
	hits, err := s.Search(context.Background(), q)
	if err != nil {
		tb.Fatalf("search %q: %v", q.Text, err)
	}
	if len(hits) == 0 {
		return retrieval.Hit{}, false
	}
	return hits[0], true
}

func found(tb testing.TB, s *memstore.Store, text, key string) bool {
	tb.Helper()
	h, ok := first(tb, s, retrieval.Query{Text: text})
	return ok && h.Key == key
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 32}
	s := open(t, t.TempDir(), e)

	rs := licences(30)
	st := sync1(t, s, batch("tfda-36", rs...))
	if st.Documents != 30 || st.Added != 30 || st.Changed != 0 || st.Unchanged != 0 || st.Removed != 0 || st.Chunks != 30 {
		t.Fatalf("first sync: %+v", st)
	}
	if docs, chunks := s.Size(); docs != 30 || chunks != 30 {
		t.Errorf("size %d documents, %d chunks; want 30, 30", docs, chunks)
	}
	if hits, err := s.Search(ctx, retrieval.Query{Text: "測試藥品", K: 100, Statuses: []string{"cancelled"}}); err != nil || len(hits) != 3 {
		t.Errorf("%d cancelled documents (%v), want 3", len(hits), err)
	}

	t.Run("unchanged re-run embeds nothing", func(t *testing.T) {
		before := e.Texts.Load()
		st := sync1(t, s, batch("tfda-36", rs...))
		if st.Unchanged != 30 || st.Added+st.Changed+st.Removed+st.Chunks != 0 || e.Texts.Load() != before {
			t.Fatalf("re-run: %+v, embedded %d texts", st, e.Texts.Load()-before)
		}
	})

	t.Run("one changed row is re-embedded alone", func(t *testing.T) {
		next := licences(30)
		next[7].Title, next[7].Text = "改名藥品錠", "中文品名：改名藥品錠"
		before := e.Texts.Load()
		e.ResetSeen()
		st := sync1(t, s, batch("tfda-36", next...))
		if st.Changed != 1 || st.Unchanged != 29 || e.Texts.Load()-before != 1 || !strings.Contains(e.Seen()[0], "改名藥品錠") {
			t.Fatalf("stats %+v, embedded %v", st, e.Seen())
		}
		if !found(t, s, "改名藥品錠", next[7].Key) {
			t.Error("the changed document is not found by its new title")
		}
		if h, ok := first(t, s, retrieval.Query{Text: "測試藥品7號錠", K: 30}); ok && h.Key == next[7].Key {
			t.Error("the changed document is still found by its old title")
		}
		if _, chunks := s.Size(); chunks != 30 {
			t.Errorf("%d chunks, want 30 (old chunks must go)", chunks)
		}
		rs = next
	})

	t.Run("a facet from another source joins the document", func(t *testing.T) {
		st := sync1(t, s, batch("tfda-42", appearance(rs[3].Key, "外觀：白色 圓形 標註：YSP 52")))
		if st.Documents != 1 || st.Changed != 1 {
			t.Fatalf("stats %+v", st)
		}
		h, err := s.Get(ctx, corpus.DatasetDrug, rs[3].Key)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h.Body, "YSP 52") || h.Title != rs[3].Title || h.Facets["appearance"] == nil || h.Facets["licence"] == nil {
			t.Errorf("composed document: %+v", h)
		}
		if !found(t, s, "YSP 52", rs[3].Key) {
			t.Error("the appearance facet is not searchable")
		}
	})

	t.Run("a source whose files did not change keeps its facet", func(t *testing.T) {
		// tfda-42 is unchanged (not parsed) while tfda-36 changes the same document.
		next := slices.Clone(rs)
		next[3].Text += "\n適應症：頭痛"
		unchanged := &ingest.Batch{Source: "tfda-42", Unchanged: true}
		st := sync1(t, s, batch("tfda-36", next...), unchanged)
		if st.Changed != 1 || st.Documents != 30 {
			t.Fatalf("stats %+v", st)
		}
		h, err := s.Get(ctx, corpus.DatasetDrug, rs[3].Key)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h.Body, "YSP 52") || !strings.Contains(h.Body, "頭痛") {
			t.Errorf("body %q: want both facets", h.Body)
		}
		rs = next
	})

	t.Run("a removed row disappears", func(t *testing.T) {
		st := sync1(t, s, batch("tfda-36", rs[:29]...))
		if st.Removed != 1 || st.Documents != 29 {
			t.Fatalf("stats %+v", st)
		}
		if _, err := s.Get(ctx, corpus.DatasetDrug, rs[29].Key); !errors.Is(err, retrieval.ErrNotFound) {
			t.Errorf("removed licence: %v", err)
		}
		if found(t, s, rs[29].Key, rs[29].Key) {
			t.Error("removed licence still found")
		}
		// The licence with an appearance facet loses only its licence facet.
		rest := append(slices.Clone(rs[:3]), rs[4:29]...)
		st = sync1(t, s, batch("tfda-36", rest...))
		if st.Removed != 0 || st.Changed != 1 {
			t.Errorf("removing a facet: %+v", st)
		}
		h, err := s.Get(ctx, corpus.DatasetDrug, rs[3].Key)
		if err != nil || h.Facets["appearance"] == nil || h.Facets["licence"] != nil {
			t.Errorf("document should remain with its appearance facet only: %+v %v", h.Facets, err)
		}
	})

	t.Run("a much smaller export is refused", func(t *testing.T) {
		_, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs[:5]...)}, ingest.SyncOptions{})
		if !errors.Is(err, ingest.ErrShrink) || !strings.Contains(err.Error(), "--allow-shrink") {
			t.Fatalf("err = %v, want ErrShrink", err)
		}
		if !found(t, s, rs[20].Key, rs[20].Key) {
			t.Error("a refused run changed the data")
		}
		runs, err := s.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last := runs[len(runs)-1]; last.OK || !strings.Contains(last.Error, "smaller") {
			t.Errorf("the refused run is not recorded: %+v", last)
		}
		st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs[:5]...)}, ingest.SyncOptions{AllowShrink: true})
		if err != nil || st.Documents != 5 || st.Removed < 20 {
			t.Fatalf("allowed shrink: %+v %v", st, err)
		}
		rest := append(slices.Clone(rs[:3]), rs[4:29]...)
		sync1(t, s, batch("tfda-36", rest...))
	})

	var current []ingest.Record
	t.Run("suppression survives re-ingest", func(t *testing.T) {
		key := rs[1].Key
		if err := s.SetStatus(ctx, corpus.DatasetDrug, key, corpus.StatusSuppressed); err != nil {
			t.Fatal(err)
		}
		if found(t, s, key, key) {
			t.Error("a suppressed document is found by search")
		}
		if _, err := s.Get(ctx, corpus.DatasetDrug, key); !errors.Is(err, retrieval.ErrNotFound) {
			t.Errorf("Get of a suppressed document: %v", err)
		}
		next := append(slices.Clone(rs[:3]), rs[4:29]...)
		next[1].Text += "\n適應症：更新"
		sync1(t, s, batch("tfda-36", next...))
		current = next
		hits, err := s.Search(ctx, retrieval.Query{Text: key, Statuses: []string{"suppressed"}})
		if err != nil || len(hits) == 0 || hits[0].Key != key || !strings.Contains(hits[0].Snippet, "更新") {
			t.Errorf("suppressed document lost its status or was not updated: %+v %v", hits, err)
		}
		if found(t, s, key, key) {
			t.Error("a suppressed document is found after re-ingest")
		}
		if err := s.SetStatus(ctx, corpus.DatasetDrug, key, corpus.StatusActive); err != nil {
			t.Fatal(err)
		}
		if !found(t, s, key, key) {
			t.Error("a restored document is not found")
		}
		if err := s.SetStatus(ctx, corpus.DatasetDrug, "no such key", corpus.StatusSuppressed); !errors.Is(err, retrieval.ErrNotFound) {
			t.Errorf("SetStatus(unknown) = %v", err)
		}
		if err := s.SetStatus(ctx, corpus.DatasetDrug, key, "deleted"); err == nil {
			t.Error("SetStatus accepted an unknown status")
		}
	})

	t.Run("a new export date shows without re-embedding", func(t *testing.T) {
		later := snap.AddDate(0, 1, 0)
		b := batch("tfda-36", current...)
		b.Snapshot = later
		before := e.Texts.Load()
		st := sync1(t, s, b)
		if st.Unchanged != st.Documents || e.Texts.Load() != before {
			t.Errorf("stats %+v, embedded %d", st, e.Texts.Load()-before)
		}
		h, ok := first(t, s, retrieval.Query{Text: rs[5].Key})
		if !ok || !h.Snapshot.Equal(later) {
			t.Errorf("snapshot %v, want %v", h.Snapshot, later)
		}
	})

	t.Run("digests", func(t *testing.T) {
		d, err := s.SourceDigests(ctx)
		if err != nil || d["tfda-36"] != "tfda-36-digest" || d["tfda-42"] != "tfda-42-digest" || len(d) != 2 {
			t.Errorf("SourceDigests = %v, %v", d, err)
		}
	})

	runs, err := s.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range runs {
		if r.OK {
			ok++
		}
	}
	if ok < 8 {
		t.Errorf("%d successful runs recorded", ok)
	}
}

func TestSyncCancelledKeepsOldData(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	dir := t.TempDir()
	s := open(t, dir, e)
	old := licences(600)
	sync1(t, s, batch("tfda-36", old...))
	changed := licences(600)
	for i := range changed {
		changed[i].Text += "\n新版"
	}
	cctx, cancel := context.WithCancel(ctx)
	var calls atomic.Int32
	e.Before = func(ctx context.Context) error {
		if calls.Add(1) == 2 {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	if _, err := s.Sync(cctx, []*ingest.Batch{batch("tfda-36", changed...)}, ingest.SyncOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	e.Before = nil
	check := func(s *memstore.Store) {
		t.Helper()
		h, err := s.Get(ctx, corpus.DatasetDrug, old[5].Key)
		if err != nil || strings.Contains(h.Body, "新版") {
			t.Fatalf("a cancelled run changed a document: %v %q", err, h.Body)
		}
		if docs, chunks := s.Size(); docs != 600 || chunks != 600 {
			t.Fatalf("%d documents, %d chunks after a cancelled run, want 600", docs, chunks)
		}
		if !found(t, s, old[5].Key, old[5].Key) {
			t.Fatal("old data not serving")
		}
	}
	check(s)
	runs, _ := s.Runs(ctx)
	if len(runs) != 1 {
		t.Errorf("%d runs recorded, want only the first: a cancelled run is not recorded", len(runs))
	}
	s.Close()
	s = open(t, dir, e)
	check(s)
	st := sync1(t, s, batch("tfda-36", changed...))
	if st.Changed != 600 {
		t.Errorf("next run: %+v", st)
	}
}

func TestEmbedderMismatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, dir, e)
	sync1(t, s, batch("tfda-36", licences(5)...))
	s.Close()

	other := &retrievaltest.CountingEmbedder{Dim: 24}
	_, err := memstore.Open(ctx, dir, other, info(other), quiet)
	if !errors.Is(err, memstore.ErrEmbedderMismatch) || !strings.Contains(err.Error(), "civicbot migrate --reembed") {
		t.Fatalf("err = %v, want a mismatch naming the fix", err)
	}
	n, err := memstore.Reembed(ctx, dir, other, info(other), quiet)
	if err != nil || n != 5 {
		t.Fatalf("reembed: %d, %v", n, err)
	}
	s2 := open(t, dir, other)
	if !found(t, s2, "測試藥品3號錠", "衛署藥製字第000003號") {
		t.Error("search after reembed")
	}
	before := other.Texts.Load()
	if st := sync1(t, s2, batch("tfda-36", licences(5)...)); st.Unchanged != 5 || other.Texts.Load() != before {
		t.Errorf("after reembed an unchanged sync: %+v", st)
	}
	if _, err := memstore.Open(ctx, dir, e, info(e), quiet); err == nil {
		t.Error("a second process could open the store")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 8}
	if _, err := memstore.Open(ctx, t.TempDir(), e, memstore.EmbedderInfo{Name: "x", Dim: 0}, quiet); err == nil {
		t.Error("a zero dimension was accepted")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := memstore.Open(ctx, file, e, info(e), quiet); err == nil {
		t.Error("a file as the data directory was accepted")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, memstore.FileName), []byte("not a bbolt file, and long enough to be read as one"), 0o600)
	if _, err := memstore.Open(ctx, dir, e, info(e), quiet); err == nil {
		t.Error("a corrupt file was accepted")
	}
	// A file written by a later layout is refused, not misread.
	dir = t.TempDir()
	open(t, dir, e).Close()
	db, err := bolt.Open(filepath.Join(dir, memstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := memstore.Open(ctx, dir, e, info(e), quiet); err == nil || !strings.Contains(err.Error(), "layout version 99") {
		t.Errorf("a file of another layout: %v", err)
	}
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 8}
	s := open(t, t.TempDir(), e)
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	s.Close()
	s.Close()
	if err := s.Ready(ctx); !errors.Is(err, memstore.ErrClosed) {
		t.Errorf("Ready after Close = %v", err)
	}
	if _, err := s.Search(ctx, retrieval.Query{Text: "x"}); !errors.Is(err, memstore.ErrClosed) {
		t.Errorf("Search after Close = %v", err)
	}
	if err := s.SaveTurn(ctx, conversation.Turn{MessageID: "m"}); !errors.Is(err, memstore.ErrClosed) {
		t.Errorf("SaveTurn after Close = %v", err)
	}
	if _, err := s.Sync(ctx, nil, ingest.SyncOptions{}); !errors.Is(err, memstore.ErrClosed) {
		t.Errorf("Sync after Close = %v", err)
	}
}

// A search made while a sync commits sees the old documents or the new, never a mix.
func TestConcurrentReadersSeeOldOrNew(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, t.TempDir(), e)
	old := licences(200)
	sync1(t, s, batch("tfda-36", old...))
	changed := licences(200)
	for i := range changed {
		changed[i].Title = strings.Replace(changed[i].Title, "測試藥品", "測試新藥", 1)
		changed[i].Text = "中文品名：" + changed[i].Title
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var searches, mixed atomic.Int64
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				hits, err := s.Search(ctx, retrieval.Query{Text: "測試", K: 100})
				if err != nil {
					t.Error(err)
					return
				}
				searches.Add(1)
				olds := 0
				for _, h := range hits {
					if strings.Contains(h.Title, "測試藥品") {
						olds++
					}
				}
				if olds != 0 && olds != len(hits) {
					mixed.Add(1)
				}
			}
		})
	}
	for range 3 {
		sync1(t, s, batch("tfda-36", changed...))
		sync1(t, s, batch("tfda-36", old...))
	}
	stop.Store(true)
	wg.Wait()
	if mixed.Load() > 0 || searches.Load() == 0 {
		t.Errorf("%d of %d searches saw old and new documents together", mixed.Load(), searches.Load())
	}
}

// After a restart the store answers exactly as before.
func TestRestartSameResults(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, info := openBundled(t, dir)
	queries := restartQueries(t)
	before := searchAll(t, s, queries)
	// A few changes after the first load, which the in-memory index takes in by
	// itself, and the rebuilt one must match.
	bs := bundled(t)
	var drugs *ingest.Batch
	for _, b := range bs {
		if b.Source == "tfda-36" {
			drugs = b
		}
	}
	if drugs == nil {
		t.Fatal("no tfda-36 in the bundled data")
	}
	fewer := *drugs
	fewer.Records = drugs.Records[:len(drugs.Records)-40]
	fewer.Records = slices.Clone(fewer.Records)
	fewer.Records[0].Text += "\n備註：已更新"
	if _, err := s.Sync(ctx, []*ingest.Batch{&fewer}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, fewer.Records[1].Dataset, fewer.Records[1].Key, corpus.StatusSuppressed); err != nil {
		t.Fatal(err)
	}
	changed := searchAll(t, s, queries)
	s.Close()

	s2, err := memstore.Open(ctx, dir, info.e, info.info, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after := searchAll(t, s2, queries)
	diff := 0
	for i := range queries {
		if !slices.Equal(changed[i], after[i]) {
			diff++
			if diff <= 5 {
				t.Errorf("%q: before the restart %q, after %q", queries[i], changed[i], after[i])
			}
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d queries answer differently after a restart", diff, len(queries))
	}
	same := 0
	for i := range queries {
		if slices.Equal(before[i], changed[i]) {
			same++
		}
	}
	if same == len(queries) {
		t.Error("the changes made no difference to any query: the test tests nothing")
	}
}

func restartQueries(tb testing.TB) []string {
	files, _ := filepath.Glob("../../testdata/eval/*.jsonl")
	var qs []string
	for _, f := range files {
		for _, c := range evalCases(tb, f) {
			qs = append(qs, c.Question)
		}
	}
	return qs
}

func searchAll(tb testing.TB, s *memstore.Store, queries []string) [][]string {
	tb.Helper()
	out := make([][]string, len(queries))
	for i, q := range queries {
		hits, err := s.Search(context.Background(), retrieval.Query{Text: q, K: 10})
		if err != nil {
			tb.Fatal(err)
		}
		for _, h := range hits {
			out[i] = append(out[i], fmt.Sprintf("%s %.9f %s", h.Key, h.Score, h.Snapshot.Format(time.DateOnly)))
		}
	}
	return out
}
