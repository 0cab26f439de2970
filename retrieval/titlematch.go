package retrieval

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
)

//go:embed functionchars.txt
var functionCharsFile string

// functionChars are the characters of functionchars.txt: grammar, asking and the
// speaker's voice, not what a question is about.
var functionChars = mustFunctionChars(functionCharsFile)

func mustFunctionChars(file string) map[rune]bool {
	m, err := parseFunctionChars(file)
	if err != nil {
		panic(err)
	}
	return m
}

// parseFunctionChars reads the file's format: Han characters separated by spaces,
// "#" to the end of a line a comment. Anything else in it is an error.
func parseFunctionChars(file string) (map[rune]bool, error) {
	m := map[rune]bool{}
	for n, line := range strings.Split(file, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.Fields(line) {
			for _, r := range f {
				if !unicode.Is(unicode.Han, r) {
					return nil, fmt.Errorf("retrieval: functionchars.txt:%d: %q is not a Han character", n+1, r)
				}
				m[r] = true
			}
		}
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("retrieval: functionchars.txt: no characters")
	}
	return m, nil
}

// contentUnits returns the units of meaning of s (normalised) for TitleMatch: its
// Han characters other than the function characters, and its Latin words and numbers
// whole, after the words of asking are cut out.
func contentUnits(s string) map[string]bool {
	s = strings.ToLower(questionWords.Replace(Normalize(s)))
	units := map[string]bool{}
	var word []rune
	flush := func() {
		if len(word) > 0 {
			w := string(word)
			if !(IsLatin(w) && (len(w) == 1 || englishFiller[w] || englishStop[w])) {
				units[w] = true
			}
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if !functionChars[r] {
				units[string(r)] = true
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return units
}

// TitleMatch compares a question with a record's title, the record's own question
// for a city FAQ or a myth: the share of the title's units of meaning (its content
// characters, Latin words, numbers) that the question holds, or that a word
// equivalent to one of the question's words holds (Expand), and the share of the
// question's units that the title holds. Characters rather than words: a citizen
// says 「愛心卡」 for 「愛心悠遊卡」 and 「紅單」 for 「罰單」, and words cut by
// bigrams would miss both.
func TitleMatch(q, title string) (titleShare, questionShare float64) {
	return newTitleMatcher(q).match(title)
}

// titleMatcher is TitleMatch with the question's units found once, for matching it
// with many titles.
type titleMatcher struct{ qu, wider map[string]bool }

func newTitleMatcher(q string) titleMatcher {
	return titleMatcher{qu: contentUnits(q), wider: contentUnits(q + " " + Expand(q))}
}

func (m titleMatcher) match(title string) (titleShare, questionShare float64) {
	tu := contentUnits(title)
	if len(m.qu) == 0 || len(tu) == 0 {
		return 0, 0
	}
	inTitle := 0
	for u := range tu {
		if m.wider[u] {
			inTitle++
		}
	}
	inQuestion := 0
	for u := range m.qu {
		if tu[u] {
			inQuestion++
		}
	}
	return float64(inTitle) / float64(len(tu)), float64(inQuestion) / float64(len(m.qu))
}

// titleMatchWeight is how much of a passage's score depends on how much of its own
// question (its title) the citizen's question asks, and how much of the citizen's
// question it holds (TitleMatch): of several FAQs that share words with a question,
// the one whose question is the citizen's in other words comes first.
const titleMatchWeight = 0.5

// WeighByTitleMatch scales the scores of the passages among hits, the candidates of
// query q (normalised), by the mean of TitleMatch's two shares. A city FAQ or a myth
// is itself a question; a licence's title is a brand, and keeps its score, as do hits
// that q names. A question without Chinese is not compared with Chinese titles.
func WeighByTitleMatch(q string, hits []Hit) {
	if !strings.ContainsFunc(q, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return
	}
	var m *titleMatcher
	for i := range hits {
		if hits[i].Dataset == "tfda_drug" || names(hits[i].Evidence) {
			continue
		}
		if m == nil {
			tm := newTitleMatcher(q)
			m = &tm
		}
		ts, qs := m.match(hits[i].Title)
		hits[i].Score *= 1 - titleMatchWeight + titleMatchWeight*(ts+qs)/2
	}
}
