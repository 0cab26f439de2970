package memstore

import (
	"cmp"
	"container/heap"
	"math"
	"runtime"
	"slices"
	"sync"
)

// scored is a chunk slot with its cosine similarity to the query.
type scored struct {
	slot int32
	sim  float32
}

// compare orders by similarity, highest first, then by the key of the chunk's
// document (the dense leg's order, retrieval.LegDense), then by slot.
func (ix *index) compare(a, b scored) int {
	if c := cmp.Compare(b.sim, a.sim); c != 0 {
		return c
	}
	if c := compareDocs(ix.docs[ix.chunkDoc[a.slot]], ix.docs[ix.chunkDoc[b.slot]]); c != 0 {
		return c
	}
	return cmp.Compare(a.slot, b.slot)
}

// topk keeps the best k entries seen: a heap whose root is the worst kept.
type topk struct {
	ix *index
	k  int
	xs []scored
}

func (t *topk) Len() int           { return len(t.xs) }
func (t *topk) Less(i, j int) bool { return t.ix.compare(t.xs[j], t.xs[i]) < 0 }
func (t *topk) Swap(i, j int)      { t.xs[i], t.xs[j] = t.xs[j], t.xs[i] }
func (t *topk) Push(x any)         { t.xs = append(t.xs, x.(scored)) }
func (t *topk) Pop() any {
	x := t.xs[len(t.xs)-1]
	t.xs = t.xs[:len(t.xs)-1]
	return x
}

func (t *topk) offer(s scored) {
	if len(t.xs) < t.k {
		heap.Push(t, s)
		return
	}
	if t.ix.compare(s, t.xs[0]) < 0 {
		t.xs[0] = s
		heap.Fix(t, 0)
	}
}

// minParallelChunks is the fewest chunks worth scanning on more than one goroutine.
const minParallelChunks = 8192

// nearest returns the k chunks nearest to q (a unit vector) by cosine, best first,
// among those whose slot admit accepts: an exact scan of every vector, on all cores
// when there are many.
func (ix *index) nearest(q []float32, k int, admit func(slot int32) bool) []scored {
	n := len(ix.chunkDoc)
	if k <= 0 || n == 0 {
		return nil
	}
	workers := 1
	if n >= minParallelChunks {
		workers = min(runtime.GOMAXPROCS(0), n/(minParallelChunks/2))
	}
	tops := make([]topk, workers)
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, n)
		tops[w].k, tops[w].ix = k, ix
		wg.Go(func() {
			t := &tops[w]
			dim := ix.dim
			for s := lo; s < hi; s++ {
				if !admit(int32(s)) {
					continue
				}
				sim := dot(q, ix.vecs[s*dim:(s+1)*dim])
				if math.IsNaN(float64(sim)) {
					continue
				}
				t.offer(scored{int32(s), sim})
			}
		})
	}
	wg.Wait()
	var all []scored
	for _, t := range tops {
		all = append(all, t.xs...)
	}
	slices.SortFunc(all, ix.compare)
	return all[:min(k, len(all))]
}

// dot is the dot product of two vectors of the same length, four lanes at a time.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
