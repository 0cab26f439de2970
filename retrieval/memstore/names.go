package memstore

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
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

// The helpers below are pgstore's, so that both stores read a query alike.

// nameSpans returns the spans of a question that may name a medicine, written as
// drugName writes names: lower case, without spaces or quotes; 3 to 24 characters of a
// run of letters and digits (shorter spans are everyday words).
func nameSpans(text string) []string {
	const minRunes, maxRunes, maxSpans = 3, 24, 800
	var out []string
	seen := map[string]bool{}
	var run []rune
	flush := func() {
		for i := 0; i < len(run) && len(out) < maxSpans; i++ {
			for j := i + minRunes; j <= min(len(run), i+maxRunes) && len(out) < maxSpans; j++ {
				s := string(run[i:j])
				if !seen[s] && !isAllDigitsOrLatin(run[i:j]) {
					seen[s] = true
					out = append(out, s)
				}
			}
		}
		run = run[:0]
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsSpace(r), strings.ContainsRune("\"“”〝〞「」『』'‘’·•・", r):
			// names are compared without them
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-':
			run = append(run, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// isAllDigitsOrLatin says whether a span has no Han character: Latin names have a leg of
// their own, and digits alone name nothing.
func isAllDigitsOrLatin(rs []rune) bool {
	for _, r := range rs {
		if unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// Serials of licence numbers in a query: 「衛署藥製字第029478號」, 「藥製字029478」 and
// 「029478」 all give 029478, and 「內衛成製字第75號」 gives 000075.
var (
	licenceSerial  = regexp.MustCompile(`\d{5,7}`)
	numberedSerial = regexp.MustCompile(`字第?(\d{1,7})號?`)
)

func licenceSerials(text string) []string {
	var out []string
	for _, m := range numberedSerial.FindAllStringSubmatch(text, 3) {
		out = append(out, fmt.Sprintf("%06s", m[1]))
	}
	for _, m := range licenceSerial.FindAllString(text, 3) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// describesPill reports whether a word is a colour or shape ("white", "round").
func describesPill(word string) bool {
	colors, shapes := retrieval.AppearanceTerms(word)
	return len(colors)+len(shapes) > 0
}

func isLatin(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
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
		if n < minSpellRunes || !isLatin(w) || ix.lex[w] != nil {
			continue
		}
		best, bestDist, bestN := "", 3, 0
		for _, cand := range ix.spell[w[:2]] {
			if cn := utf8.RuneCountInString(cand); cn < n-2 || cn > n+2 {
				continue
			}
			d := editDistance(w, cand, 2)
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
