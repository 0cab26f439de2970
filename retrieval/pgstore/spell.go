package pgstore

import (
	"context"
	"fmt"

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
		if len([]rune(t)) >= minSpellRunes && isLatin(t) {
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
		d := editDistance(w, cand, 2)
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

func isLatin(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// editDistance is the Levenshtein distance of a and b, or limit+1 once it exceeds limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
