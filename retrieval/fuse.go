package retrieval

import "slices"

// Fused is the reciprocal rank fusion of legs: each document's score, whether a
// naming leg found it, and the evidence of the legs that found it, in leg order.
type Fused struct {
	Scores   map[DocRef]float64
	Named    map[DocRef]bool
	Evidence map[DocRef][]string
}

// Fuse fuses what the legs found (found[i] is legs[i]'s documents, best first;
// repeats are ignored): a document at rank r of a leg scores Weight/(RRFK+r), or, for
// a flat leg, Weight less a thousandth a rank. A widening leg counts only for the
// documents no other leg found.
func Fuse(legs []Leg, found [][]DocRef) Fused {
	f := Fused{Scores: map[DocRef]float64{}, Named: map[DocRef]bool{}, Evidence: map[DocRef][]string{}}
	order := make([]int, 0, len(legs))
	for i, l := range legs {
		if !l.Widens {
			order = append(order, i)
		}
	}
	others := len(order)
	for i, l := range legs {
		if l.Widens {
			order = append(order, i)
		}
	}
	var byOthers map[DocRef]bool
	for n, i := range order {
		l := legs[i]
		if n == others {
			byOthers = map[DocRef]bool{}
			for id := range f.Scores {
				byOthers[id] = true
			}
		}
		rank := 0
		seen := map[DocRef]bool{}
		for _, id := range found[i] {
			if seen[id] {
				continue
			}
			seen[id] = true
			rank++
			if l.Widens && byOthers[id] {
				continue
			}
			f.Named[id] = f.Named[id] || l.Names
			if !slices.Contains(f.Evidence[id], l.Evidence) {
				f.Evidence[id] = append(f.Evidence[id], l.Evidence)
			}
			if l.Flat {
				// A flat leg's own order still breaks ties.
				f.Scores[id] += l.Weight - 0.001*float64(min(rank-1, 100))
			} else {
				f.Scores[id] += l.Weight / float64(RRFK+rank)
			}
		}
	}
	return f
}
