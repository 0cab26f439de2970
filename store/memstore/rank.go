package memstore

import "math"

// ts_rank(tsvector, tsquery) with the default weights and no normalisation
// (PostgreSQL's src/backend/utils/adt/tsrank.c): the order that retrieval.LegAllTerms
// and LegImprint state. Its arithmetic is done in float32 and float64 as the C code
// does it, because ties of equal ranks are broken by key: a rank that differed in its
// last bit would reorder them.

// rankWeights are the weights of D, C, B and A positions.
var rankWeights = [4]float32{0.1, 0.2, 0.4, 1.0}

func wpos(p uint16) float32 { return rankWeights[p>>14] }

// wordDistance is the weight of two words dist positions apart.
func wordDistance(dist int) float32 {
	if dist > 100 {
		return 1e-30
	}
	return float32(1.0 / (1.005 + 0.05*math.Exp(float64(float32(dist))/1.5-2)))
}

// rankOr ranks a chunk against an OR query (or a single word): pos[i] holds the
// positions of the query's i-th distinct word in the chunk, nil when absent.
func rankOr(pos [][]uint16) float32 {
	var res float32
	for _, ps := range pos {
		if ps == nil {
			continue
		}
		var resj float32
		wjm := float32(-1)
		jm := 0
		for j, p := range ps {
			w := wpos(p)
			resj = float32(resj + float32(w/float32((j+1)*(j+1))))
			if w > wjm {
				wjm, jm = w, j
			}
		}
		inner := float32(float32(wjm+resj) - float32(wjm/float32((jm+1)*(jm+1))))
		res = float32(float64(res) + float64(inner)/1.64493406685)
	}
	if len(pos) > 0 {
		res = float32(res / float32(len(pos)))
	}
	return res
}

// rankAnd ranks a chunk against an AND query by the proximity of its words; pos[i] as
// for rankOr, in the query's word order (sorted, distinct).
func rankAnd(pos [][]uint16) float32 {
	if len(pos) < 2 {
		return finish(rankOr(pos))
	}
	res := float32(-1)
	for i, pi := range pos {
		if pi == nil {
			continue
		}
		for k := range i {
			pk := pos[k]
			if pk == nil {
				continue
			}
			for _, l := range pi {
				for _, p := range pk {
					dist := int(l&posMask) - int(p&posMask)
					if dist < 0 {
						dist = -dist
					}
					if dist == 0 {
						continue
					}
					prod := float32(float32(wpos(l)*wpos(p)) * wordDistance(dist))
					curw := float32(math.Sqrt(float64(prod)))
					if res < 0 {
						res = curw
					} else {
						res = float32(1.0 - (1.0-float64(res))*(1.0-float64(curw)))
					}
				}
			}
		}
	}
	return finish(res)
}

// finish is calc_rank's floor: a rank is never below 1e-20.
func finish(r float32) float32 {
	if r < 0 {
		return 1e-20
	}
	return r
}
