package retrieval

import (
	"cmp"
	"math"
	"slices"
)

// maxNamedLicences is how many licences of the medicine a question names may come
// before the records about what else it asks (Diversify).
const maxNamedLicences = 3

// otherSubjectSlots is how many records about the question's other subject Diversify
// places after the first maxNamedLicences licences.
const otherSubjectSlots = 2

// Diversify reorders hits (ranked, best first), the candidates of the question a,
// when a names a medicine and asks about something else as well («吃普拿疼可以配茶
// 嗎»): a brand has tens of licences, and all of them share the name, so they would
// fill every place and leave no room for the myth or article about the other subject.
// After the first maxNamedLicences licences of the name come the otherSubjectSlots
// records of another dataset, found by keyword, whose titles hold the rarest of the
// question's words that no licence of the name holds (by inverse document frequency,
// from v); they keep their scores. A question that states a strength or asks for a
// field of the licence asks about the licences themselves, and is left alone. (Leaving
// alone a question that describes a pill too was measured: it lost a held-out myth
// and regained no pill.)
func Diversify(a *Analysis, v Vocabulary, hits []Hit) []Hit {
	if len(a.Tokens) == 0 || len(Strengths(a.Text)) > 0 || asksLicenceField(a.Text) {
		return hits
	}
	named := make([]bool, len(hits))
	inName := map[string]bool{} // the tokens of the named licences' titles
	count := 0
	for i, h := range hits {
		if h.Dataset == "tfda_drug" && (names(h.Evidence) || commonRun(a.Text, h.Title) >= minNamedRun) {
			named[i] = true
			count++
			for _, t := range Tokens(h.Title) {
				inName[t] = true
			}
		}
	}
	if count <= maxNamedLicences {
		return hits
	}
	// The concepts of the question beyond the name, and their weights.
	idf := map[string]float64{}
	total := float64(max(v.Chunks, 1))
	for _, w := range slices.Concat(a.Tokens, a.Synonyms) {
		if n := float64(v.Freq[w]); n > 0 && !inName[w] && !filler[w] {
			idf[w] = math.Log((total-n+0.5)/(n+0.5) + 1)
		}
	}
	if len(idf) == 0 {
		return hits
	}
	type other struct {
		i      int
		weight float64
	}
	var others []other
	for i, h := range hits {
		if h.Dataset == "tfda_drug" || named[i] || !slices.Contains(h.Evidence, EvidenceTerms) {
			continue
		}
		weight := 0.0
		seen := map[string]bool{}
		for _, t := range Tokens(h.Title) {
			if x, ok := idf[t]; ok && !seen[t] {
				seen[t] = true
				weight = max(weight, x)
			}
		}
		if weight > 0 {
			others = append(others, other{i, weight})
		}
	}
	// The heaviest first; of equals, the better ranked (a stable sort keeps hits' order).
	slices.SortStableFunc(others, func(x, y other) int { return cmp.Compare(y.weight, x.weight) })
	others = others[:min(len(others), otherSubjectSlots)]
	out := make([]Hit, 0, len(hits))
	placed := make([]bool, len(hits))
	seenNamed := 0
	for i, h := range hits {
		if placed[i] {
			continue
		}
		if named[i] {
			seenNamed++
			if seenNamed == maxNamedLicences+1 {
				for _, o := range others {
					if !placed[o.i] {
						out = append(out, hits[o.i])
						placed[o.i] = true
					}
				}
			}
		}
		out = append(out, h)
		placed[i] = true
	}
	return out
}
