package retrieval

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// siblingPrefix is how many characters the titles of two records must begin with
// alike to be records on one subject (「身心障礙者房屋租金補貼申請資格」,
// 「身心障礙者房屋租金補貼何時發放?」).
const siblingPrefix = 6

// OrderSiblings orders the siblings among hits, the candidates of the question q
// (normalised), by how much of the question their titles ask (TitleMatch), and keeps
// the places they hold. Siblings are records of one dataset (not licences, not
// named) that the same legs found and whose titles begin alike: the legs find them by
// the same words, so the order in which a leg returns them is its tie-break by key,
// not evidence, and reciprocal rank fusion turns that order into score gaps that the
// title match's weight alone does not undo («身障租屋補助什麼時候發錢»: the FAQ on when it
// is paid came sixth of six). The places the siblings hold are kept, so that no other
// record moves: only their order among themselves changes.
func OrderSiblings(q string, hits []Hit) {
	if !strings.ContainsFunc(q, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return
	}
	family := make([]int, len(hits)) // index of the family's first member, -1 for none
	for i := range family {
		family[i] = -1
	}
	for i, h := range hits {
		if h.Dataset == "tfda_drug" || names(h.Evidence) || utf8.RuneCountInString(h.Title) < siblingPrefix {
			continue
		}
		family[i] = i
		for j := range i {
			f := family[j]
			if f == j && hits[j].Dataset == h.Dataset && slices.Equal(hits[j].Evidence, h.Evidence) && samePrefix(hits[j].Title, h.Title, siblingPrefix) {
				family[i] = j
				break
			}
		}
	}
	var m *titleMatcher
	for f := range hits {
		if family[f] != f {
			continue
		}
		var members []int
		for i := f; i < len(hits); i++ {
			if family[i] == f {
				members = append(members, i)
			}
		}
		if len(members) < 2 {
			continue
		}
		if m == nil {
			tm := newTitleMatcher(q)
			m = &tm
		}
		match := map[int]float64{}
		scores := make([]float64, len(members))
		for k, i := range members {
			_, ts, qs := m.best(hits[i].Questions())
			match[i] = ts + qs
			scores[k] = hits[i].Score
		}
		slices.SortFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) })
		order := slices.Clone(members)
		slices.SortStableFunc(order, func(a, b int) int {
			if c := cmp.Compare(match[b], match[a]); c != 0 {
				return c
			}
			return cmp.Compare(hits[b].Score, hits[a].Score)
		})
		for k, i := range order {
			hits[i].Score = scores[k]
		}
	}
}

// samePrefix reports whether a and b begin with the same n characters.
func samePrefix(a, b string, n int) bool {
	for range n {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if sa == 0 || sb == 0 || ra != rb {
			return false
		}
		a, b = a[sa:], b[sb:]
	}
	return true
}

// aspectLead is how many of the first hits PreferStatedAspect looks at.
const aspectLead = 3

// PreferStatedAspect puts first, among the first hits of the question q (normalised),
// the record on the first one's service (SameService) whose title states the aspect q asks (when,
// where, cost...), when the first one's title states none of them: «身障租屋補助什麼時候
// 發錢» is answered by the FAQ on when the subsidy is paid, not by the one on which
// subsidies exclude each other that the legs ranked first. OrderSiblings does this for
// records found by the same legs whose titles begin alike; this is for records of one
// service that the legs found differently. hits must be sorted by score; the two swap
// their places and scores.
func PreferStatedAspect(q string, hits []Hit) {
	if len(hits) < 2 || hits[0].Dataset == "tfda_drug" || names(hits[0].Evidence) {
		return
	}
	asked := askedAspects(lower(Normalize(q)))
	if len(asked) == 0 {
		return
	}
	if StatesAny(hits[0].Title, asked) {
		return
	}
	for i := 1; i < min(len(hits), aspectLead); i++ {
		h := hits[i]
		if h.Dataset != hits[0].Dataset || names(h.Evidence) || !StatesAny(h.Title, asked) || !SameService(hits[0].Title, h.Title) {
			continue
		}
		hits[0].Score, hits[i].Score = hits[i].Score, hits[0].Score
		hits[0], hits[i] = hits[i], hits[0]
		return
	}
}
