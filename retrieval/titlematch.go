package retrieval

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

//go:embed functionchars.txt
var functionCharsFile string

//go:embed aspects.txt
var aspectsFile string

// aspect is what a question asks of its subject (aspects.txt): the words that ask it
// and the words a record's title states it with.
type aspect struct {
	label         string
	asks, answers []string
}

// aspects are the aspects of aspects.txt.
var aspects = mustAspects(aspectsFile)

func mustAspects(file string) []aspect {
	as, err := parseAspects(file)
	if err != nil {
		panic(err)
	}
	return as
}

// parseAspects reads aspects.txt: "label: question forms | record forms", "#" to the
// end of a line a comment. A line without a label, or with no form on either side, is
// an error; so is a label given twice.
func parseAspects(file string) ([]aspect, error) {
	var out []aspect
	seen := map[string]bool{}
	for n, line := range strings.Split(file, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if strings.TrimSpace(line) == "" {
			continue
		}
		label, forms, ok := strings.Cut(line, ":")
		label = strings.TrimSpace(label)
		asks, answers, bar := strings.Cut(forms, "|")
		a := aspect{label: label, asks: strings.Fields(asks), answers: strings.Fields(answers)}
		switch {
		case !ok || label == "" || strings.ContainsFunc(label, unicode.IsSpace):
			return nil, fmt.Errorf("retrieval: aspects.txt:%d: want \"label: question forms | record forms\"", n+1)
		case !bar || len(a.asks) == 0 || len(a.answers) == 0:
			return nil, fmt.Errorf("retrieval: aspects.txt:%d: %s: want forms on both sides of \"|\"", n+1, label)
		case seen[label]:
			return nil, fmt.Errorf("retrieval: aspects.txt:%d: %s given twice", n+1, label)
		}
		for _, f := range append(slices.Clone(a.asks), a.answers...) {
			if !strings.ContainsFunc(f, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				return nil, fmt.Errorf("retrieval: aspects.txt:%d: %q is not a Chinese word", n+1, f)
			}
		}
		seen[label] = true
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("retrieval: aspects.txt: no aspects")
	}
	return out, nil
}

// askedAspects returns the labels of the aspects that q (normalised) asks.
func askedAspects(q string) []string {
	var out []string
	for _, a := range aspects {
		if slices.ContainsFunc(a.asks, func(f string) bool { return strings.Contains(q, f) }) {
			out = append(out, a.label)
		}
	}
	return out
}

// statedAspects returns the labels of the aspects that a title (normalised) states.
func statedAspects(title string) []string {
	var out []string
	for _, a := range aspects {
		if slices.ContainsFunc(a.answers, func(f string) bool { return strings.Contains(title, f) }) {
			out = append(out, a.label)
		}
	}
	return out
}

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
	return contentUnitsOf(Normalize(s))
}

// ContentUnits returns the units of meaning of s, sorted: its content characters (not
// grammar, asking or the speaker's voice: functionchars.txt), Latin words other than
// English function words, and numbers.
func ContentUnits(s string) []string { return slices.Sorted(maps.Keys(contentUnits(s))) }

// StatedAspects returns the aspects of a service that a record's title states
// (aspects.txt): «…需多久時間才能領» states when.
func StatedAspects(title string) []string { return statedAspects(lower(Normalize(title))) }

// StatesAny reports whether title states one of the aspects (StatedAspects).
func StatesAny(title string, aspects []string) bool {
	return slices.ContainsFunc(StatedAspects(title), func(a string) bool { return slices.Contains(aspects, a) })
}

// sameServiceShare is the least share of one title's subject that the other holds
// (SubjectMatch, either way) for two records to be on one service: «請問如何申請海葬？»
// is about what «請問參加海葬需要繳交費用嗎？» is about, a FAQ on hot-spring fees is not.
const sameServiceShare = 0.6

// SameService reports whether the records titled a and b are on one service
// (sameServiceShare).
func SameService(a, b string) bool {
	ts, qs := SubjectMatch(a, b)
	return max(ts, qs) >= sameServiceShare
}

// contentUnitsOf is contentUnits of s already normalised.
func contentUnitsOf(s string) map[string]bool {
	s = lower(questionWords.Replace(s))
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

// A QuestionMatcher compares one question with the questions of many hits, reading it
// once: TitleMatch (Best) and SubjectMatch (Subject).
type QuestionMatcher struct {
	q       string
	title   titleMatcher
	subject *titleMatcher // made when first asked for
}

// NewQuestionMatcher returns a matcher of the question q.
func NewQuestionMatcher(q string) *QuestionMatcher {
	return &QuestionMatcher{q: q, title: newTitleMatcher(q)}
}

// Best is TitleMatch of the one of questions (a hit's title and the questions citizens
// ask it in, Hit.Questions) that the matcher's question matches best, by the sum of the
// shares, and that question.
func (m *QuestionMatcher) Best(questions []string) (best string, titleShare, questionShare float64) {
	i, ts, qs := m.title.best(questions)
	if i < 0 {
		return "", 0, 0
	}
	return questions[i], ts, qs
}

// Subject is SubjectMatch of the matcher's question and title.
func (m *QuestionMatcher) Subject(title string) (titleShare, questionShare float64) {
	if m.subject == nil {
		sm := subjectMatcher(m.q)
		m.subject = &sm
	}
	return m.subject.match(withoutAspects(title, false))
}

// SubjectMatch is TitleMatch of what the question and the title are about: the words
// that ask an aspect (aspects.txt) are cut out of the question, and those that state
// one out of the title, before they are compared. Two questions that share only what
// they ask («要帶什麼證件» of a driving test and of a pension cheque) share nothing.
func SubjectMatch(q, title string) (titleShare, questionShare float64) {
	m := subjectMatcher(q)
	return m.match(withoutAspects(title, false))
}

func subjectMatcher(q string) titleMatcher {
	return titleMatcher{qu: contentUnits(withoutAspects(q, true)), wider: contentUnits(withoutAspects(q+" "+Expand(q), true))}
}

// CutAskedAspects returns q normalised and in lower case with the words that ask an
// aspect of a service (aspects.txt: when, where, cost, ...) cut out, and the aspects
// it asks: «要帶什麼» asks the documents and names nothing else.
func CutAskedAspects(q string) (rest string, asked []string) {
	n := lower(Normalize(q))
	return cutAspects(n, true), askedAspects(n)
}

// withoutAspects returns s (normalised) with the words that ask an aspect (asks) or
// that state one cut out.
func withoutAspects(s string, asks bool) string { return cutAspects(lower(Normalize(s)), asks) }

// cutAspects is withoutAspects of s already normalised and in lower case.
func cutAspects(s string, asks bool) string {
	for _, a := range aspects {
		forms := a.answers
		if asks {
			forms = a.asks
		}
		for _, f := range forms {
			s = strings.ReplaceAll(s, f, " ")
		}
	}
	return s
}

// titleMatcher is TitleMatch with the question's units found once, for matching it
// with many titles.
type titleMatcher struct {
	qu, wider map[string]bool
	asked     bool // the question asks an aspect (aspects.txt)
}

// The aspects a question asks, and those a title states, count as units of meaning of
// their own («#when»), since the words of asking are cut out of the question's units:
// of the FAQs on one service, the one whose title states the aspect asked shares one
// unit more with the question, and one stating only another aspect has one unit more
// that the question does not hold. A question that asks no aspect is compared as
// before, without them.
func newTitleMatcher(q string) titleMatcher {
	m := titleMatcher{qu: contentUnits(q), wider: contentUnits(q + " " + Expand(q))}
	for _, a := range askedAspects(strings.ToLower(Normalize(q))) {
		m.qu["#"+a], m.wider["#"+a], m.asked = true, true, true
	}
	return m
}

// best returns the index of the one of titles that m matches best by the sum of the
// shares (the first of equals), and its shares; -1 when titles is empty.
func (m titleMatcher) best(titles []string) (i int, titleShare, questionShare float64) {
	i = -1
	for j, t := range titles {
		ts, qs := m.match(t)
		if i < 0 || ts+qs > titleShare+questionShare {
			i, titleShare, questionShare = j, ts, qs
		}
	}
	return i, titleShare, questionShare
}

func (m titleMatcher) match(title string) (titleShare, questionShare float64) {
	tu := unitsOfTitle(title)
	n, inTitle, inQuestion := len(tu.units), 0, 0
	for u := range tu.units {
		if m.wider[u] {
			inTitle++
		}
	}
	for u := range m.qu {
		if tu.units[u] {
			inQuestion++
		}
	}
	if m.asked {
		for _, a := range tu.stated {
			n++
			if m.wider["#"+a] {
				inTitle++
			}
			if m.qu["#"+a] {
				inQuestion++
			}
		}
	}
	if len(m.qu) == 0 || n == 0 {
		return 0, 0
	}
	return float64(inTitle) / float64(n), float64(inQuestion) / float64(len(m.qu))
}

// titleUnits are what match reads of a title: its units of meaning and the aspects it
// states. Titles and the questions citizens ask a record in come from the corpus and
// are matched with every question that finds them: they are read once
// (titleUnitsCache), up to titleUnitsCacheMax of them.
type titleUnits struct {
	units  map[string]bool // never changed once made: shared by every match
	stated []string
}

const titleUnitsCacheMax = 200_000

var (
	titleUnitsCache sync.Map // title → titleUnits
	titleUnitsCount atomic.Int64
)

func unitsOfTitle(title string) titleUnits {
	if v, ok := titleUnitsCache.Load(title); ok {
		return v.(titleUnits)
	}
	n := Normalize(title)
	tu := titleUnits{units: contentUnitsOf(n), stated: statedAspects(n)}
	if titleUnitsCount.Add(1) <= titleUnitsCacheMax {
		titleUnitsCache.Store(title, tu)
	}
	return tu
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
		_, ats, aqs := m.best(hits[i].Questions())
		match := (ts + qs + ats + aqs) / 2
		hits[i].Score *= 1 - titleMatchWeight + titleMatchWeight*match/2
	}
}
