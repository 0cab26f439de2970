package retrieval

import (
	"strings"
)

// concept is one thing a question asks about: a token of it, or a synonym group, or an
// English word with the Chinese words of the glossary; found in a text when any of
// its forms is.
type concept struct {
	forms  []string
	action bool
}

// questionConcepts returns the concepts of q (normalised): its content tokens, with
// the tokens of one synonym group counted as one concept, and English words of the
// glossary standing for their Chinese words too. English filler and lone letters count
// for nothing.
func questionConcepts(q string) []concept {
	syn := synonyms.Load()
	groups := conceptsIn(syn, q)
	var out []concept
	byLabel := map[string]int{}
	for _, t := range ContentTokens(q) {
		if IsLatin(t) && (len(t) == 1 || englishFiller[t] || englishStop[t]) {
			// A lone letter is what is left of «it's» or «don't».
			continue
		}
		if label, ok := groups[t]; ok {
			if i, seen := byLabel[label]; seen {
				out[i].forms = append(out[i].forms, t)
				continue
			}
			byLabel[label] = len(out)
			out = append(out, concept{forms: append([]string{t}, syn.index[label]...), action: actionGroups[label]})
			continue
		}
		c := concept{forms: []string{t}, action: actionWords[t]}
		if IsLatin(t) {
			// An English word stands for its Chinese words, and is an action when they
			// are («apply» is 申請).
			for _, zh := range chineseFor(t) {
				c.forms = append(c.forms, zh)
				c.action = c.action || actionWords[zh]
			}
		}
		out = append(out, c)
	}
	return out
}

// Coverage is the share of the concepts of q (normalised) that text holds, and the
// share of those that are not actions (what q is about) that subject holds: how much of
// what was asked a record talks about, and whether its title is about the same thing.
// A question of actions only ("怎麼申請") has a subject share of 1.
func Coverage(q, text, subject string) (all, about float64) {
	return coverageOf(questionConcepts(q), text, subject)
}

// coverageOf is Coverage with the question's concepts already found.
func coverageOf(cs []concept, text, subject string) (all, about float64) {
	if len(cs) == 0 {
		return 0, 0
	}
	text, subject = lower(text), lower(subject)
	holds := func(s string, c concept) bool {
		for _, f := range c.forms {
			if strings.Contains(s, f) {
				return true
			}
		}
		return false
	}
	found, things, thingsFound := 0, 0, 0
	for _, c := range cs {
		if holds(text, c) {
			found++
		}
		if !c.action {
			things++
			if holds(subject, c) {
				thingsFound++
			}
		}
	}
	about = 1
	if things > 0 {
		about = float64(thingsFound) / float64(things)
	}
	return float64(found) / float64(len(cs)), about
}

// coverageWeight is how much of a candidate's score depends on how much of the
// question its title and opening cover: a licence that only names the medicine asked
// about keeps three quarters of its score (half of the concepts) when a myth covers
// the medicine and the worry both («acetaminophen 會傷腎嗎»).
const coverageWeight = 0.5

// WeighByCoverage scales the scores of hits, the candidates of query q (normalised), by
// the share of q's concepts their title and snippet hold. Hits that q names (a key, a
// name, a pill's code or look, which the snippet may not show) keep their score.
func WeighByCoverage(q string, hits []Hit) {
	cs := questionConcepts(q)
	for i := range hits {
		if names(hits[i].Evidence) {
			continue
		}
		text := hits[i].Title + "\n" + hits[i].Snippet
		if hits[i].Dataset == "tfda_drug" {
			// A licence holds these fields whether or not its opening shows them.
			text += "\n" + licenceFields
		}
		all, _ := coverageOf(cs, text, hits[i].Title)
		hits[i].Score *= 1 - coverageWeight + coverageWeight*all
	}
}
