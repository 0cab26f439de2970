package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
)

var (
	_ retrieval.SynonymStore   = (*Store)(nil)
	_ retrieval.SynonymWatcher = (*Store)(nil)
)

// StaffSynonyms returns every staff synonym group, in id order.
func (s *Store) StaffSynonyms(ctx context.Context) ([]retrieval.StaffSynonym, error) {
	const q = `SELECT id, name, words, status, author, approved_by, updated_at FROM staff_synonyms ORDER BY id`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("pgstore: staff synonyms: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (retrieval.StaffSynonym, error) {
		var g retrieval.StaffSynonym
		err := r.Scan(&g.ID, &g.Name, &g.Words, &g.Status, &g.Author, &g.ApprovedBy, &g.UpdatedAt)
		g.UpdatedAt = g.UpdatedAt.UTC()
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: staff synonyms: %w", err)
	}
	return out, nil
}

// PutStaffSynonym inserts a staff synonym group or replaces the one with its id.
func (s *Store) PutStaffSynonym(ctx context.Context, g retrieval.StaffSynonym) error {
	switch {
	case g.ID == "":
		return fmt.Errorf("pgstore: put staff synonym: no id")
	case !slices.Contains([]string{retrieval.SynonymDraft, retrieval.SynonymApproved, retrieval.SynonymRetired}, g.Status):
		return fmt.Errorf("pgstore: put staff synonym %s: status %q is not draft, approved or retired", g.ID, g.Status)
	}
	clean := func(v string) string { return strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD") }
	words := make([]string, len(g.Words))
	for i, w := range g.Words {
		words[i] = clean(w)
	}
	const q = `INSERT INTO staff_synonyms (id, name, words, status, author, approved_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, now())
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, words = EXCLUDED.words, status = EXCLUDED.status,
			author = EXCLUDED.author, approved_by = EXCLUDED.approved_by, updated_at = now()`
	if _, err := s.pool.Exec(ctx, q, g.ID, clean(g.Name), words, g.Status, clean(g.Author), clean(g.ApprovedBy)); err != nil {
		return fmt.Errorf("pgstore: put staff synonym %s: %w", g.ID, err)
	}
	return nil
}

// synonymsChannel is where the database announces a change of staff synonyms (a
// trigger, migration 00020).
const synonymsChannel = "civicbot_synonyms"

// WatchSynonyms calls changed each time staff synonyms change, in this process or any
// other on the database, until ctx ends; see WatchCurated.
func (s *Store) WatchSynonyms(ctx context.Context, changed func()) {
	s.watch(ctx, synonymsChannel, "staff synonyms", changed)
}
