package retrieval

import "slices"

// Leg is what one way of finding documents found, best first, with how much it counts.
type Leg[ID comparable] struct {
	Evidence string // what it shows of the documents it found: an Evidence constant
	IDs      []ID   // best first; repeats are ignored
	Weight   float64
	// Flat legs give each document found their whole weight (an exact key is evidence
	// no ranking should outweigh); the others weight/(RRFK+rank).
	Flat bool
	// Names is set for legs that match a document's key: a query that names a
	// cancelled licence wants that licence, not the valid one of the same name.
	Names bool
}

// Fused is the reciprocal rank fusion of legs: each document's score, whether a
// naming leg found it, and the evidence of the legs that found it, in leg order.
type Fused[ID comparable] struct {
	Scores   map[ID]float64
	Named    map[ID]bool
	Evidence map[ID][]string
}

// Fuse fuses what the legs found. Both stores rank through it, so that they rank alike.
func Fuse[ID comparable](legs []Leg[ID]) Fused[ID] {
	f := Fused[ID]{Scores: map[ID]float64{}, Named: map[ID]bool{}, Evidence: map[ID][]string{}}
	for _, l := range legs {
		rank := 0
		seen := map[ID]bool{}
		for _, id := range l.IDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			rank++
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
