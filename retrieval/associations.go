package retrieval

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Term associations learned from the corpus: a citizen often names a thing with the
// words of a record's answer or keyword field, where its title says it officially.
// LearnAssociations counts, over documents, how often a term of a document's text and
// a term of its title go together, and keeps the strong, frequent-enough pairs; a
// search may then add a question term's associates to its weighted leg at a reduced
// weight. Off unless UseAssociations installs a table (an experiment: see
// BENCHMARKS.md, issue 15, seventh round).

// AssocDoc is what learning reads of a document: its title and its text (answer,
// keyword field).
type AssocDoc struct {
	Title, Text string
	Keywords    []string // the record's keyword field, if it has one
}

// AssocOptions tunes learning.
type AssocOptions struct {
	// WholeDocument associates any two terms of one document (title and text alike);
	// otherwise a term of the text is associated with the terms of the title.
	WholeDocument bool
	MinPairs      int     // documents a pair must share
	MinNPMI       float64 // normalised pointwise mutual information, -1 to 1
	PerTerm       int     // associates kept per term, strongest first
	MaxShare      float64 // terms in more than this share of the documents are left out
	// KeywordTerms keeps only terms that are tokens of some document's keyword field:
	// words, where a bigram of running text may straddle two.
	KeywordTerms bool
}

// Associate is a term associated with another, and how strongly (its NPMI).
type Associate struct {
	Term     string
	Strength float64
}

// Associations maps a term to its associates, strongest first.
type Associations struct {
	terms  map[string][]Associate
	Weight float64 // share of an associate's IDF it adds to a search's weighted leg
	// LegWeight, when above 0, puts the associates in a weighted leg of their own with
	// this weight instead.
	LegWeight float64
	// Widens makes that leg count only for documents no other leg found.
	Widens bool
}

// Len is how many terms have associates.
func (a *Associations) Len() int {
	if a == nil {
		return 0
	}
	return len(a.terms)
}

// Of returns the associates of term.
func (a *Associations) Of(term string) []Associate {
	if a == nil {
		return nil
	}
	return a.terms[term]
}

// LearnAssociations learns term associations from docs.
func LearnAssociations(docs []AssocDoc, opt AssocOptions) *Associations {
	n := len(docs)
	if n == 0 {
		return &Associations{terms: map[string][]Associate{}}
	}
	type pair struct{ from, to string }
	var words map[string]bool
	if opt.KeywordTerms {
		words = map[string]bool{}
		for _, d := range docs {
			for _, k := range d.Keywords {
				for _, t := range assocTerms(k) {
					words[t] = true
				}
			}
		}
	}
	dfFrom, dfTo := map[string]int{}, map[string]int{}
	pairs := map[pair]int{}
	for _, d := range docs {
		title := assocTerms(d.Title)
		text := assocTerms(d.Title + "\n" + d.Text)
		to := title
		if opt.WholeDocument {
			to = text
		}
		for _, t := range text {
			dfFrom[t]++
		}
		for _, t := range to {
			dfTo[t]++
		}
		for _, f := range text {
			for _, t := range to {
				if f != t {
					pairs[pair{f, t}]++
				}
			}
		}
	}
	maxDF := int(opt.MaxShare * float64(n))
	out := map[string][]Associate{}
	for p, c := range pairs {
		if words != nil && (!words[p.from] || !words[p.to]) {
			continue
		}
		if c < opt.MinPairs || dfFrom[p.from] > maxDF || dfTo[p.to] > maxDF || sharesRune(p.from, p.to) {
			continue
		}
		pxy := float64(c) / float64(n)
		px, py := float64(dfFrom[p.from])/float64(n), float64(dfTo[p.to])/float64(n)
		npmi := 1.0
		if pxy < 1 {
			npmi = math.Log(pxy/(px*py)) / -math.Log(pxy)
		}
		if npmi < opt.MinNPMI {
			continue
		}
		out[p.from] = append(out[p.from], Associate{p.to, npmi})
	}
	for t, as := range out {
		slices.SortFunc(as, func(a, b Associate) int {
			if c := cmp.Compare(b.Strength, a.Strength); c != 0 {
				return c
			}
			return strings.Compare(a.Term, b.Term)
		})
		out[t] = as[:min(len(as), opt.PerTerm)]
	}
	return &Associations{terms: out}
}

// assocTerms are the distinct content tokens of s that are words of two characters or
// more (CJK bigrams, Latin words).
func assocTerms(s string) []string {
	var out []string
	for _, t := range ContentTokens(Normalize(s)) {
		if utf8.RuneCountInString(t) >= 2 && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// sharesRune reports whether a and b have a character in common: bigrams of one word
// (「自來」, 「來水」) always go together, and the lexical legs find them already.
func sharesRune(a, b string) bool {
	for _, r := range a {
		if strings.ContainsRune(b, r) {
			return true
		}
	}
	return false
}

var associations atomic.Pointer[Associations]

// UseAssociations makes a the associations of every later search; nil turns them off.
func UseAssociations(a *Associations) { associations.Store(a) }

// associated returns the associates of tokens that are not among skip, each once with
// its greatest strength, in the order first met.
func associated(tokens, skip []string) []Associate {
	a := associations.Load()
	if a == nil {
		return nil
	}
	var out []Associate
	for _, t := range distinct(tokens) {
		for _, x := range a.terms[t] {
			if slices.Contains(skip, x.Term) {
				continue
			}
			if i := slices.IndexFunc(out, func(o Associate) bool { return o.Term == x.Term }); i >= 0 {
				out[i].Strength = max(out[i].Strength, x.Strength)
				continue
			}
			out = append(out, x)
		}
	}
	return out
}
