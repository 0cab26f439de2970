package memstore

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/civicbot/civicbot/retrieval"
	"golang.org/x/text/unicode/norm"
)

// drugName is PostgreSQL's drug_name(title) of pgstore's migration 00006, in Go: the
// core name of a licence title that a citizen writes inside a question
// (「"瑪科隆"舒必朗錠50毫克(斯比樂)」 → 「舒必朗錠」), lower case, without spaces or
// quotes; the maker in quotes is kept when the rest is only a dosage form
// (「"全可利"膜衣錠」 → 「全可利膜衣錠」). "" stands for the function's NULL.
func drugName(title string) string {
	unbracketed := nameBrackets.ReplaceAllString(norm.NFKC.String(title), "")
	quoted := nameDose.ReplaceAllString(unbracketed, "")
	bare := nameDose.ReplaceAllString(nameQuoted.ReplaceAllString(unbracketed, ""), "")
	chosen := quoted
	if utf8.RuneCountInString(nameForm.ReplaceAllString(bare, "")) >= 2 {
		chosen = bare
	}
	return strings.ToLower(nameStrip.ReplaceAllString(chosen, ""))
}

// The regular expressions of drug_name. PostgreSQL's '.' matches a newline, hence (?s);
// its 'i' flag is (?i). Each pattern is anchored or matches to the end, so that Go's
// leftmost-first matching finds what PostgreSQL's leftmost-longest does.
var (
	nameBrackets = regexp.MustCompile(`[(\[【〔][^)\]】〕]*[)\]】〕]`)
	nameQuoted   = regexp.MustCompile(`["“〝「『][^"”〞」』]*["”〞」』]`)
	nameDose     = regexp.MustCompile(`(?is)[0-9][0-9.,/\s]*(毫克|公絲|微公克|公克|微克|毫升|公撮|單位|mg|g|mcg|µg|ml|iu|%).*$`)
	nameForm     = regexp.MustCompile(`(持續性藥效膜衣錠|持續性藥效錠|膜衣錠|糖衣錠|腸溶錠|錠劑|錠|軟膠囊|膠囊|注射液|注射劑|液|乳膏|軟膏)$`)
	nameStrip    = regexp.MustCompile(`[\s"“”〝〞「」『』'‘’·•・]`)
)

// describesPill reports whether a word is a colour or shape ("white", "round").
func describesPill(word string) bool {
	colors, shapes := retrieval.AppearanceTerms(word)
	return len(colors)+len(shapes) > 0
}

// minSpellRunes is the shortest Latin word that is corrected: shorter words have too
// many neighbours to guess from.
const minSpellRunes = 5

// corrections finds, for Latin words of the query that no chunk contains
// ("ibuprofin"), the stored words within two edits that share their first two letters
// ("ibuprofen"), preferring the nearest, then the commonest.
func (ix *index) corrections(tokens []string) []string {
	var out []string
	for _, w := range tokens {
		n := utf8.RuneCountInString(w)
		if n < minSpellRunes || !retrieval.IsLatin(w) || ix.lex[w] != nil {
			continue
		}
		best, bestDist, bestN := "", 3, 0
		for _, cand := range ix.spell[w[:2]] {
			if cn := utf8.RuneCountInString(cand); cn < n-2 || cn > n+2 {
				continue
			}
			d := retrieval.EditDistance(w, cand, 2)
			if d > 2 {
				continue
			}
			nd := len(ix.lex[cand].chunks)
			if d < bestDist || d == bestDist && (nd > bestN || nd == bestN && cand < best) {
				best, bestDist, bestN = cand, d, nd
			}
		}
		if best != "" {
			out = append(out, best)
		}
	}
	return out
}
