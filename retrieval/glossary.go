package retrieval

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// phraseOrder is the phrases of the glossary, then the dictionary's phrases the glossary
// lacks, each in a fixed order, so that a query expands the same way every time.
var phraseOrder = append(slices.Sorted(maps.Keys(glossaryPhrases)), slices.Sorted(func(yield func(string) bool) {
	for p := range dictionaryPhrases {
		if _, ok := glossaryPhrases[p]; !ok && !yield(p) {
			return
		}
	}
})...)

// translate returns the Chinese words for the English words and phrases of q: the
// glossary's, and for what it lacks the dictionary's (chineseFor).
func translate(q string) []string {
	var out []string
	lower := strings.ToLower(q)
	words := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
	// A phrase the dictionary names (sweet potato: 地瓜) is not also its words
	// (potato: 馬鈴薯); the glossary's phrases add to their words, as they always have.
	joined := " " + strings.Join(words, " ") + " "
	singulars := make([]string, len(words))
	for i, w := range words {
		singulars[i] = singular(w)
	}
	joinedSingular := " " + strings.Join(singulars, " ") + " "
	inPhrase := map[string]bool{}
	var phrases []string
	for _, p := range phraseOrder {
		if strings.Contains(joined, " "+p+" ") || strings.Contains(joinedSingular, " "+p+" ") {
			phrases = append(phrases, phraseFor(p)...)
			if _, hand := glossaryPhrases[p]; !hand {
				for _, w := range strings.Fields(p) {
					inPhrase[w] = true
				}
			}
		}
	}
	for i, w := range words {
		if _, hand := glossary[w]; hand || !inPhrase[w] && !inPhrase[singulars[i]] {
			out = append(out, chineseFor(w)...)
		}
	}
	return append(out, phrases...)
}

// chineseFor is the Chinese words of the data for an English word (lower case): the
// glossary's (glossary.tsv, made by hand: what the data calls the thing), else the
// dictionary's (cedictwords.tsv, from CC-CEDICT: the data's words that a sense of the
// English word names, for the thousands of everyday words the glossary lacks), of the
// word or of its singular. Function words have none.
func chineseFor(w string) []string {
	if zh, ok := glossary[w]; ok {
		return zh
	}
	if englishStop[w] || englishFiller[w] {
		return nil
	}
	return dictionary[singular(w)]
}

func phraseFor(p string) []string {
	if zh, ok := glossaryPhrases[p]; ok {
		return zh
	}
	return dictionaryPhrases[p]
}

// InGlossary reports whether an English word is an everyday word of the glossary,
// rather than, say, a drug name. The dictionary is not asked: its senses include
// chemicals and plants that are also medicines' names (calcium, ginseng).
func InGlossary(word string) bool {
	_, ok := glossary[strings.ToLower(word)]
	return ok || englishFiller[strings.ToLower(word)] || englishStop[strings.ToLower(word)]
}

// IsEnglishWord reports whether a lowercase word is everyday English (a word of the
// glossary, a question word or a function word) rather than a name or a code.
func IsEnglishWord(w string) bool {
	_, ok := glossary[w]
	return ok || englishFiller[w] || englishStop[w]
}

// singular is w itself when the dictionary has it, else its singular by the regular
// English endings (cards → card, fees → fee, subsidies → subsidy), when the dictionary
// has that.
func singular(w string) string {
	if _, ok := dictionary[w]; ok {
		return w
	}
	for _, c := range []struct{ suffix, repl string }{{"ies", "y"}, {"es", ""}, {"s", ""}} {
		if s, ok := strings.CutSuffix(w, c.suffix); ok && len(s) > 2 {
			if _, ok := dictionary[s+c.repl]; ok {
				return s + c.repl
			}
		}
	}
	return w
}
