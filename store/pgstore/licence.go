package pgstore

import (
	"context"
	"fmt"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// licenceFacts are the name, serial and key_prefix columns of a document: what search
// compares of a licence, derived once, in Go, when it is written (NULL for other
// datasets).
func licenceFacts(dataset, title, key string) []any {
	if dataset != corpus.DatasetDrug {
		return []any{nil, nil, nil}
	}
	orNull := func(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }
	return []any{orNull(retrieval.LicenceCoreName(title)), orNull(retrieval.LicenceKeySerial(key)), retrieval.LicenceKeyPrefix(key)}
}

// fillLicenceFacts derives the licence facts of the drugs written before they were
// stored (migration 00018), in batches; afterwards it finds nothing to do. When it
// changed some, every process forgets the searches it kept (SearchGeneration).
func (s *Store) fillLicenceFacts(ctx context.Context) (err error) {
	const batch = 5000
	filled := false
	defer func() {
		if err == nil && filled {
			if _, err = s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, corpusChannel, documentsChanged); err != nil {
				err = fmt.Errorf("pgstore: licence facts: %w", err)
			}
		}
	}()
	for {
		rows, err := s.pool.Query(ctx, `SELECT id, title, key FROM documents
			WHERE dataset = 'tfda_drug' AND key_prefix IS NULL ORDER BY id LIMIT $1`, batch)
		if err != nil {
			return fmt.Errorf("pgstore: licence facts: %w", err)
		}
		var ids []int64
		var names, serials, prefixes []pgtype.Text
		var id int64
		var title, key string
		if _, err := pgx.ForEachRow(rows, []any{&id, &title, &key}, func() error {
			f := licenceFacts(corpus.DatasetDrug, title, key)
			ids = append(ids, id)
			names, serials = append(names, f[0].(pgtype.Text)), append(serials, f[1].(pgtype.Text))
			prefixes = append(prefixes, pgtype.Text{String: f[2].(string), Valid: true})
			return nil
		}); err != nil {
			return fmt.Errorf("pgstore: licence facts: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		const q = `UPDATE documents d SET name = f.name, serial = f.serial, key_prefix = f.key_prefix
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS f(id, name, serial, key_prefix)
			WHERE d.id = f.id`
		if _, err := s.pool.Exec(ctx, q, ids, names, serials, prefixes); err != nil {
			return fmt.Errorf("pgstore: licence facts: %w", err)
		}
		filled = true
		if len(ids) < batch {
			return nil
		}
	}
}
