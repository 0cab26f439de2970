package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/civicbot/civicbot/ingest"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// Reembed re-embeds every stored chunk with e and records e as the store's embedder,
// in one transaction: it is how an operator changes embedders without re-ingesting.
// It returns the number of chunks embedded.
func Reembed(ctx context.Context, url string, e Embedder, info EmbedderInfo, log *slog.Logger) (int, error) {
	if err := Migrate(ctx, url, log); err != nil {
		return 0, err
	}
	if info.Dim <= 0 || info.Dim > MaxDim {
		return 0, fmt.Errorf("pgstore: embedder %q has an unusable dimension %d", info.Name, info.Dim)
	}
	pool, err := connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	n := 0
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := serverLimitsOff(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('civicbot:ingest'))`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.ord, c.text, d.title FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id`)
		if err != nil {
			return err
		}
		var ids []int64
		var texts []string
		var id int64
		var ch ingest.Chunk
		var title string
		if _, err := pgx.ForEachRow(rows, []any{&id, &ch.Ord, &ch.Text, &title}, func() error {
			ids = append(ids, id)
			texts = append(texts, ingest.EmbedText(ingest.Document{Title: title}, ch))
			return nil
		}); err != nil {
			return err
		}
		vecs, err := ingest.Embed(ctx, e, texts, nil)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DROP INDEX IF EXISTS chunks_embedding`,
			fmt.Sprintf(`ALTER TABLE chunks ALTER COLUMN embedding TYPE halfvec(%d) USING NULL`, info.Dim),
			`CREATE TEMP TABLE embed_in (id bigint PRIMARY KEY, embedding halfvec) ON COMMIT DROP`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		in := make([][]any, len(ids))
		for i := range ids {
			if len(vecs[i]) != info.Dim {
				return fmt.Errorf("embedder returned %d dimensions, want %d", len(vecs[i]), info.Dim)
			}
			in[i] = []any{ids[i], pgvector.NewHalfVector(vecs[i])}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"embed_in"}, []string{"id", "embedding"}, pgx.CopyFromRows(in)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE chunks c SET embedding = e.embedding FROM embed_in e WHERE c.id = e.id`); err != nil {
			return err
		}
		const upsert = `INSERT INTO settings (name, value) VALUES ($1, $2), ($3, $4)
			ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`
		if _, err := tx.Exec(ctx, upsert, settingEmbedder, info.Name, settingDim, strconv.Itoa(info.Dim)); err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		return ensureVectorIndex(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: reembed: %w", err)
	}
	return n, nil
}
