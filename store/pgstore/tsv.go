package pgstore

import (
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5/pgtype"
)

// Limits of PostgreSQL's tsvector.
const (
	maxLexemePos       = 16383
	maxPositionsPerLex = 256
)

// tsvector makes the keyword-search vector of a chunk in Go: PostgreSQL's parsers do
// not split Chinese, and parsing in the database costs more than the load itself. Title
// tokens are weighted A, body tokens D.
func tsvector(title, body string) pgtype.TSVector {
	lex := map[string][]pgtype.TSVectorPosition{}
	pos := 0
	add := func(tokens []string, w pgtype.TSVectorWeight) {
		for _, t := range tokens {
			pos = min(pos+1, maxLexemePos)
			if ps := lex[t]; len(ps) < maxPositionsPerLex && (len(ps) == 0 || ps[len(ps)-1].Position != uint16(pos)) {
				lex[t] = append(ps, pgtype.TSVectorPosition{Position: uint16(pos), Weight: w})
			}
		}
	}
	add(retrieval.Tokens(title), pgtype.TSVectorWeightA)
	add(retrieval.Tokens(body), pgtype.TSVectorWeightD)
	v := pgtype.TSVector{Lexemes: make([]pgtype.TSVectorLexeme, 0, len(lex)), Valid: true}
	for w, ps := range lex {
		v.Lexemes = append(v.Lexemes, pgtype.TSVectorLexeme{Word: w, Positions: ps})
	}
	// PostgreSQL keeps lexemes sorted bytewise, shorter first on a common prefix: Go's
	// string order.
	slices.SortFunc(v.Lexemes, func(a, b pgtype.TSVectorLexeme) int { return strings.Compare(a.Word, b.Word) })
	return v
}

// parallel calls fn(i) for i in [0, n) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/256, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}
