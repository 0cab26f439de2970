package retrieval

import (
	"strings"
)

// actionGroups are the synonym groups (by label) that say what is to be done or asked
// about anything (lose, replace, cost, how long, subsidy, take a medicine), not what
// it is about: a city FAQ about replacing a lost discharge certificate shares them with
// a question about a lost ID card, and nothing else.
var actionGroups = map[string]bool{"弄丟": true, "補辦": true, "多久": true, "費用": true, "補助": true, "吃藥": true, "專線": true}

// englishStop are English function words: they say nothing a record could hold.
var englishStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the i me my mine you your we our us he she his her it its they them
		is are am be been was were do does did done can could will would shall should may might must
		to of in on at for by and or but not no yes ok if so as than then how why who whom whose
		these those here get got go keep put make let any some all much many more most very also just
		down up out off over under after before again old new day days night time times long still ever
		never other same such only own both each few too while during since until`) {
		m[w] = true
	}
	return m
}()

// actionWords are words of a question about doing anything, or when: 「申請」 in 「想要海葬要怎麼申請」
// says nothing of sea burial.
var actionWords = map[string]bool{"申請": true, "辦理": true, "處理": true, "準備": true, "時候": true, "資格": true, "規定": true, "問題": true}

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
	groups := Concepts(q)
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
			out = append(out, concept{forms: append([]string{t}, synonymIndex[label]...), action: actionGroups[label]})
			continue
		}
		c := concept{forms: []string{t}, action: actionWords[t]}
		if IsLatin(t) {
			c.forms = append(c.forms, glossary[t]...)
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
	text, subject = strings.ToLower(text), strings.ToLower(subject)
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

// licenceFields are what every drug licence records, as questions name them.
const licenceFields = "成分 成份 適應症 用途 功效 副作用 外觀 劑量 用法 用量 許可證 藥品 ingredient indication"

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
