package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
)

// SyncOptions, Stats, MaxShrink and ErrShrink are ingest's, shared with the embedded
// store; the names stay here for the callers that use them.
type (
	SyncOptions = ingest.SyncOptions
	Stats       = ingest.SyncStats
)

// MaxShrink is the share of a source's records a run may remove without AllowShrink.
const MaxShrink = ingest.MaxShrink

// ErrShrink is returned when a source would lose more than MaxShrink of its records.
var ErrShrink = ingest.ErrShrink

type docKey struct{ dataset, key string }

// Sync makes the store hold exactly what batches say for their sources, in one
// transaction: readers see the old data until it commits, and a run that fails or is
// cancelled changes nothing. Only documents whose content changed are embedded again.
func (s *Store) Sync(ctx context.Context, batches []*ingest.Batch, opt ingest.SyncOptions) (ingest.SyncStats, error) {
	started := time.Now()
	var st ingest.SyncStats
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := serverLimitsOff(ctx, tx); err != nil {
			return err
		}
		var err error
		st, err = s.sync(ctx, tx, batches, opt)
		if err != nil {
			return err
		}
		// Every process forgets the searches it kept (snapshots change even when
		// nothing else does), at the commit.
		if err := announceDocuments(ctx, tx); err != nil {
			return err
		}
		return s.recordRun(ctx, tx, batches, started, st, nil)
	})
	// This process forgets its word counts at once; the others when the
	// announcement reaches them (refreshLexemes).
	s.vocab.reset()
	s.gen.Add(1)
	if err != nil {
		// The run's own transaction rolled back; record the failure outside it so
		// that staff see it, unless the context is what failed.
		if ctx.Err() == nil {
			_ = s.recordRun(ctx, s.pool, batches, started, st, err)
		}
		return ingest.SyncStats{}, err
	}
	return st, nil
}

// syncBatch is how many records, and how many documents, a sync holds at once: the
// records of a source are read, hashed and copied into the database this many at a
// time, then the documents they affect are composed, embedded and written this many at
// a time. What changed is worked out in the database, by key and hash, so that the
// memory a run needs is bounded by the batch rather than by the corpus.
const syncBatch = 4096

// batchSize is syncBatch, or the smaller batch a test asked for.
func (s *Store) batchSize() int {
	if s.syncBatch > 0 {
		return s.syncBatch
	}
	return syncBatch
}

func (s *Store) sync(ctx context.Context, tx pgx.Tx, batches []*ingest.Batch, opt ingest.SyncOptions) (ingest.SyncStats, error) {
	var st ingest.SyncStats
	// One ingest at a time: two sources may describe the same documents.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('civicbot:ingest'))`); err != nil {
		return st, fmt.Errorf("pgstore: sync: lock: %w", err)
	}
	phase := time.Now()
	lap := func(name string) {
		s.log.Debug("sync phase", "phase", name, "duration", time.Since(phase))
		phase = time.Now()
	}
	// The documents whose records this run adds, changes or removes, in Go's string
	// order (the C collation).
	const affectedTable = `CREATE TEMP TABLE sync_affected (dataset text COLLATE "C", key text COLLATE "C", PRIMARY KEY (dataset, key)) ON COMMIT DROP`
	if _, err := tx.Exec(ctx, affectedTable); err != nil {
		return st, fmt.Errorf("pgstore: sync: %w", err)
	}
	var sources, runSources []string
	for _, b := range batches {
		sources = append(sources, b.Source)
		if b.Unchanged {
			// Its stored records stay as they are and compose documents from the
			// store, like any source outside this run.
			continue
		}
		runSources = append(runSources, b.Source)
		if err := s.syncRecords(ctx, tx, b, opt); err != nil {
			return st, err
		}
		st.Rejected += len(b.Rejects)
	}
	const described = `SELECT count(*) FROM (SELECT DISTINCT dataset, key FROM records WHERE source = ANY($1)) d`
	if err := tx.QueryRow(ctx, described, sources).Scan(&st.Documents); err != nil {
		return st, fmt.Errorf("pgstore: sync: count documents: %w", err)
	}
	st.Unchanged = st.Documents
	var affected int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM sync_affected`).Scan(&affected); err != nil {
		return st, fmt.Errorf("pgstore: sync: %w", err)
	}
	lap("records")

	// The chunks stored before the run: a run that replaces a large share of them
	// builds a new table (see bulkLoad). Without the vector index (the first load) it
	// never does, and new chunks go straight into the table; otherwise they wait in a
	// temporary one until the run knows how many it wrote.
	var before int
	staged := false
	if affected > 0 {
		var err error
		if before, err = countChunks(ctx, tx); err != nil {
			return st, err
		}
		if staged, err = vectorIndexed(ctx, tx); err != nil {
			return st, err
		}
	}
	table := "chunks"
	if staged {
		const q = `CREATE TEMP TABLE sync_chunks (document_id bigint, ord integer, text text, embedding halfvec, tsv tsvector) ON COMMIT DROP`
		if _, err := tx.Exec(ctx, q); err != nil {
			return st, fmt.Errorf("pgstore: sync: %w", err)
		}
		table = "sync_chunks"
	}
	done := 0
	var last docKey
	for first := true; affected > 0; first = false {
		keys, err := affectedPage(ctx, tx, last, first, s.batchSize())
		if err != nil {
			return st, err
		}
		if len(keys) == 0 {
			break
		}
		last = keys[len(keys)-1]
		if err := s.syncDocuments(ctx, tx, keys, sources, runSources, table, opt, &st); err != nil {
			return st, err
		}
		done += len(keys)
		if opt.Progress != nil {
			opt.Progress("documents", done, affected)
		}
	}
	lap("documents")
	var swap *pendingSwap
	if staged {
		var err error
		if swap, err = finishChunks(ctx, tx, before, st.Chunks); err != nil {
			return st, err
		}
	}
	if err := ensureVectorIndex(ctx, tx); err != nil {
		return st, err
	}
	lap("vector index")
	if swap != nil {
		table = "chunks_next"
	} else {
		table = "chunks"
	}
	if st.Added+st.Changed+st.Removed > 0 {
		if err := refreshLexemes(ctx, tx, table); err != nil {
			return st, err
		}
		lap("lexeme statistics")
	}
	if swap != nil {
		// Last: the new table takes the live one's place under an exclusive lock
		// that readers wait for, held only until the commit that follows.
		if err := swap.finish(ctx, tx); err != nil {
			return st, err
		}
		lap("swap chunks")
	}
	return st, nil
}

// affectedPage returns up to n of the affected documents after last (from the first
// when first is set), in order.
func affectedPage(ctx context.Context, tx pgx.Tx, last docKey, first bool, n int) ([]docKey, error) {
	q := `SELECT dataset, key FROM sync_affected WHERE (dataset, key) > ($1, $2) ORDER BY dataset, key LIMIT $3`
	args := []any{last.dataset, last.key, n}
	if first {
		q, args = `SELECT dataset, key FROM sync_affected ORDER BY dataset, key LIMIT $1`, []any{n}
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pgstore: sync: affected documents: %w", err)
	}
	keys := make([]docKey, 0, n)
	var k docKey
	if _, err := pgx.ForEachRow(rows, []any{&k.dataset, &k.key}, func() error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: sync: affected documents: %w", err)
	}
	return keys, nil
}

// syncDocuments composes the documents of keys from the stored records, compares them
// with the stored documents, and writes, rewrites or removes those that differ; chunks
// go into table (chunks, or sync_chunks when they wait for the run's end).
func (s *Store) syncDocuments(ctx context.Context, tx pgx.Tx, keys []docKey, sources, runSources []string, table string, opt ingest.SyncOptions, st *ingest.SyncStats) error {
	composed, present, err := composeDocuments(ctx, tx, keys, sources, runSources)
	if err != nil {
		return err
	}
	existing, err := documentHashes(ctx, tx, keys)
	if err != nil {
		return err
	}
	var write []ingest.Document
	var writeIDs, removeIDs, rewriteIDs []int64
	for _, k := range keys {
		old, had := existing[k]
		doc, has := composed[k]
		switch {
		case !has && had:
			removeIDs = append(removeIDs, old.id)
			st.Removed++
		case !has:
		case !had:
			write, writeIDs = append(write, doc), append(writeIDs, 0)
			st.Added++
		case old.hash != doc.Hash:
			write, writeIDs = append(write, doc), append(writeIDs, old.id)
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
			return fmt.Errorf("pgstore: sync: remove documents: %w", err)
		}
	}
	if len(rewriteIDs) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM chunks WHERE document_id = ANY($1)`, rewriteIDs); err != nil {
			return fmt.Errorf("pgstore: sync: remove chunks: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM drug_words WHERE document_id = ANY($1)`, rewriteIDs); err != nil {
			return fmt.Errorf("pgstore: sync: remove drug words: %w", err)
		}
	}
	if err := screen(ctx, tx, write, opt); err != nil {
		return err
	}
	n, err := s.writeDocuments(ctx, tx, write, writeIDs, table)
	st.Chunks += n
	return err
}

// vectorIndexed reports whether the chunks table has its vector index.
func vectorIndexed(ctx context.Context, tx pgx.Tx) (bool, error) {
	var indexed bool
	const q = `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'chunks' AND indexname = 'chunks_embedding')`
	if err := tx.QueryRow(ctx, q).Scan(&indexed); err != nil {
		return false, fmt.Errorf("pgstore: chunks: %w", err)
	}
	return indexed, nil
}

// syncRecords replaces a source's records with the batch's, and adds the documents
// whose records changed to sync_affected. The batch's records are read once, hashed
// and copied syncBatch at a time: into the records table when the source has none yet,
// else into a temporary table compared with the stored ones by key and hash, so that
// unchanged records are not rewritten.
func (s *Store) syncRecords(ctx context.Context, tx pgx.Tx, b *ingest.Batch, opt ingest.SyncOptions) error {
	var oldSnapshot *time.Time
	err := tx.QueryRow(ctx, `SELECT snapshot FROM sources WHERE name = $1`, b.Source).Scan(&oldSnapshot)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
	}
	var stored bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM records WHERE source = $1)`, b.Source).Scan(&stored); err != nil {
		return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
	}
	// The source row first: the records refer to it. Its snapshot and count follow the reading.
	const upsertSource = `INSERT INTO sources (name, format, snapshot, files, digest, records, updated_at)
		VALUES ($1, $2, $3, $4, $5, 0, now())
		ON CONFLICT (name) DO UPDATE SET format = EXCLUDED.format, snapshot = EXCLUDED.snapshot,
			files = EXCLUDED.files, digest = EXCLUDED.digest, updated_at = now()`
	if _, err := tx.Exec(ctx, upsertSource, b.Source, b.Format, dateOrNil(b.Snapshot), b.Files, b.Digest); err != nil {
		return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
	}
	// A streamed batch of several files may hold a later file's record of a key after
	// an earlier one's; the later one is kept.
	repeats := b.Streamed() && len(b.Files) > 1
	direct := !stored && !repeats
	table := "records"
	if !direct {
		const q = `CREATE TEMP TABLE IF NOT EXISTS sync_records (seq bigint, dataset text, key text, facet text, hash text,
			title text, url text, body text, fields jsonb, status text, record_date date) ON COMMIT DROP`
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
		}
		if _, err := tx.Exec(ctx, `TRUNCATE sync_records`); err != nil {
			return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
		}
		table = "sync_records"
	}
	cols := []string{"source", "dataset", "key", "facet", "hash", "title", "url", "body", "fields", "status", "record_date"}
	if !direct {
		cols[0] = "seq"
	}
	n := s.batchSize()
	rows := make([][]any, 0, n)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("pgstore: sync %s: write records: %w", b.Source, err)
		}
		clear(rows)
		rows = rows[:0]
		return nil
	}
	seq := int64(0)
	err = b.Each(ctx, func(r ingest.Record) error {
		var fields []byte
		if len(r.Fields) > 0 {
			var err error
			if fields, err = json.Marshal(r.Fields); err != nil {
				return fmt.Errorf("pgstore: sync %s: record %s: %w", b.Source, r.Key, err)
			}
		}
		seq++
		var first any = b.Source
		if !direct {
			first = seq
		}
		rows = append(rows, []any{first, r.Dataset, r.Key, r.Facet, ingest.RecordHash(r), r.Title, r.URL, r.Text, fields, string(r.Status), dateOrNil(r.Date)})
		if len(rows) == n {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if direct {
		const q = `INSERT INTO sync_affected SELECT DISTINCT dataset, key FROM records WHERE source = $1 ON CONFLICT DO NOTHING`
		if _, err := tx.Exec(ctx, q, b.Source); err != nil {
			return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
		}
	} else if err := diffRecords(ctx, tx, b.Source, repeats, opt); err != nil {
		return err
	}
	const counted = `UPDATE sources SET snapshot = $2, records = (SELECT count(*) FROM records WHERE source = $1) WHERE name = $1`
	if _, err := tx.Exec(ctx, counted, b.Source, dateOrNil(b.Snapshot)); err != nil {
		return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
	}
	// A new export date of unchanged documents is shown to citizens, but needs no re-embedding.
	if !b.Snapshot.IsZero() && (oldSnapshot == nil || !oldSnapshot.Equal(b.Snapshot)) {
		const q = `UPDATE documents d SET snapshot = $2 FROM records r
			WHERE r.source = $1 AND d.dataset = r.dataset AND d.key = r.key AND (d.snapshot IS NULL OR d.snapshot < $2)`
		if _, err := tx.Exec(ctx, q, b.Source, b.Snapshot); err != nil {
			return fmt.Errorf("pgstore: sync %s: snapshot: %w", b.Source, err)
		}
	}
	return nil
}

// diffRecords replaces the stored records of source with those of sync_records, by key
// and hash: records whose hash is unchanged stay as they are; the documents of the
// others, and of removed records, are added to sync_affected.
func diffRecords(ctx context.Context, tx pgx.Tx, source string, repeats bool, opt ingest.SyncOptions) error {
	steps := []string{}
	if repeats {
		steps = append(steps, `DELETE FROM sync_records a USING sync_records b
			WHERE a.dataset = b.dataset AND a.key = b.key AND a.facet = b.facet AND a.seq < b.seq`)
	}
	steps = append(steps, `ANALYZE sync_records`)
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgstore: sync %s: %w", source, err)
		}
	}
	var old, removed int
	const count = `SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM sync_records i
			WHERE i.dataset = r.dataset AND i.key = r.key AND i.facet = r.facet))
		FROM records r WHERE r.source = $1`
	if err := tx.QueryRow(ctx, count, source).Scan(&old, &removed); err != nil {
		return fmt.Errorf("pgstore: sync %s: read records: %w", source, err)
	}
	if !opt.AllowShrink && old >= 20 && float64(removed) > ingest.MaxShrink*float64(old) {
		return fmt.Errorf("pgstore: sync %s: %w: it would remove %d of %d stored records; check the file, or pass --allow-shrink if the export really shrank",
			source, ingest.ErrShrink, removed, old)
	}
	for _, q := range []string{
		// New, changed and removed records affect their documents.
		`INSERT INTO sync_affected
			SELECT i.dataset, i.key FROM sync_records i
				WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.source = $1
					AND r.dataset = i.dataset AND r.key = i.key AND r.facet = i.facet AND r.hash = i.hash)
			UNION
			SELECT r.dataset, r.key FROM records r
				WHERE r.source = $1 AND NOT EXISTS (SELECT 1 FROM sync_records i
					WHERE i.dataset = r.dataset AND i.key = r.key AND i.facet = r.facet)
			ON CONFLICT DO NOTHING`,
		`DELETE FROM records r WHERE r.source = $1 AND NOT EXISTS (SELECT 1 FROM sync_records i
			WHERE i.dataset = r.dataset AND i.key = r.key AND i.facet = r.facet AND i.hash = r.hash)`,
		`INSERT INTO records (source, dataset, key, facet, hash, title, url, body, fields, status, record_date)
			SELECT $1, i.dataset, i.key, i.facet, i.hash, i.title, i.url, i.body, i.fields, i.status, i.record_date
			FROM sync_records i WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.source = $1
				AND r.dataset = i.dataset AND r.key = i.key AND r.facet = i.facet)`,
	} {
		if _, err := tx.Exec(ctx, q, source); err != nil {
			return fmt.Errorf("pgstore: sync %s: records: %w", source, err)
		}
	}
	return nil
}

// refreshLexemes recounts in how many chunks each keyword lexeme occurs, moves the
// keyword index's pending entries into its tree, and refreshes the planner's statistics.
//
// table is the chunks table that holds the run's chunks: chunks, or chunks_next when
// a new table waits to take its place (then its index is new: nothing pends in it).
func refreshLexemes(ctx context.Context, tx pgx.Tx, table string) error {
	pending := `SELECT gin_clean_pending_list('chunks_tsv'::regclass)`
	if table != "chunks" {
		pending = `SELECT 1`
	}
	for _, q := range []string{
		`DELETE FROM lexemes`,
		`INSERT INTO lexemes (word, ndoc) SELECT word, ndoc FROM ts_stat('SELECT tsv FROM ` + table + `')`,
		`INSERT INTO settings (name, value) SELECT 'chunks', count(*)::text FROM ` + table + `
			ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
		// New passages wait in the GIN index's pending list (fastupdate) until a vacuum,
		// and every keyword lookup reads that list whole: after a load of 100,000
		// passages, 250 pages a lookup, a third of the search's time.
		pending,
		// Fresh planner statistics: after a bulk load the planner would otherwise guess
		// that a dataset holds a hundred documents rather than seven thousand, and pick
		// nested loops that take 20 ms instead of 1.
		`ANALYZE documents, ` + table + `, records, lexemes, drug_words`,
		// Every process forgets the word counts it kept (vocab.go), at the commit.
		`SELECT pg_notify('` + corpusChannel + `', '')`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgstore: lexeme statistics: %w", err)
		}
	}
	return nil
}

// SourceDigests returns the digest of every source's files at its last successful run.
func (s *Store) SourceDigests(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, digest FROM sources`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: sources: %w", err)
	}
	out := map[string]string{}
	var name, digest string
	if _, err := pgx.ForEachRow(rows, []any{&name, &digest}, func() error {
		out[name] = digest
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: sources: %w", err)
	}
	return out, nil
}

// composeDocuments composes the documents of keys from the stored records of every
// source (those of this run written already), and reports which of them a source of the
// run (sources, unchanged ones included) describes. Records of runSources come first,
// as they came first when the run's records were composed in memory.
func composeDocuments(ctx context.Context, tx pgx.Tx, keys []docKey, sources, runSources []string) (map[docKey]ingest.Document, map[docKey]bool, error) {
	out := make(map[docKey]ingest.Document, len(keys))
	present := make(map[docKey]bool, len(keys))
	if len(keys) == 0 {
		return out, present, nil
	}
	datasets, ks := splitKeys(keys)
	const q = `SELECT r.dataset, r.key, r.source = ANY($3), r.facet, r.title, r.url, r.body, r.fields, r.status, r.record_date, s.snapshot
		FROM records r
		JOIN unnest($1::text[], $2::text[]) AS k(dataset, key) ON r.dataset = k.dataset AND r.key = k.key
		JOIN sources s ON s.name = r.source
		ORDER BY r.source = ANY($4) DESC, array_position($4, r.source), r.source`
	rows, err := tx.Query(ctx, q, datasets, ks, sources, runSources)
	if err != nil {
		return nil, nil, fmt.Errorf("pgstore: compose: %w", err)
	}
	recs := make(map[docKey][]ingest.Record, len(keys))
	var (
		r              ingest.Record
		inRun          bool
		fields         []byte
		status         string
		date, snapshot *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&r.Dataset, &r.Key, &inRun, &r.Facet, &r.Title, &r.URL, &r.Text, &fields, &status, &date, &snapshot}, func() error {
		rec := r
		rec.Status = corpus.Status(status)
		rec.Fields = nil
		if len(fields) > 0 {
			if err := json.Unmarshal(fields, &rec.Fields); err != nil {
				return fmt.Errorf("record %s/%s: %w", r.Dataset, r.Key, err)
			}
		}
		rec.Date, rec.Snapshot = deref(date), deref(snapshot)
		k := docKey{rec.Dataset, rec.Key}
		recs[k] = append(recs[k], rec)
		if inRun {
			present[k] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pgstore: compose: %w", err)
	}
	for k, rs := range recs {
		out[k] = ingest.Compose(rs)
	}
	return out, present, nil
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

// writeDocuments writes docs (ids[i] is the stored id of docs[i], 0 for a new
// document), their drug words, and their chunks with embeddings into table.
func (s *Store) writeDocuments(ctx context.Context, tx pgx.Tx, docs []ingest.Document, ids []int64, table string) (int, error) {
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
	// Lexemes are made while the embedder works.
	tsvs := make([]pgtype.TSVector, len(chunks))
	lexemes := make(chan struct{})
	go func() {
		defer close(lexemes)
		parallel(len(chunks), func(i int) {
			tsvs[i] = tsvector(docs[chunks[i].doc].Title, chunks[i].chunk.Text)
		})
	}()
	started := time.Now()
	vecs, err := ingest.Embed(ctx, s.embedder, texts, nil)
	if err != nil {
		<-lexemes
		return 0, err
	}
	s.log.Debug("sync phase", "phase", "embed", "chunks", len(texts), "duration", time.Since(started))
	for i, v := range vecs {
		if len(v) != s.info.Dim {
			<-lexemes
			return 0, fmt.Errorf("pgstore: embedder %q returned %d dimensions for chunk %d, want %d", s.info.Name, len(v), i, s.info.Dim)
		}
	}
	if err := writeDocumentRows(ctx, tx, docs, ids); err != nil {
		<-lexemes
		return 0, err
	}
	<-lexemes
	crow := make([][]any, len(chunks))
	var words [][]any
	for i, p := range chunks {
		crow[i] = []any{ids[p.doc], p.chunk.Ord, p.chunk.Text, pgvector.NewHalfVector(vecs[i]), tsvs[i]}
		if docs[p.doc].Dataset == corpus.DatasetDrug {
			words = appendDrugWords(words, ids[p.doc], docs[p.doc].Key, string(docs[p.doc].Status), p.chunk.Text, tsvs[i])
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"drug_words"}, drugWordColumns, pgx.CopyFromRows(words)); err != nil {
		return 0, fmt.Errorf("pgstore: write drug words: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, chunkColumns, pgx.CopyFromRows(crow)); err != nil {
		return 0, fmt.Errorf("pgstore: write chunks: %w", err)
	}
	return len(chunks), nil
}

var chunkColumns = []string{"document_id", "ord", "text", "embedding", "tsv"}

// finishChunks moves the n chunks the run wrote into sync_chunks to their place: into
// a new table built with the chunks that stay when the run replaces a large share of
// the before chunks stored at its start (see bulkLoad), else into the live table.
func finishChunks(ctx context.Context, tx pgx.Tx, before, n int) (*pendingSwap, error) {
	stored, err := countChunks(ctx, tx)
	if err != nil {
		return nil, err
	}
	bulk, err := bulkLoad(ctx, tx, before, before-stored, n)
	if err != nil {
		return nil, err
	}
	cols := strings.Join(chunkColumns, ", ")
	if bulk {
		swap, err := swapChunks(ctx, tx, func(table string) error {
			_, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+cols+`) SELECT `+cols+` FROM sync_chunks`)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("pgstore: write chunks: %w", err)
		}
		return swap, nil
	}
	if n == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO chunks (`+cols+`) SELECT `+cols+` FROM sync_chunks`); err != nil {
		return nil, fmt.Errorf("pgstore: write chunks: %w", err)
	}
	return nil, nil
}

func countChunks(ctx context.Context, tx pgx.Tx) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM chunks`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pgstore: count chunks: %w", err)
	}
	return n, nil
}

// writeDocumentRows copies new documents straight into the table, with ids reserved
// from its sequence (filled into ids), and updates changed ones through a temporary table.
func writeDocumentRows(ctx context.Context, tx pgx.Tx, docs []ingest.Document, ids []int64) error {
	var fresh int
	isNew := make([]bool, len(ids))
	for i, id := range ids {
		if id == 0 {
			isNew[i] = true
			fresh++
		}
	}
	if fresh > 0 {
		const reserve = `SELECT nextval(pg_get_serial_sequence('documents', 'id')) FROM generate_series(1, $1)`
		rows, err := tx.Query(ctx, reserve, fresh)
		if err != nil {
			return fmt.Errorf("pgstore: reserve ids: %w", err)
		}
		next, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("pgstore: reserve ids: %w", err)
		}
		j := 0
		for i := range ids {
			if ids[i] == 0 {
				ids[i] = next[j]
				j++
			}
		}
	}
	var insert, update [][]any
	for i, d := range docs {
		facets := []byte("{}")
		if d.Facets != nil {
			var err error
			if facets, err = json.Marshal(d.Facets); err != nil {
				return fmt.Errorf("pgstore: document %s: %w", d.Key, err)
			}
		}
		row := []any{ids[i], d.Dataset, d.Key, d.Title, d.URL, d.Body, facets, d.Hash, dateOrNil(d.Snapshot), string(d.Status), tsvector(d.Title, "")}
		row = append(row, licenceFacts(d.Dataset, d.Title, d.Key)...)
		if isNew[i] {
			insert = append(insert, row)
		} else {
			update = append(update, row)
		}
	}
	cols := []string{"id", "dataset", "key", "title", "url", "body", "facets", "content_hash", "snapshot", "status", "title_tsv", "name", "serial", "key_prefix"}
	if len(insert) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"documents"}, cols, pgx.CopyFromRows(insert)); err != nil {
			return fmt.Errorf("pgstore: write documents: %w", err)
		}
	}
	if len(update) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE doc_in ON COMMIT DROP AS SELECT id, dataset, key, title, url, body, facets, content_hash, snapshot, status, title_tsv, name, serial, key_prefix FROM documents WITH NO DATA`); err != nil {
		return fmt.Errorf("pgstore: write documents: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"doc_in"}, cols, pgx.CopyFromRows(update)); err != nil {
		return fmt.Errorf("pgstore: write documents: %w", err)
	}
	// Staff suppression outlives re-ingest.
	const q = `UPDATE documents d SET title = i.title, title_tsv = i.title_tsv, url = i.url, body = i.body, facets = i.facets,
			name = i.name, serial = i.serial, key_prefix = i.key_prefix,
			content_hash = i.content_hash, snapshot = i.snapshot,
			status = CASE WHEN d.status = 'suppressed' THEN 'suppressed' ELSE i.status END, updated_at = now()
		FROM doc_in i WHERE d.id = i.id`
	if _, err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("pgstore: write documents: %w", err)
	}
	if _, err := tx.Exec(ctx, `DROP TABLE doc_in`); err != nil {
		return fmt.Errorf("pgstore: write documents: %w", err)
	}
	return nil
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// maxStoredRejects bounds the rejects kept with a run; the count is always exact.
const maxStoredRejects = 1000

func (s *Store) recordRun(ctx context.Context, db execer, batches []*ingest.Batch, started time.Time, st ingest.SyncStats, runErr error) error {
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
	text, err := json.Marshal(ingest.TextBySource(batches))
	if err != nil {
		return fmt.Errorf("pgstore: record run: %w", err)
	}
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	const q = `INSERT INTO ingest_runs (sources, files, started_at, duration_ms, ok, error,
			documents, added, changed, unchanged, removed, rejected, rejects, text_repairs)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
	_, err = db.Exec(ctx, q, sources, files, started, time.Since(started).Milliseconds(), runErr == nil, msg,
		st.Documents, st.Added, st.Changed, st.Unchanged, st.Removed, st.Rejected, rj, text)
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

// drugWordColumns are the columns appendDrugWords fills.
var drugWordColumns = []string{"word", "len", "document_id", "key", "status"}

// appendDrugWords adds the drug_words rows of a drug passage: each Latin word of four
// letters or more in its lexemes, with the passage's length in characters, the
// document's key and status (the order of retrieval.LegDrugWords, read from the index
// alone: valid licences first, then the shortest passage, then by key).
func appendDrugWords(rows [][]any, docID int64, key, status, text string, tsv pgtype.TSVector) [][]any {
	n := utf8.RuneCountInString(text)
	for _, l := range tsv.Lexemes {
		if len(l.Word) >= 4 && retrieval.IsLatin(l.Word) {
			rows = append(rows, []any{l.Word, n, docID, key, status})
		}
	}
	return rows
}
