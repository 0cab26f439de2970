package retrieval

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The parts of a question that the stores look up as they are: medicine names, licence
// serials, Latin words. Analyze reads a question through these, once.

// NameSpans returns the spans of a question that may name a medicine, written as
// LicenceCoreName writes a licence's core name: lower case, without spaces
// or quotes; 3 to 24 characters of a run of letters and digits (shorter spans are
// everyday words), at most 800 of them.
func NameSpans(text string) []string {
	const minRunes, maxRunes, maxSpans = 3, 24, 800
	var out []string
	seen := map[string]bool{}
	var run []rune
	flush := func() {
		for i := 0; i < len(run) && len(out) < maxSpans; i++ {
			for j := i + minRunes; j <= min(len(run), i+maxRunes) && len(out) < maxSpans; j++ {
				s := string(run[i:j])
				if !seen[s] && hasHan(run[i:j]) {
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

// hasHan says whether a span has a Han character: Latin names have a leg of their own,
// and digits alone name nothing.
func hasHan(rs []rune) bool {
	return slices.ContainsFunc(rs, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// Serials of licence numbers in a query: 「衛署藥製字第029478號」, 「藥製字029478」 and
// 「029478」 all give 029478, and 「內衛成製字第75號」 gives 000075.
var (
	licenceSerial  = regexp.MustCompile(`\d{5,7}`)
	numberedSerial = regexp.MustCompile(`字第?(\d{1,7})號?`)
)

// LicenceSerials returns the licence serial numbers a query may quote, six digits,
// those written with 字第…號 first.
func LicenceSerials(text string) []string {
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

// IsLatin reports whether s is a non-empty word of lowercase ASCII letters, as tokens
// write Latin words.
func IsLatin(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// EditDistance is the Levenshtein distance of a and b, or limit+1 once it exceeds limit.
func EditDistance(a, b string, limit int) int {
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
