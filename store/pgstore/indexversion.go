package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// settingIndexVersion records the retrieval.IndexVersion that the stored keyword vectors,
// drug words and licence facts were derived with.
const settingIndexVersion = "index_version"

// indexVersionLock serialises re-derivation between processes opening one database.
const indexVersionLock = 0x636976696378 // "civicx"

// ensureIndexVersion derives again, from the stored text, everything the store derived
// from documents when it wrote them (keyword vectors of chunks and titles, drug words,
// licence facts, lexeme counts) when they were derived with another index version (a
// changed tokeniser or list of retrieval's lexicons/index), and records the version. One
// transaction: searches see the old index or the new one. Processes opening the database
// at once wait for the first, then find nothing to do.
func (s *Store) ensureIndexVersion(ctx context.Context) error {
	want := retrieval.IndexVersion()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(indexVersionLock)); err != nil {
			return fmt.Errorf("pgstore: index version: %w", err)
		}
		var have string
		var chunks bool
		const q = `SELECT coalesce((SELECT value FROM settings WHERE name = $1), ''), EXISTS (SELECT 1 FROM chunks)`
		if err := tx.QueryRow(ctx, q, settingIndexVersion).Scan(&have, &chunks); err != nil {
			return fmt.Errorf("pgstore: index version: %w", err)
		}
		if have == want {
			return nil
		}
		if chunks {
			start := time.Now()
			n, err := rederive(ctx, tx)
			if err != nil {
				return err
			}
			s.log.Info("index version changed: keyword vectors, drug words and licence facts derived again",
				"from", have, "to", want, "chunks", n, "duration", time.Since(start).Round(time.Millisecond))
		}
		const set = `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`
		if _, err := tx.Exec(ctx, set, settingIndexVersion, want); err != nil {
			return fmt.Errorf("pgstore: index version: %w", err)
		}
		return nil
	})
}

// rederive rewrites what writeDocuments derives, from the stored titles and texts.
func rederive(ctx context.Context, tx pgx.Tx) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("pgstore: derive the index again: %w", err) }

	// Documents: the title's keyword vector and the licence facts.
	rows, err := tx.Query(ctx, `SELECT id, dataset, key, title, status FROM documents`)
	if err != nil {
		return fail(err)
	}
	var docRows [][]any
	titles := map[int64]string{}
	drugs := map[int64][2]string{} // id → key, status
	var id int64
	var dataset, key, title, status string
	if _, err := pgx.ForEachRow(rows, []any{&id, &dataset, &key, &title, &status}, func() error {
		titles[id] = title
		if dataset == corpus.DatasetDrug {
			drugs[id] = [2]string{key, status}
		}
		docRows = append(docRows, append([]any{id, tsvector(title, "")}, licenceFacts(dataset, title, key)...))
		return nil
	}); err != nil {
		return fail(err)
	}
	for _, q := range []string{
		`CREATE TEMP TABLE doc_derived (id bigint, title_tsv tsvector, name text, serial text, key_prefix text) ON COMMIT DROP`,
		`CREATE TEMP TABLE chunk_derived (id bigint, tsv tsvector) ON COMMIT DROP`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fail(err)
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"doc_derived"}, []string{"id", "title_tsv", "name", "serial", "key_prefix"}, pgx.CopyFromRows(docRows)); err != nil {
		return fail(err)
	}
	const updDocs = `UPDATE documents d SET title_tsv = x.title_tsv, name = x.name, serial = x.serial, key_prefix = x.key_prefix
		FROM doc_derived x WHERE d.id = x.id`
	if _, err := tx.Exec(ctx, updDocs); err != nil {
		return fail(err)
	}

	// Chunks: their keyword vectors, and the drug words made from them.
	type chunkText struct {
		id, doc int64
		text    string
	}
	rows, err = tx.Query(ctx, `SELECT id, document_id, text FROM chunks`)
	if err != nil {
		return fail(err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chunkText, error) {
		var c chunkText
		return c, r.Scan(&c.id, &c.doc, &c.text)
	})
	if err != nil {
		return fail(err)
	}
	tsvs := make([]pgtype.TSVector, len(cs))
	parallel(len(cs), func(i int) { tsvs[i] = tsvector(titles[cs[i].doc], cs[i].text) })
	chunkRows := make([][]any, len(cs))
	var words [][]any
	for i, c := range cs {
		chunkRows[i] = []any{c.id, tsvs[i]}
		if d, ok := drugs[c.doc]; ok {
			words = appendDrugWords(words, c.doc, d[0], d[1], c.text, tsvs[i])
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chunk_derived"}, []string{"id", "tsv"}, pgx.CopyFromRows(chunkRows)); err != nil {
		return fail(err)
	}
	for _, q := range []string{
		`UPDATE chunks c SET tsv = x.tsv FROM chunk_derived x WHERE c.id = x.id`,
		`DELETE FROM drug_words`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fail(err)
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"drug_words"}, drugWordColumns, pgx.CopyFromRows(words)); err != nil {
		return fail(err)
	}
	if err := refreshLexemes(ctx, tx, "chunks"); err != nil {
		return 0, err
	}
	return len(cs), nil
}
