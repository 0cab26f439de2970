package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/civicbot/civicbot/store/storetest"
	"github.com/jackc/pgx/v5"
)

// info is how the store records a counting embedder.
func info(e *retrievaltest.CountingEmbedder) pgstore.EmbedderInfo {
	return pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(tb testing.TB, url string, e *retrievaltest.CountingEmbedder) *pgstore.Store {
	tb.Helper()
	s, err := pgstore.Open(context.Background(), url, e, info(e), quiet)
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
	return &ingest.Batch{Source: source, Format: "test", Files: []string{source + ".csv"}, Snapshot: snap, Records: rs, Seen: len(rs)}
}

func count(tb testing.TB, s *pgstore.Store, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 32}
	s := open(t, pgtest.New(t), e)

	first := licences(30)
	st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", first...)}, ingest.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != 30 || st.Added != 30 || st.Changed != 0 || st.Unchanged != 0 || st.Removed != 0 {
		t.Fatalf("first sync: %+v", st)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks WHERE embedding IS NOT NULL`); n != 30 {
		t.Errorf("%d chunks with embeddings, want 30", n)
	}
	if n := count(t, s, `SELECT count(*) FROM pg_indexes WHERE indexname = 'chunks_embedding'`); n != 1 {
		t.Error("no HNSW index after the first load")
	}
	if n := count(t, s, `SELECT count(*) FROM documents WHERE status = 'cancelled'`); n != 3 {
		t.Errorf("%d cancelled documents, want 3", n)
	}

	t.Run("unchanged re-run embeds nothing", func(t *testing.T) {
		before := e.Texts.Load()
		st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", first...)}, ingest.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Unchanged != 30 || st.Added+st.Changed+st.Removed != 0 || e.Texts.Load() != before {
			t.Fatalf("re-run: %+v, embedded %d texts", st, e.Texts.Load()-before)
		}
	})

	t.Run("one changed row is re-embedded alone", func(t *testing.T) {
		rs := licences(30)
		rs[7].Title, rs[7].Text = "改名藥品錠", "中文品名：改名藥品錠"
		before := e.Texts.Load()
		e.ResetSeen()
		st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Changed != 1 || st.Unchanged != 29 || e.Texts.Load()-before != 1 || !strings.Contains(e.Seen()[0], "改名藥品錠") {
			t.Fatalf("stats %+v, embedded %v", st, e.Seen())
		}
		if n := count(t, s, `SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.key = $1`, rs[7].Key); n != 1 {
			t.Errorf("changed document has %d chunks, want 1 (old chunks must go)", n)
		}
		if n := count(t, s, `SELECT count(*) FROM documents WHERE key = $1 AND title_tsv @@ to_tsquery('simple', '改名') AND NOT title_tsv @@ to_tsquery('simple', '測試')`, rs[7].Key); n != 1 {
			t.Error("the changed title's lexemes are not on the document")
		}
		first = rs
	})

	t.Run("a facet from another source joins the document", func(t *testing.T) {
		st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-42", appearance(first[3].Key, "外觀：白色 圓形 標註：YSP 52"))}, ingest.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Documents != 1 || st.Changed != 1 {
			t.Fatalf("stats %+v", st)
		}
		var body, title string
		if err := s.Pool().QueryRow(ctx, `SELECT body, title FROM documents WHERE key = $1`, first[3].Key).Scan(&body, &title); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, "YSP 52") || title != first[3].Title {
			t.Errorf("composed document: title %q body %q", title, body)
		}
		hits, err := s.Search(ctx, retrieval.Query{Text: "YSP 52", K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Key != first[3].Key {
			t.Errorf("search YSP 52: %+v", hits)
		}
	})

	t.Run("an unchanged source keeps its facet when another source changes", func(t *testing.T) {
		rs := append([]ingest.Record{}, first...)
		rs[3].Text += "\n適應症：另一次更新"
		unchanged := &ingest.Batch{Source: "tfda-42", Format: "test", Unchanged: true}
		if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...), unchanged}, ingest.SyncOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT count(*) FROM documents WHERE key = $1 AND facets ? 'appearance' AND body LIKE '%另一次更新%' AND body LIKE '%YSP 52%'`, first[3].Key); n != 1 {
			t.Error("the recomposed document lost the appearance facet of the unchanged source")
		}
		first = rs
	})

	t.Run("a removed row disappears", func(t *testing.T) {
		rs := first[:29]
		st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Removed != 1 || st.Documents != 29 {
			t.Fatalf("stats %+v", st)
		}
		if n := count(t, s, `SELECT count(*) FROM documents WHERE key = $1`, first[29].Key); n != 0 {
			t.Error("removed licence still stored")
		}
		// The licence with an appearance facet loses only its licence facet.
		rs = append(append([]ingest.Record{}, first[:3]...), first[4:29]...)
		if st, err = s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{}); err != nil {
			t.Fatal(err)
		}
		if st.Removed != 0 || st.Changed != 1 {
			t.Errorf("removing a facet: %+v", st)
		}
		if n := count(t, s, `SELECT count(*) FROM documents WHERE key = $1 AND facets ? 'appearance' AND NOT facets ? 'licence'`, first[3].Key); n != 1 {
			t.Error("document should remain with its appearance facet only")
		}
	})

	t.Run("a much smaller export is refused", func(t *testing.T) {
		_, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", first[:5]...)}, ingest.SyncOptions{})
		if !errors.Is(err, ingest.ErrShrink) {
			t.Fatalf("err = %v, want ErrShrink", err)
		}
		if n := count(t, s, `SELECT count(*) FROM records WHERE source = 'tfda-36'`); n != 28 {
			t.Errorf("%d records after a refused run, want 28", n)
		}
		if n := count(t, s, `SELECT count(*) FROM ingest_runs WHERE NOT ok AND error LIKE '%smaller%'`); n != 1 {
			t.Error("the refused run is not recorded")
		}
	})

	t.Run("suppression survives re-ingest", func(t *testing.T) {
		key := first[1].Key
		if _, err := s.Pool().Exec(ctx, `UPDATE documents SET status = 'suppressed' WHERE key = $1`, key); err != nil {
			t.Fatal(err)
		}
		rs := append([]ingest.Record{}, first[:3]...)
		rs = append(rs, first[4:29]...)
		rs[1].Text += "\n適應症：更新"
		if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT count(*) FROM documents WHERE key = $1 AND status = 'suppressed' AND body LIKE '%更新%'`, key); n != 1 {
			t.Error("suppressed document lost its status or was not updated")
		}
		hits, _ := s.Search(ctx, retrieval.Query{Text: key})
		for _, h := range hits {
			if h.Key == key {
				t.Error("a suppressed document is found by search")
			}
		}
	})

	if n := count(t, s, `SELECT count(*) FROM ingest_runs WHERE ok`); n < 6 {
		t.Errorf("%d successful runs recorded", n)
	}
}

func TestSyncCancelledKeepsOldData(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, pgtest.New(t), e)
	old := licences(600)
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", old...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
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
	if n := count(t, s, `SELECT count(*) FROM documents WHERE body LIKE '%新版%'`); n != 0 {
		t.Fatalf("%d documents changed by a cancelled run", n)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks`); n != 600 {
		t.Fatalf("%d chunks after a cancelled run, want 600", n)
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: old[5].Key})
	if err != nil || len(hits) == 0 || hits[0].Key != old[5].Key {
		t.Fatalf("old data not serving: %v %+v", err, hits)
	}
	e.Before = nil
	st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", changed...)}, ingest.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Changed != 600 {
		t.Errorf("next run: %+v", st)
	}
}

func TestEmbedderMismatch(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, url, e)
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", licences(5)...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	other := &retrievaltest.CountingEmbedder{Dim: 24}
	_, err := pgstore.Open(ctx, url, other, info(other), quiet)
	if !errors.Is(err, pgstore.ErrEmbedderMismatch) || !strings.Contains(err.Error(), "civicbot migrate --reembed") {
		t.Fatalf("err = %v, want a mismatch naming the fix", err)
	}
	n, err := pgstore.Reembed(ctx, url, other, info(other), quiet)
	if err != nil || n != 5 {
		t.Fatalf("reembed: %d, %v", n, err)
	}
	s2 := open(t, url, other)
	hits, err := s2.Search(ctx, retrieval.Query{Text: "測試藥品3號錠"})
	if err != nil || len(hits) == 0 {
		t.Fatalf("search after reembed: %v %v", hits, err)
	}
	if n := count(t, s2, `SELECT count(*) FROM chunks WHERE vector_dims(embedding) = 24`); n != 5 {
		t.Errorf("%d chunks with 24 dimensions", n)
	}
}

func TestConcurrentReadersSeeOldOrNew(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	url := pgtest.New(t)
	s := open(t, url, e)
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", licences(200)...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	reader, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close(ctx)
	// While a sync that changes every document runs, a reader sees only the old version.
	block := make(chan struct{})
	entered := make(chan struct{}, 1)
	e.Before = func(ctx context.Context) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-block
		return nil
	}
	changed := licences(200)
	for i := range changed {
		changed[i].Text += "\n新版"
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", changed...)}, ingest.SyncOptions{})
		done <- err
	}()
	<-entered
	var n int
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM documents WHERE body LIKE '%新版%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("mid-sync reader saw %d new documents (%v)", n, err)
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM documents WHERE body LIKE '%新版%'`).Scan(&n); err != nil || n != 200 {
		t.Errorf("after commit the reader saw %d new documents (%v)", n, err)
	}
}

func TestBulkLoadRebuildsChunksTable(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, pgtest.New(t), e)
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", licences(100)...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	// 2,500 new chunks against 100 stored: written to a new table, indexes built after.
	big := licences(2600)
	st, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", big...)}, ingest.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != 2500 || st.Unchanged != 100 {
		t.Fatalf("stats %+v", st)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks`); n != 2600 {
		t.Errorf("%d chunks, want 2600", n)
	}
	if n := count(t, s, `SELECT count(*) FROM pg_indexes WHERE tablename = 'chunks' AND indexname IN ('chunks_pkey', 'chunks_tsv', 'chunks_embedding', 'chunks_document_id_ord_key')`); n != 4 {
		t.Errorf("%d of 4 indexes after the rebuild", n)
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: big[2345].Title, K: 3})
	if err != nil || len(hits) == 0 || hits[0].Key != big[2345].Key {
		t.Fatalf("search after the rebuild: %v %+v", err, hits)
	}
	// The foreign key still cascades, and a later small sync takes the plain path.
	st, err = s.Sync(ctx, []*ingest.Batch{batch("tfda-36", big[:2599]...)}, ingest.SyncOptions{})
	if err != nil || st.Removed != 1 {
		t.Fatalf("small sync after the rebuild: %+v %v", st, err)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks`); n != 2599 {
		t.Errorf("%d chunks after removing one document, want 2599", n)
	}
}

// TestDrugWords keeps the drug_words index (the Latin words of drug passages, which the
// drug-name leg reads) in step with the documents through changes and removals.
func TestDrugWords(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.New(t), &retrievaltest.CountingEmbedder{Dim: 32})
	rs := licences(12)
	rs[2].Text += "\n英文品名：PANADOL TABLETS 500MG"
	rs[5].Text += "\n主成分略述：ACETAMINOPHEN"
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	words := func(key string) string {
		t.Helper()
		var ws string
		err := s.Pool().QueryRow(ctx, `SELECT coalesce(string_agg(w.word, ' ' ORDER BY w.word), '') FROM drug_words w
			JOIN documents d ON d.id = w.document_id WHERE d.key = $1`, key).Scan(&ws)
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	if got := words(rs[2].Key); got != "panadol tablets" {
		t.Errorf("words of a new licence: %q", got)
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: "panadol", K: 3})
	if err != nil || len(hits) == 0 || hits[0].Key != rs[2].Key {
		t.Errorf("search panadol: %v %+v", err, hits)
	}

	rs[2].Text = "中文品名：" + rs[2].Title + "\n英文品名：ASPIRIN"
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := words(rs[2].Key); got != "aspirin" {
		t.Errorf("words of a changed licence: %q", got)
	}
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", append(rs[:5:5], rs[6:]...)...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM drug_words WHERE word = 'acetaminophen'`); n != 0 {
		t.Errorf("%d words of a removed licence remain", n)
	}
}

// TestMigrateConcurrently starts several replicas (each its own pool, as separate
// processes would have) on one empty database at once: each must open, the schema must
// be at the newest migration, and every migration must have run exactly once (without
// goose's session lock, two of them race to create the same tables and one fails).
func TestMigrateConcurrently(t *testing.T) {
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	var newest int64
	for _, f := range files {
		n, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		newest = max(newest, n)
	}
	// The race is a matter of timing: a few rounds on fresh databases make it near
	// certain that replicas overlap (without the lock, most rounds fail).
	for round := range 3 {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { migrateConcurrently(t, len(files), newest) })
	}
}

func migrateConcurrently(t *testing.T, migrations int, newest int64) {
	url := pgtest.New(t)
	ctx := context.Background()
	const replicas = 4
	var logs [replicas]syncBuffer
	stores := make(chan *pgstore.Store, replicas)
	errs := make(chan error, replicas)
	start := make(chan struct{})
	for i := range replicas {
		go func() {
			<-start
			e := &retrievaltest.CountingEmbedder{Dim: 16}
			s, err := pgstore.Open(ctx, url, e, info(e), slog.New(slog.NewTextHandler(&logs[i], nil)))
			if err != nil {
				errs <- err
				return
			}
			stores <- s
		}()
	}
	close(start)
	for range replicas {
		select {
		case err := <-errs:
			t.Errorf("open: %v", err)
		case s := <-stores:
			t.Cleanup(s.Close)
		}
	}
	applied := 0
	for i := range logs {
		applied += strings.Count(logs[i].String(), "msg=\"migration applied\"")
	}
	if applied != migrations {
		t.Errorf("the replicas logged %d migrations applied; want each of the %d once", applied, migrations)
	}
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var rows, distinct int
	var version int64
	if err := c.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id), max(version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&rows, &distinct, &version); err != nil {
		t.Fatal(err)
	}
	if rows != migrations || distinct != migrations || version != newest {
		t.Errorf("goose_db_version holds %d rows for %d versions, the newest %d; want %d once each, the newest %d", rows, distinct, version, migrations, newest)
	}
	var embedder string
	if err := c.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'`).Scan(&embedder); err != nil || embedder != "halfvec(16)" {
		t.Errorf("embedding column %q (%v), want halfvec(16)", embedder, err)
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// chunksDefinition describes the chunks table as the catalog has it: columns, indexes,
// constraints, triggers, comments, storage parameters, grants and sequences.
func chunksDefinition(tb testing.TB, s *pgstore.Store) string {
	tb.Helper()
	const q = `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
		SELECT format('column %s %s not null %s default %s identity %s statistics %s comment %s', a.attname, format_type(a.atttypid, a.atttypmod),
				a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attstattarget, col_description(a.attrelid, a.attnum)) AS x
			FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE a.attrelid = 'chunks'::regclass AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL SELECT format('index %s comment %s', pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'))
			FROM pg_index i WHERE i.indrelid = 'chunks'::regclass
		UNION ALL SELECT format('constraint %s %s comment %s', conname, pg_get_constraintdef(oid), obj_description(oid, 'pg_constraint'))
			FROM pg_constraint WHERE conrelid = 'chunks'::regclass
		UNION ALL SELECT format('trigger %s enabled %s', pg_get_triggerdef(oid), tgenabled)
			FROM pg_trigger WHERE tgrelid = 'chunks'::regclass AND NOT tgisinternal
		UNION ALL SELECT format('table comment %s options %s acl %s sequence %s', obj_description(oid, 'pg_class'), reloptions, relacl,
				pg_get_serial_sequence('chunks', 'id'))
			FROM pg_class WHERE oid = 'chunks'::regclass
	) t`
	var def string
	if err := s.Pool().QueryRow(context.Background(), q).Scan(&def); err != nil {
		tb.Fatal(err)
	}
	return def
}

// TestBulkLoadKeepsChunksDefinition: the migrations alone define the chunks table. What
// a later migration adds to it (a column with its values, an index, a check, a
// trigger, comments, settings, a grant) survives a bulk load that builds a new table,
// and the chunks that stay keep their ids.
func TestBulkLoadKeepsChunksDefinition(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.New(t), &retrievaltest.CountingEmbedder{Dim: 16})
	rs := licences(2600)
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs[:100]...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE chunks ADD COLUMN lang text NOT NULL DEFAULT 'zh'`,
		`ALTER TABLE chunks ADD CONSTRAINT chunks_ord_check CHECK (ord >= 0)`,
		`CREATE INDEX chunks_lang ON chunks (lang, document_id) WHERE lang <> 'zh'`,
		`COMMENT ON INDEX chunks_lang IS 'passages not in Chinese'`,
		`COMMENT ON COLUMN chunks.text IS 'the passage'`,
		`COMMENT ON TABLE chunks IS 'passages of documents'`,
		`ALTER TABLE chunks SET (autovacuum_vacuum_scale_factor = 0.05)`,
		`ALTER TABLE chunks ALTER COLUMN text SET STATISTICS 500`,
		`CREATE FUNCTION chunks_keep_ord() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.ord := OLD.ord; RETURN NEW; END $$`,
		`CREATE TRIGGER chunks_keep_ord BEFORE UPDATE ON chunks FOR EACH ROW EXECUTE FUNCTION chunks_keep_ord()`,
		`GRANT SELECT ON chunks TO PUBLIC`,
		`UPDATE chunks SET lang = 'en' WHERE document_id = (SELECT min(document_id) FROM chunks)`,
	} {
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	want := chunksDefinition(t, s)
	table := count(t, s, `SELECT 'chunks'::regclass::oid::int`)
	ids := count(t, s, `SELECT sum(id) FROM chunks`)
	maxID := count(t, s, `SELECT max(id) FROM chunks`)

	// 2,500 new chunks against 100 stored: the bulk path, a new table.
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if count(t, s, `SELECT 'chunks'::regclass::oid::int`) == table {
		t.Fatal("the load did not build a new chunks table")
	}
	if got := chunksDefinition(t, s); got != want {
		t.Errorf("chunks after the bulk load:\n%s\nwant as before:\n%s", got, want)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks WHERE lang = 'en'`); n != 1 {
		t.Errorf("%d chunks keep the value of the added column, want 1", n)
	}
	if n := count(t, s, `SELECT sum(id) FROM chunks WHERE id <= $1`, maxID); n != ids {
		t.Errorf("the chunks that stayed have ids summing to %d, want %d as before", n, ids)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks WHERE id > $1 AND lang = 'zh'`, maxID); n != 2500 {
		t.Errorf("%d new chunks after the old ids with the column's default, want 2500", n)
	}
	// The carried trigger works, and the constraints still hold.
	if _, err := s.Pool().Exec(ctx, `UPDATE chunks SET ord = ord + 7 WHERE id = $1`, maxID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT ord FROM chunks WHERE id = $1`, maxID); n != 0 {
		t.Errorf("ord %d after an update the trigger undoes, want 0", n)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO chunks (document_id, ord, text, tsv) SELECT document_id, ord, text, tsv FROM chunks LIMIT 1`); err == nil {
		t.Error("a duplicate (document_id, ord) was accepted after the bulk load")
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: rs[2345].Title, K: 3})
	if err != nil || len(hits) == 0 || hits[0].Key != rs[2345].Key {
		t.Fatalf("search after the bulk load: %v %+v", err, hits)
	}
}

// A bulk load's swap waits for the searches in progress without holding up those that
// start meanwhile: its exclusive lock is asked for a short wait at a time, and readers
// pass in between. Here a reader holds the old table for as long as the test likes;
// searches made while the load waits for it still answer, and the load ends once the
// reader does.
func TestBulkSwapDoesNotQueueReaders(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.New(t), &retrievaltest.CountingEmbedder{Dim: 16})
	rs := licences(2600)
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs[:100]...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	reader, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(ctx)
	if _, err := reader.Exec(ctx, `SELECT count(*) FROM chunks`); err != nil {
		t.Fatal(err)
	}
	synced := make(chan error, 1)
	go func() {
		_, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{})
		synced <- err
	}()
	// Wait until the load asks for the lock (it is refused while the reader holds the table).
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var waiting bool
		const q = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = to_regclass('chunks') AND mode = 'AccessExclusiveLock' AND NOT granted)`
		if err := s.Pool().QueryRow(ctx, q).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		select {
		case err := <-synced:
			t.Fatalf("the load ended (%v) while a reader held the table", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the load never asked for the table's lock")
		}
	}
	// Searches while the load waits: each passes between its tries (a search queued
	// behind the lock would wait for the reader, which waits for this test: the
	// searches' own deadline would end them).
	for i := range 5 {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		hits, err := s.Search(sctx, retrieval.Query{Text: rs[i].Title})
		cancel()
		if err != nil || len(hits) == 0 {
			t.Fatalf("a search while the load waited: %v (%d hits)", err, len(hits))
		}
	}
	select {
	case err := <-synced:
		t.Fatalf("the load ended (%v) while a reader held the table", err)
	default:
	}
	reader.Rollback(ctx)
	if err := <-synced; err != nil {
		t.Fatalf("the load, once the reader ended: %v", err)
	}
	if n := count(t, s, `SELECT count(DISTINCT document_id) FROM chunks`); n != len(rs) {
		t.Errorf("%d documents have chunks after the load, want %d", n, len(rs))
	}
}
