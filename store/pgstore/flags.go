package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
)

// screen holds back the documents about to be written that ingest.Screen flags (their
// Status becomes corpus.StatusFlagged), unless staff released that very content.
func screen(ctx context.Context, tx pgx.Tx, docs []ingest.Document, opt ingest.SyncOptions) error {
	var flagged []int
	reasons := map[int]string{}
	for i, d := range docs {
		if d.Status == corpus.StatusSuppressed {
			continue
		}
		if r := ingest.Screen(d, opt.Allow); r != "" {
			flagged = append(flagged, i)
			reasons[i] = r
		}
	}
	if len(flagged) == 0 {
		return nil
	}
	datasets, keys, hashes := make([]string, len(flagged)), make([]string, len(flagged)), make([]string, len(flagged))
	for j, i := range flagged {
		datasets[j], keys[j], hashes[j] = docs[i].Dataset, docs[i].Key, docs[i].Hash
	}
	const released = `SELECT f.dataset, f.key FROM document_flags f
		JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(dataset, key, hash)
			ON f.dataset = k.dataset AND f.key = k.key AND f.content_hash = k.hash
		WHERE f.released_at IS NOT NULL`
	rows, err := tx.Query(ctx, released, datasets, keys, hashes)
	if err != nil {
		return fmt.Errorf("pgstore: screen: %w", err)
	}
	isReleased := map[docKey]bool{}
	var k docKey
	if _, err := pgx.ForEachRow(rows, []any{&k.dataset, &k.key}, func() error {
		isReleased[k] = true
		return nil
	}); err != nil {
		return fmt.Errorf("pgstore: screen: %w", err)
	}
	const hold = `INSERT INTO document_flags (dataset, key, content_hash, status, reason, flagged_at, released_at)
		VALUES ($1, $2, $3, $4, $5, now(), NULL)
		ON CONFLICT (dataset, key) DO UPDATE SET content_hash = EXCLUDED.content_hash, status = EXCLUDED.status,
			reason = EXCLUDED.reason, flagged_at = now(), released_at = NULL`
	for _, i := range flagged {
		d := &docs[i]
		if isReleased[docKey{d.Dataset, d.Key}] {
			continue
		}
		if _, err := tx.Exec(ctx, hold, d.Dataset, d.Key, d.Hash, string(d.Status), reasons[i]); err != nil {
			return fmt.Errorf("pgstore: screen: %w", err)
		}
		d.Status = corpus.StatusFlagged
	}
	return nil
}

// Flagged returns the documents held out of answers, with why, oldest first.
func (s *Store) Flagged(ctx context.Context) ([]ingest.Flag, error) {
	const q = `SELECT d.dataset, d.key, d.title, f.content_hash, f.reason, f.flagged_at FROM documents d
		JOIN document_flags f ON f.dataset = d.dataset AND f.key = d.key AND f.content_hash = d.content_hash
		WHERE d.status = 'flagged' ORDER BY f.flagged_at, d.dataset, d.key`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("pgstore: flagged: %w", err)
	}
	out := []ingest.Flag{}
	var f ingest.Flag
	if _, err := pgx.ForEachRow(rows, []any{&f.Dataset, &f.Key, &f.Title, &f.Hash, &f.Reason, &f.FlaggedAt}, func() error {
		f.FlaggedAt = f.FlaggedAt.UTC()
		out = append(out, f)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: flagged: %w", err)
	}
	return out, nil
}

// Release returns a flagged document to answers: staff read it and found it sound.
// The release is of its current content. retrieval.ErrNotFound when there is no such
// document, ingest.ErrNotFlagged when it is not held.
func (s *Store) Release(ctx context.Context, dataset, key string) (ingest.Flag, error) {
	var f ingest.Flag
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status, title, content_hash FROM documents WHERE dataset = $1 AND key = $2 FOR UPDATE`,
			cleanText(dataset), cleanText(key)).Scan(&status, &f.Title, &f.Hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return retrieval.ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != string(corpus.StatusFlagged) {
			return ingest.ErrNotFlagged
		}
		var released time.Time
		err = tx.QueryRow(ctx, `UPDATE document_flags SET released_at = now() WHERE dataset = $1 AND key = $2 AND content_hash = $3
			RETURNING status, reason, flagged_at, released_at`, dataset, key, f.Hash).Scan(&status, &f.Reason, &f.FlaggedAt, &released)
		if errors.Is(err, pgx.ErrNoRows) {
			// Flagged without a record of why (never written so): release it as active.
			status, released = string(corpus.StatusActive), time.Now()
		} else if err != nil {
			return err
		}
		f.Dataset, f.Key, f.ReleasedAt, f.FlaggedAt = dataset, key, released.UTC(), f.FlaggedAt.UTC()
		if _, err = tx.Exec(ctx, `UPDATE documents SET status = $3, updated_at = now() WHERE dataset = $1 AND key = $2`, dataset, key, status); err != nil {
			return err
		}
		return announceDocuments(ctx, tx)
	})
	switch {
	case errors.Is(err, retrieval.ErrNotFound), errors.Is(err, ingest.ErrNotFlagged):
		return ingest.Flag{}, err
	case err != nil:
		return ingest.Flag{}, fmt.Errorf("pgstore: release: %w", err)
	}
	s.gen.Add(1)
	return f, nil
}
