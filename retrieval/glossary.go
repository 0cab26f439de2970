package retrieval

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// phraseOrder is glossaryPhrases' keys in a fixed order, so that a query expands the same
// way every time.
var phraseOrder = slices.Sorted(maps.Keys(glossaryPhrases))

// translate returns the glossary's Chinese words for the English words and phrases of q.
func translate(q string) []string {
	var out []string
	lower := strings.ToLower(q)
	words := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
	for _, w := range words {
		out = append(out, glossary[w]...)
	}
	joined := " " + strings.Join(words, " ") + " "
	for _, p := range phraseOrder {
		if strings.Contains(joined, " "+p+" ") {
			out = append(out, glossaryPhrases[p]...)
		}
	}
	return out
}

// InGlossary reports whether an English word is an everyday word of the glossary,
// rather than, say, a drug name.
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
