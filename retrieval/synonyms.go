package retrieval

import (
	"cmp"
	"slices"
	"strings"
)

// Expand returns the official and everyday words equivalent to words found in q (q's
// own words excluded), the Chinese words of its English words, and the international
// names of the mainland generic names it uses, space-separated, for the keyword leg of
// a search.
func Expand(q string) string {
	syn := synonyms.Load()
	rs := []rune(q)
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(rs); i++ {
		// Longest match first, so that 身障手冊 wins over 身障.
		for n := min(syn.maxRunes, len(rs)-i); n >= 2; n-- {
			g, ok := syn.index[string(rs[i:i+n])]
			if !ok {
				continue
			}
			for _, w := range g {
				if !seen[w] && !strings.Contains(q, w) {
					seen[w] = true
					out = append(out, w)
				}
			}
			i += n - 1
			break
		}
	}
	for _, c := range q {
		for _, w := range charWords[c] {
			if !seen[w] && !strings.Contains(q, w) {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	for _, w := range append(translate(q), mainlandGenerics(q)...) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// Concepts maps keyword tokens to the synonym group they stand for, so that a search
// counts a group once, as one concept with the weight of its most common word: a
// question that says 「弄丟」 should not prefer the records that happen to say 「弄丟」
// over those that say 「遺失」. Mapped are the tokens of every word of each group found
// in q, and q's bigrams that run from the word found into a particle (「丟了」 in
// 「愛心卡弄丟了」), which only repeat it. The label is the group's first word.
func Concepts(q string) map[string]string { return conceptsIn(synonyms.Load(), q) }

// conceptsIn is Concepts with the synonyms of syn.
func conceptsIn(syn *synonymTable, q string) map[string]string {
	rs := []rune(q)
	m := map[string]string{}
	for i := 0; i < len(rs); i++ {
		for n := min(syn.maxRunes, len(rs)-i); n >= 2; n-- {
			g, ok := syn.index[string(rs[i:i+n])]
			if !ok {
				continue
			}
			label := g[0]
			for _, w := range g {
				for _, t := range Tokens(w) {
					if _, taken := m[t]; !taken {
						m[t] = label
					}
				}
			}
			for j := i; j < i+n && j+2 <= len(rs); j++ {
				if j+2 > i+n && !particles[rs[j+1]] {
					continue
				}
				for _, t := range Tokens(string(rs[j : j+2])) {
					if _, taken := m[t]; !taken && len([]rune(t)) == 2 {
						m[t] = label
					}
				}
			}
			i += n - 1
			break
		}
	}
	return m
}

// LabelConcepts returns the distinct tokens of a search, each with the concept it
// stands for in q: its synonym group's label (Concepts), or itself.
func LabelConcepts(q string, tokens []string) (words, concepts []string) {
	groups := Concepts(q)
	for _, t := range tokens {
		if slices.Contains(words, t) {
			continue
		}
		words = append(words, t)
		concepts = append(concepts, cmp.Or(groups[t], t))
	}
	return words, concepts
}
