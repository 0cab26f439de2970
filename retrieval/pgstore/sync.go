package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

type recKey struct{ dataset, key, facet string }

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
		return s.recordRun(ctx, tx, batches, started, st, nil)
	})
	// This process forgets its word counts at once; the others when the
	// announcement reaches them (refreshLexemes).
	s.vocab.reset()
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
	affected := map[docKey]bool{}
	present := map[docKey]bool{}
	inRun := map[docKey][]ingest.Record{}
	var runSources []string
	for _, b := range batches {
		if b.Unchanged {
			// Its stored records stay as they are and compose documents from the
			// store, like any source outside this run.
			if err := unchangedSource(ctx, tx, b.Source, present); err != nil {
				return st, err
			}
			continue
		}
		runSources = append(runSources, b.Source)
		st.Rejected += len(b.Rejects)
		for _, r := range b.Records {
			k := docKey{r.Dataset, r.Key}
			present[k] = true
			inRun[k] = append(inRun[k], r)
		}
		if err := s.syncRecords(ctx, tx, b, opt, affected); err != nil {
			return st, err
		}
	}
	st.Documents = len(present)
	st.Unchanged = len(present)
	lap("records")

	keys := make([]docKey, 0, len(affected))
	for k := range affected {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b docKey) int {
		if a.dataset != b.dataset {
			return strings.Compare(a.dataset, b.dataset)
		}
		return strings.Compare(a.key, b.key)
	})
	composed, err := composeDocuments(ctx, tx, keys, inRun, runSources)
	if err != nil {
		return st, err
	}
	existing, err := documentHashes(ctx, tx, keys)
	if err != nil {
		return st, err
	}
	lap("compose")
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
	// The chunks stored before the run: a run that replaces a large share of them
	// builds a new table (see bulkLoad).
	var before int
	if len(removeIDs)+len(rewriteIDs)+len(write) > 0 {
		if before, err = countChunks(ctx, tx); err != nil {
			return st, err
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
		if _, err := tx.Exec(ctx, `DELETE FROM drug_words WHERE document_id = ANY($1)`, rewriteIDs); err != nil {
			return st, fmt.Errorf("pgstore: sync: remove drug words: %w", err)
		}
	}
	if err := screen(ctx, tx, write, opt); err != nil {
		return st, err
	}
	n, swap, err := s.writeDocuments(ctx, tx, write, writeIDs, before, opt, lap)
	if err != nil {
		return st, err
	}
	st.Chunks = n
	if len(write) == 0 && before > 0 {
		// Only removals: a large share of dead chunks is rebuilt away too.
		if swap, err = writeChunks(ctx, tx, before, nil, lap); err != nil {
			return st, err
		}
	}
	if err := ensureVectorIndex(ctx, tx); err != nil {
		return st, err
	}
	lap("vector index")
	table := "chunks"
	if swap != nil {
		table = "chunks_next"
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

// syncRecords replaces a source's records with the batch's, and adds the documents
// whose records changed to affected.
func (s *Store) syncRecords(ctx context.Context, tx pgx.Tx, b *ingest.Batch, opt ingest.SyncOptions, affected map[docKey]bool) error {
	var oldSnapshot *time.Time
	err := tx.QueryRow(ctx, `SELECT snapshot FROM sources WHERE name = $1`, b.Source).Scan(&oldSnapshot)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: sync %s: %w", b.Source, err)
	}
	const upsertSource = `INSERT INTO sources (name, format, snapshot, files, digest, records, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, now())
		ON CONFLICT (name) DO UPDATE SET format = EXCLUDED.format, snapshot = EXCLUDED.snapshot,
			files = EXCLUDED.files, digest = EXCLUDED.digest, records = EXCLUDED.records, updated_at = now()`
	if _, err := tx.Exec(ctx, upsertSource, b.Source, b.Format, dateOrNil(b.Snapshot), b.Files, b.Digest, len(b.Records)); err != nil {
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
	if !opt.AllowShrink && len(old) >= 20 && float64(removed) > ingest.MaxShrink*float64(len(old)) {
		return fmt.Errorf("pgstore: sync %s: %w: it would remove %d of %d stored records; check the file, or pass --allow-shrink if the export really shrank",
			b.Source, ingest.ErrShrink, removed, len(old))
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
	if !b.Snapshot.IsZero() && (oldSnapshot == nil || !oldSnapshot.Equal(b.Snapshot)) {
		const q = `UPDATE documents d SET snapshot = $2 FROM records r
			WHERE r.source = $1 AND d.dataset = r.dataset AND d.key = r.key AND (d.snapshot IS NULL OR d.snapshot < $2)`
		if _, err := tx.Exec(ctx, q, b.Source, b.Snapshot); err != nil {
			return fmt.Errorf("pgstore: sync %s: snapshot: %w", b.Source, err)
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

// unchangedSource counts the documents of a source whose files did not change.
func unchangedSource(ctx context.Context, tx pgx.Tx, source string, present map[docKey]bool) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT dataset, key FROM records WHERE source = $1`, source)
	if err != nil {
		return fmt.Errorf("pgstore: sync %s: %w", source, err)
	}
	var k docKey
	if _, err := pgx.ForEachRow(rows, []any{&k.dataset, &k.key}, func() error {
		present[k] = true
		return nil
	}); err != nil {
		return fmt.Errorf("pgstore: sync %s: %w", source, err)
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

// composeDocuments composes the documents of keys from the records of this run
// (inRun, from runSources) and the stored records of every other source.
func composeDocuments(ctx context.Context, tx pgx.Tx, keys []docKey, inRun map[docKey][]ingest.Record, runSources []string) (map[docKey]ingest.Document, error) {
	out := make(map[docKey]ingest.Document, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	datasets, ks := splitKeys(keys)
	const q = `SELECT r.dataset, r.key, r.facet, r.title, r.url, r.body, r.fields, r.status, r.record_date, s.snapshot
		FROM records r
		JOIN unnest($1::text[], $2::text[]) AS k(dataset, key) ON r.dataset = k.dataset AND r.key = k.key
		JOIN sources s ON s.name = r.source
		WHERE r.source <> ALL($3)`
	rows, err := tx.Query(ctx, q, datasets, ks, runSources)
	if err != nil {
		return nil, fmt.Errorf("pgstore: compose: %w", err)
	}
	others := map[docKey][]ingest.Record{}
	var (
		r              ingest.Record
		fields         []byte
		status         string
		date, snapshot *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&r.Dataset, &r.Key, &r.Facet, &r.Title, &r.URL, &r.Text, &fields, &status, &date, &snapshot}, func() error {
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
		others[k] = append(others[k], rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: compose: %w", err)
	}
	for _, k := range keys {
		rs := append(slices.Clone(inRun[k]), others[k]...)
		if len(rs) > 0 {
			out[k] = ingest.Compose(rs)
		}
	}
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

// writeDocuments writes docs (ids[i] is the stored id of docs[i], 0 for a new
// document) and their chunks with embeddings, in bulk.
func (s *Store) writeDocuments(ctx context.Context, tx pgx.Tx, docs []ingest.Document, ids []int64, before int, opt ingest.SyncOptions, lap func(string)) (int, *pendingSwap, error) {
	if len(docs) == 0 {
		return 0, nil, nil
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
		return 0, nil, err
	}
	lap("embed")
	for i, v := range vecs {
		if len(v) != s.info.Dim {
			return 0, nil, fmt.Errorf("pgstore: embedder %q returned %d dimensions for chunk %d, want %d", s.info.Name, len(v), i, s.info.Dim)
		}
	}
	// Lexemes are made while the database is busy with the documents.
	tsvs := make([]pgtype.TSVector, len(chunks))
	lexemes := make(chan struct{})
	go func() {
		defer close(lexemes)
		parallel(len(chunks), func(i int) {
			tsvs[i] = tsvector(docs[chunks[i].doc].Title, chunks[i].chunk.Text)
		})
	}()
	if err := writeDocumentRows(ctx, tx, docs, ids); err != nil {
		<-lexemes
		return 0, nil, err
	}
	lap("write documents")
	<-lexemes
	crow := make([][]any, len(chunks))
	var words [][]any
	for i, p := range chunks {
		crow[i] = []any{ids[p.doc], p.chunk.Ord, p.chunk.Text, pgvector.NewHalfVector(vecs[i]), tsvs[i]}
		if docs[p.doc].Dataset == corpus.DatasetDrug {
			words = appendDrugWords(words, ids[p.doc], docs[p.doc].Key, p.chunk.Text, tsvs[i])
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"drug_words"}, []string{"word", "len", "document_id", "key"}, pgx.CopyFromRows(words)); err != nil {
		return 0, nil, fmt.Errorf("pgstore: write drug words: %w", err)
	}
	swap, err := writeChunks(ctx, tx, before, crow, lap)
	if err != nil {
		return 0, nil, err
	}
	return len(chunks), swap, nil
}

// writeChunks adds rows to the chunks (document_id, ord, text, embedding, tsv), in
// the table or, when the run replaces a large share of the before chunks stored at
// its start, by building a new one.
func writeChunks(ctx context.Context, tx pgx.Tx, before int, rows [][]any, lap func(string)) (*pendingSwap, error) {
	ccols := []string{"document_id", "ord", "text", "embedding", "tsv"}
	stored, err := countChunks(ctx, tx)
	if err != nil {
		return nil, err
	}
	bulk, err := bulkLoad(ctx, tx, before, before-stored, len(rows))
	if err != nil {
		return nil, err
	}
	if bulk {
		swap, err := swapChunks(ctx, tx, func(table string) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, ccols, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("pgstore: write chunks: %w", err)
		}
		lap("write chunks and rebuild indexes")
		return swap, nil
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, ccols, pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("pgstore: write chunks: %w", err)
	}
	lap("write chunks")
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

// appendDrugWords adds the drug_words rows of a drug passage: each Latin word of four
// letters or more in its lexemes, with the passage's length in characters and the
// document's key (the tie-break of retrieval.LegDrugWords, read from the index alone).
func appendDrugWords(rows [][]any, docID int64, key, text string, tsv pgtype.TSVector) [][]any {
	n := utf8.RuneCountInString(text)
	for _, l := range tsv.Lexemes {
		if len(l.Word) >= 4 && retrieval.IsLatin(l.Word) {
			rows = append(rows, []any{l.Word, n, docID, key})
		}
	}
	return rows
}
