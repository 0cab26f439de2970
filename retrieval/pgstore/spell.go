package pgstore

import (
	"context"
	"fmt"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
)

// minSpellRunes is the shortest Latin word that is corrected: shorter words have too
// many neighbours to guess from.
const minSpellRunes = 5

// corrections finds, for Latin words of the query that no chunk contains
// ("ibuprofin"), the stored words within two edits that share their first two letters
// ("ibuprofen"): drug names are long, and citizens type them by ear.
func (s *Store) corrections(ctx context.Context, tokens []string) ([]string, error) {
	var words []string
	for _, t := range tokens {
		if len([]rune(t)) >= minSpellRunes && retrieval.IsLatin(t) {
			words = append(words, t)
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	const q = `SELECT w.q, l.word, l.ndoc FROM unnest($1::text[]) AS w(q)
		JOIN lexemes l ON left(l.word, 2) = left(w.q, 2) AND length(l.word) BETWEEN length(w.q) - 2 AND length(w.q) + 2
		WHERE NOT EXISTS (SELECT 1 FROM lexemes x WHERE x.word = w.q)`
	rows, err := s.pool.Query(ctx, q, words)
	if err != nil {
		return nil, fmt.Errorf("pgstore: spelling: %w", err)
	}
	type best struct {
		word       string
		dist, ndoc int
	}
	found := map[string]best{}
	var w, cand string
	var ndoc int
	if _, err := pgx.ForEachRow(rows, []any{&w, &cand, &ndoc}, func() error {
		d := retrieval.EditDistance(w, cand, 2)
		if d > 2 {
			return nil
		}
		if b, ok := found[w]; !ok || d < b.dist || (d == b.dist && ndoc > b.ndoc) {
			found[w] = best{cand, d, ndoc}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: spelling: %w", err)
	}
	var out []string
	for _, w := range words {
		if b, ok := found[w]; ok {
			out = append(out, b.word)
		}
	}
	return out, nil
}
