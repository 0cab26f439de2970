package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Bulk loads into an indexed table: inserting row by row into an HNSW index costs
// milliseconds a row, so a large load builds a new chunks table instead.
const (
	bulkMinChunks = 2000 // at least this many new chunks,
	bulkShare     = 0.2  // and at least this share of the stored ones
)

// bulkLoad reports whether n new chunks are better written to a new table whose
// indexes are built after the load.
func bulkLoad(ctx context.Context, tx pgx.Tx, n int) (bool, error) {
	if n < bulkMinChunks {
		return false, nil
	}
	var stored int64
	var indexed bool
	const q = `SELECT (SELECT count(*) FROM chunks), EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'chunks' AND indexname = 'chunks_embedding')`
	if err := tx.QueryRow(ctx, q).Scan(&stored, &indexed); err != nil {
		return false, fmt.Errorf("pgstore: chunks: %w", err)
	}
	// Without the vector index (the first load) the plain path builds it after the load.
	return indexed && float64(n) >= bulkShare*float64(stored), nil
}

// swapChunks copies the chunks that stay into a new table, lets load add the new ones,
// builds the indexes, and puts the new table in place of the old. Readers go on using
// the old table and its indexes until the transaction commits; the exclusive lock that
// the swap needs is taken only at the end.
func swapChunks(ctx context.Context, tx pgx.Tx, load func(table string) error) error {
	steps := []string{
		`DROP TABLE IF EXISTS chunks_next`,
		`CREATE TABLE chunks_next (LIKE chunks INCLUDING DEFAULTS INCLUDING IDENTITY)`,
		`INSERT INTO chunks_next (document_id, ord, text, embedding, tsv) SELECT document_id, ord, text, embedding, tsv FROM chunks`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := load("chunks_next"); err != nil {
		return err
	}
	steps = []string{
		`SET LOCAL maintenance_work_mem = '512MB'`,
		`ALTER TABLE chunks_next ADD CONSTRAINT chunks_next_pkey PRIMARY KEY (id)`,
		`ALTER TABLE chunks_next ADD CONSTRAINT chunks_next_document_id_ord_key UNIQUE (document_id, ord)`,
		`ALTER TABLE chunks_next ADD CONSTRAINT chunks_next_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE`,
		`CREATE INDEX chunks_next_tsv ON chunks_next USING gin (tsv)`,
		`CREATE INDEX chunks_next_embedding ON chunks_next USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)`,
		`LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE`,
		`DROP TABLE chunks`,
		`ALTER TABLE chunks_next RENAME TO chunks`,
		`ALTER SEQUENCE chunks_next_id_seq RENAME TO chunks_id_seq`,
		`ALTER TABLE chunks RENAME CONSTRAINT chunks_next_pkey TO chunks_pkey`,
		`ALTER TABLE chunks RENAME CONSTRAINT chunks_next_document_id_ord_key TO chunks_document_id_ord_key`,
		`ALTER TABLE chunks RENAME CONSTRAINT chunks_next_document_id_fkey TO chunks_document_id_fkey`,
		`ALTER INDEX chunks_next_tsv RENAME TO chunks_tsv`,
		`ALTER INDEX chunks_next_embedding RENAME TO chunks_embedding`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
