package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
)

// SyncOptions tune a sync.
type SyncOptions struct {
	// AllowShrink lets a source lose more than MaxShrink of its records in one run.
	// Without it such a run fails: an export cut short at a row boundary parses cleanly.
	AllowShrink bool
	// Progress, if set, is told how many chunks have been embedded.
	Progress func(stage string, done, total int)
}

// MaxShrink is the share of a source's records a run may remove without AllowShrink.
const MaxShrink = 0.5

// ErrShrink is returned when a source would lose more than MaxShrink of its records.
var ErrShrink = errors.New("export much smaller than the stored one")

// Stats counts what a sync did, in documents.
type Stats struct {
	Documents int `json:"documents"` // documents the synced sources now describe
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	Rejected  int `json:"rejected"` // records
	Chunks    int `json:"chunks"`   // chunks embedded
}

type docKey struct{ dataset, key string }

type recKey struct{ dataset, key, facet string }

// Sync makes the store hold exactly what batches say for their sources, in one
// transaction: readers see the old data until it commits, and a run that fails or is
// cancelled changes nothing. Only documents whose content changed are embedded again.
func (s *Store) Sync(ctx context.Context, batches []*ingest.Batch, opt SyncOptions) (Stats, error) {
	started := time.Now()
	var st Stats
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		st, err = s.sync(ctx, tx, batches, opt)
		if err != nil {
			return err
		}
		return s.recordRun(ctx, tx, batches, started, st, nil)
	})
	if err != nil {
		// The run's own transaction rolled back; record the failure outside it so
		// that staff see it, unless the context is what failed.
		if ctx.Err() == nil {
			_ = s.recordRun(ctx, s.pool, batches, started, st, err)
		}
		return Stats{}, err
	}
	return st, nil
}

func (s *Store) sync(ctx context.Context, tx pgx.Tx, batches []*ingest.Batch, opt SyncOptions) (Stats, error) {
	var st Stats
	// One ingest at a time: two sources may describe the same documents.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('civicbot:ingest'))`); err != nil {
		return st, fmt.Errorf("pgstore: sync: lock: %w", err)
	}
	affected := map[docKey]bool{}
	present := map[docKey]bool{}
	for _, b := range batches {
		st.Rejected += len(b.Rejects)
		for _, r := range b.Records {
			present[docKey{r.Dataset, r.Key}] = true
		}
		if err := s.syncRecords(ctx, tx, b, opt, affected); err != nil {
			return st, err
		}
	}
	st.Documents = len(present)
	st.Unchanged = len(present)
	phase := time.Now()
	lap := func(name string) {
		s.log.Debug("sync phase", "phase", name, "duration", time.Since(phase))
		phase = time.Now()
	}
	lap("records")

	keys := make([]docKey, 0, len(affected))
	for k := range affected {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b docKey) int {
		if a.dataset != b.dataset {
			return compareStr(a.dataset, b.dataset)
		}
		return compareStr(a.key, b.key)
	})
	composed, err := composeDocuments(ctx, tx, keys)
	if err != nil {
		return st, err
	}
	existing, err := documentHashes(ctx, tx, keys)
	if err != nil {
		return st, err
	}
	lap("compose")
	var write []ingest.Document
	var removeIDs, rewriteIDs []int64
	for _, k := range keys {
		old, had := existing[k]
		doc, has := composed[k]
		switch {
		case !has && had:
			removeIDs = append(removeIDs, old.id)
			st.Removed++
		case !has:
		case !had:
			write = append(write, doc)
			st.Added++
		case old.hash != doc.Hash:
			write = append(write, doc)
			rewriteIDs = append(rewriteIDs, old.id)
			st.Changed++
		default:
			continue
		}
		if present[k] {
			st.Unchanged--
		}
	}
	if len(removeIDs) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM documents WHERE id = ANY($1)`, removeIDs); err != nil {
			return st, fmt.Errorf("pgstore: sync: remove documents: %w", err)
		}
	}
	if len(rewriteIDs) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM chunks WHERE document_id = ANY($1)`, rewriteIDs); err != nil {
			return st, fmt.Errorf("pgstore: sync: remove chunks: %w", err)
		}
	}
	n, err := s.writeDocuments(ctx, tx, write, opt, lap)
	if err != nil {
		return st, err
	}
	st.Chunks = n
	if err := ensureVectorIndex(ctx, tx); err != nil {
		return st, err
	}
	lap("vector index")
	return st, nil
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// syncRecords replaces a source's records with the batch's, and adds the documents
// whose records changed to affected.
func (s *Store) syncRecords(ctx context.Context, tx pgx.Tx, b *ingest.Batch, opt SyncOptions, affected map[docKey]bool) error {
	const upsertSource = `INSERT INTO sources (name, format, snapshot, files, records, updated_at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (name) DO UPDATE SET format = EXCLUDED.format, snapshot = EXCLUDED.snapshot,
			files = EXCLUDED.files, records = EXCLUDED.records, updated_at = now()`
	if _, err := tx.Exec(ctx, upsertSource, b.Source, b.Format, dateOrNil(b.Snapshot), b.Files, len(b.Records)); err != nil {
		return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
	}

	old := map[recKey]string{}
	rows, err := tx.Query(ctx, `SELECT dataset, key, facet, hash FROM records WHERE source = $1`, b.Source)
	if err != nil {
		return fmt.Errorf("pgstore: sync %s: read records: %w", b.Source, err)
	}
	var k recKey
	var h string
	_, err = pgx.ForEachRow(rows, []any{&k.dataset, &k.key, &k.facet, &h}, func() error {
		old[k] = h
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgstore: sync %s: read records: %w", b.Source, err)
	}

	var put []ingest.Record
	var putHash []string
	seen := make(map[recKey]bool, len(b.Records))
	var delDataset, delKey, delFacet []string
	for _, r := range b.Records {
		rk := recKey{r.Dataset, r.Key, r.Facet}
		seen[rk] = true
		h := ingest.RecordHash(r)
		if oh, ok := old[rk]; ok && oh == h {
			continue
		} else if ok {
			delDataset, delKey, delFacet = append(delDataset, rk.dataset), append(delKey, rk.key), append(delFacet, rk.facet)
		}
		put, putHash = append(put, r), append(putHash, h)
		affected[docKey{r.Dataset, r.Key}] = true
	}
	removed := 0
	for rk := range old {
		if !seen[rk] {
			delDataset, delKey, delFacet = append(delDataset, rk.dataset), append(delKey, rk.key), append(delFacet, rk.facet)
			affected[docKey{rk.dataset, rk.key}] = true
			removed++
		}
	}
	if !opt.AllowShrink && len(old) >= 20 && float64(removed) > MaxShrink*float64(len(old)) {
		return fmt.Errorf("pgstore: sync %s: %w: it would remove %d of %d stored records; check the file, or pass --allow-shrink if the export really shrank",
			b.Source, ErrShrink, removed, len(old))
	}
	if len(delKey) > 0 {
		const del = `DELETE FROM records r USING unnest($2::text[], $3::text[], $4::text[]) AS d(dataset, key, facet)
			WHERE r.source = $1 AND r.dataset = d.dataset AND r.key = d.key AND r.facet = d.facet`
		if _, err := tx.Exec(ctx, del, b.Source, delDataset, delKey, delFacet); err != nil {
			return fmt.Errorf("pgstore: sync %s: delete records: %w", b.Source, err)
		}
	}
	if len(put) > 0 {
		rows := make([][]any, len(put))
		for i, r := range put {
			var fields []byte
			if len(r.Fields) > 0 {
				if fields, err = json.Marshal(r.Fields); err != nil {
					return fmt.Errorf("pgstore: sync %s: record %s: %w", b.Source, r.Key, err)
				}
			}
			rows[i] = []any{b.Source, r.Dataset, r.Key, r.Facet, putHash[i], r.Title, r.URL, r.Text, fields, string(r.Status), dateOrNil(r.Date)}
		}
		cols := []string{"source", "dataset", "key", "facet", "hash", "title", "url", "body", "fields", "status", "record_date"}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("pgstore: sync %s: write records: %w", b.Source, err)
		}
	}
	// A new export date of unchanged documents is shown to citizens, but needs no re-embedding.
	if !b.Snapshot.IsZero() {
		const q = `UPDATE documents d SET snapshot = $2 FROM records r
			WHERE r.source = $1 AND d.dataset = r.dataset AND d.key = r.key AND (d.snapshot IS NULL OR d.snapshot < $2)`
		if _, err := tx.Exec(ctx, q, b.Source, b.Snapshot); err != nil {
			return fmt.Errorf("pgstore: sync %s: snapshot: %w", b.Source, err)
		}
	}
	return nil
}

// composeDocuments reads every source's records for keys and composes their documents.
func composeDocuments(ctx context.Context, tx pgx.Tx, keys []docKey) (map[docKey]ingest.Document, error) {
	out := make(map[docKey]ingest.Document, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	datasets, ks := splitKeys(keys)
	const q = `SELECT r.dataset, r.key, r.facet, r.title, r.url, r.body, r.fields, r.status, r.record_date, s.snapshot
		FROM records r
		JOIN unnest($1::text[], $2::text[]) AS k(dataset, key) ON r.dataset = k.dataset AND r.key = k.key
		JOIN sources s ON s.name = r.source
		ORDER BY r.dataset, r.key`
	rows, err := tx.Query(ctx, q, datasets, ks)
	if err != nil {
		return nil, fmt.Errorf("pgstore: compose: %w", err)
	}
	var group []ingest.Record
	flush := func() {
		if len(group) > 0 {
			d := ingest.Compose(group)
			out[docKey{d.Dataset, d.Key}] = d
			group = group[:0]
		}
	}
	var (
		r              ingest.Record
		fields         []byte
		status         string
		date, snapshot *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&r.Dataset, &r.Key, &r.Facet, &r.Title, &r.URL, &r.Text, &fields, &status, &date, &snapshot}, func() error {
		if len(group) > 0 && (group[0].Dataset != r.Dataset || group[0].Key != r.Key) {
			flush()
		}
		rec := r
		rec.Status = ingest.Status(status)
		rec.Fields = nil
		if len(fields) > 0 {
			if err := json.Unmarshal(fields, &rec.Fields); err != nil {
				return fmt.Errorf("record %s/%s: %w", r.Dataset, r.Key, err)
			}
		}
		rec.Date, rec.Snapshot = deref(date), deref(snapshot)
		group = append(group, rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: compose: %w", err)
	}
	flush()
	return out, nil
}

type storedDoc struct {
	id   int64
	hash string
}

func documentHashes(ctx context.Context, tx pgx.Tx, keys []docKey) (map[docKey]storedDoc, error) {
	out := make(map[docKey]storedDoc, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	datasets, ks := splitKeys(keys)
	const q = `SELECT d.dataset, d.key, d.id, d.content_hash FROM documents d
		JOIN unnest($1::text[], $2::text[]) AS k(dataset, key) ON d.dataset = k.dataset AND d.key = k.key`
	rows, err := tx.Query(ctx, q, datasets, ks)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read documents: %w", err)
	}
	var k docKey
	var d storedDoc
	_, err = pgx.ForEachRow(rows, []any{&k.dataset, &k.key, &d.id, &d.hash}, func() error {
		out[k] = d
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: read documents: %w", err)
	}
	return out, nil
}

// writeDocuments upserts docs and writes their chunks with embeddings, in bulk.
func (s *Store) writeDocuments(ctx context.Context, tx pgx.Tx, docs []ingest.Document, opt SyncOptions, lap func(string)) (int, error) {
	if len(docs) == 0 {
		return 0, nil
	}
	type pending struct {
		doc   int
		chunk ingest.Chunk
	}
	var chunks []pending
	var texts []string
	for i, d := range docs {
		for _, c := range ingest.Chunks(d) {
			chunks = append(chunks, pending{i, c})
			texts = append(texts, ingest.EmbedText(d, c))
		}
	}
	var progress func(int)
	if opt.Progress != nil {
		progress = func(done int) { opt.Progress("embed", done, len(texts)) }
	}
	vecs, err := ingest.Embed(ctx, s.embedder, texts, progress)
	if err != nil {
		return 0, err
	}
	lap("embed")
	for i, v := range vecs {
		if len(v) != s.info.Dim {
			return 0, fmt.Errorf("pgstore: embedder %q returned %d dimensions for chunk %d, want %d", s.info.Name, len(v), i, s.info.Dim)
		}
	}

	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE doc_in ON COMMIT DROP AS SELECT dataset, key, title, url, body, facets, content_hash, snapshot, status FROM documents WITH NO DATA`); err != nil {
		return 0, fmt.Errorf("pgstore: write documents: %w", err)
	}
	rows := make([][]any, len(docs))
	for i, d := range docs {
		facets, err := json.Marshal(d.Facets)
		if err != nil {
			return 0, fmt.Errorf("pgstore: document %s: %w", d.Key, err)
		}
		if d.Facets == nil {
			facets = []byte("{}")
		}
		rows[i] = []any{d.Dataset, d.Key, d.Title, d.URL, d.Body, facets, d.Hash, dateOrNil(d.Snapshot), string(d.Status)}
	}
	cols := []string{"dataset", "key", "title", "url", "body", "facets", "content_hash", "snapshot", "status"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"doc_in"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return 0, fmt.Errorf("pgstore: write documents: %w", err)
	}
	// Staff suppression outlives re-ingest.
	const upsert = `INSERT INTO documents (dataset, key, title, url, body, facets, content_hash, snapshot, status)
		SELECT dataset, key, title, url, body, facets, content_hash, snapshot, status FROM doc_in
		ON CONFLICT (dataset, key) DO UPDATE SET title = EXCLUDED.title, url = EXCLUDED.url, body = EXCLUDED.body,
			facets = EXCLUDED.facets, content_hash = EXCLUDED.content_hash, snapshot = EXCLUDED.snapshot,
			status = CASE WHEN documents.status = 'suppressed' THEN 'suppressed' ELSE EXCLUDED.status END,
			updated_at = now()
		RETURNING id, dataset, key`
	idRows, err := tx.Query(ctx, upsert)
	if err != nil {
		return 0, fmt.Errorf("pgstore: write documents: %w", err)
	}
	ids := make(map[docKey]int64, len(docs))
	var k docKey
	var id int64
	if _, err := pgx.ForEachRow(idRows, []any{&id, &k.dataset, &k.key}, func() error {
		ids[k] = id
		return nil
	}); err != nil {
		return 0, fmt.Errorf("pgstore: write documents: %w", err)
	}
	if _, err := tx.Exec(ctx, `DROP TABLE doc_in`); err != nil {
		return 0, fmt.Errorf("pgstore: write documents: %w", err)
	}
	lap("write documents")

	crow := make([][]any, len(chunks))
	for i, p := range chunks {
		d := docs[p.doc]
		crow[i] = []any{ids[docKey{d.Dataset, d.Key}], p.chunk.Ord, p.chunk.Text, pgvector.NewVector(vecs[i]),
			retrieval.TokenString(d.Title), retrieval.TokenString(p.chunk.Text)}
	}
	ccols := []string{"document_id", "ord", "text", "embedding", "kw_title", "kw_body"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, ccols, pgx.CopyFromRows(crow)); err != nil {
		return 0, fmt.Errorf("pgstore: write chunks: %w", err)
	}
	lap("write chunks")
	return len(chunks), nil
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// maxStoredRejects bounds the rejects kept with a run; the count is always exact.
const maxStoredRejects = 1000

func (s *Store) recordRun(ctx context.Context, db execer, batches []*ingest.Batch, started time.Time, st Stats, runErr error) error {
	var sources, files []string
	rejects := []ingest.Reject{}
	for _, b := range batches {
		sources = append(sources, b.Source)
		files = append(files, b.Files...)
		for _, r := range b.Rejects {
			if len(rejects) < maxStoredRejects {
				rejects = append(rejects, r)
			}
		}
	}
	rj, err := json.Marshal(rejects)
	if err != nil {
		return fmt.Errorf("pgstore: record run: %w", err)
	}
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	const q = `INSERT INTO ingest_runs (sources, files, started_at, duration_ms, ok, error,
			documents, added, changed, unchanged, removed, rejected, rejects)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	_, err = db.Exec(ctx, q, sources, files, started, time.Since(started).Milliseconds(), runErr == nil, msg,
		st.Documents, st.Added, st.Changed, st.Unchanged, st.Removed, st.Rejected, rj)
	if err != nil {
		return fmt.Errorf("pgstore: record run: %w", err)
	}
	return nil
}

func splitKeys(keys []docKey) (datasets, ks []string) {
	datasets, ks = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		datasets[i], ks[i] = k.dataset, k.key
	}
	return datasets, ks
}

func dateOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
