package retrieval

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// maxPhraseWords is the most words of a phrase of the glossary or the dictionary.
var maxPhraseWords = func() int {
	n := 1
	for _, m := range []map[string][]string{glossaryPhrases, dictionaryPhrases} {
		for p := range m {
			n = max(n, len(strings.Fields(p)))
		}
	}
	return n
}()

// translate returns the Chinese words for the English words and phrases of q: the
// glossary's, and for what it lacks the dictionary's (chineseFor); then those of its
// phrases, the glossary's then the dictionary's, each bytewise, so that a query expands
// the same way every time.
func translate(q string) []string {
	if !strings.ContainsFunc(q, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) {
		return nil // no English
	}
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
	singulars := make([]string, len(words))
	for i, w := range words {
		singulars[i] = singular(w)
	}
	// The phrases are the question's runs of two words or more, as written or singular.
	hand, dict := map[string]bool{}, map[string]bool{}
	for n := 2; n <= maxPhraseWords; n++ {
		for i := 0; i+n <= len(words); i++ {
			for _, ws := range [][]string{words, singulars} {
				p := strings.Join(ws[i:i+n], " ")
				if _, ok := glossaryPhrases[p]; ok {
					hand[p] = true
				} else if _, ok := dictionaryPhrases[p]; ok {
					dict[p] = true
				}
			}
		}
	}
	// A phrase the dictionary names (sweet potato: 地瓜) is not also its words
	// (potato: 馬鈴薯); the glossary's phrases add to their words, as they always have.
	inPhrase := map[string]bool{}
	for p := range dict {
		for _, w := range strings.Fields(p) {
			inPhrase[w] = true
		}
	}
	var out []string
	for i, w := range words {
		if _, hand := glossary[w]; hand || !inPhrase[w] && !inPhrase[singulars[i]] {
			out = append(out, chineseFor(w)...)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(hand)) {
		out = append(out, glossaryPhrases[p]...)
	}
	for _, p := range slices.Sorted(maps.Keys(dict)) {
		out = append(out, dictionaryPhrases[p]...)
	}
	return out
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
