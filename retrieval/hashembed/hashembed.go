// Package hashembed is an offline text embedder: it hashes character n-grams and
// words into a fixed number of dimensions, with no network and no model files.
//
// It is what civicbot uses when no embedding model is configured, and in tests.
// Its vectors are deterministic (the same text gives the same vector in every
// process and on every machine) and capture surface similarity, not meaning:
// 「愛心卡弄丟了」 is near 「愛心悠遊卡遺失怎麼辦？」 because they share 愛心 and
// 卡, and "ibuprophen" is near "ibuprofen" because they share most of their letter
// trigrams, but 「遺失」 is not near 「弄丟」.
//
// The features, after NFKC normalisation and lowercasing (see
// retrieval/internal/textseg):
//
//   - runs of CJK characters: every character 1-, 2- and 3-gram, unigrams weighted
//     lower because a single character says little on its own;
//   - words of letters or digits, whole, with the letter and digit parts of mixed
//     words and short codes joined ("YSP 52" gives ysp, 52 and ysp52);
//   - letter words also as character trigrams with boundary markers
//     ("<ib", "ibu", ..., "en>"), which carry spelling variants and typos.
//
// Each distinct feature is weighted 1+ln(tf), hashed with a fixed-seed 64-bit hash
// to a bucket and a sign (signed feature hashing keeps collisions from adding up),
// and the vector is L2-normalised. Text with no features maps to a fixed unit
// vector, never to the zero vector, whose cosine distance is NaN.
package hashembed

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/civicbot/civicbot/retrieval/internal/textseg"
	"github.com/tmc/langchaingo/embeddings"
)

// Version is the algorithm's version, part of Name. Change it whenever a change
// to this package or to textseg changes any vector: stored vectors are only
// comparable with query vectors from the same algorithm.
const Version = 1

const (
	// DefaultDim is the dimension New uses when given 0.
	DefaultDim = 256
	// MaxDim is pgvector's limit on a vector column's dimensions.
	MaxDim = 16000
)

var _ embeddings.Embedder = (*Embedder)(nil)

// Embedder embeds text by feature hashing. It is safe for concurrent use.
type Embedder struct {
	dim   int
	name  string
	empty []float32 // the vector of text with no features
	pool  sync.Pool // of *worker
}

// New returns an embedder of dim dimensions; dim <= 0 means DefaultDim.
// It panics if dim is above MaxDim.
func New(dim int) *Embedder {
	if dim <= 0 {
		dim = DefaultDim
	}
	if dim > MaxDim {
		panic(fmt.Sprintf("hashembed: %d dimensions is more than the %d pgvector can store", dim, MaxDim))
	}
	e := &Embedder{dim: dim, name: fmt.Sprintf("hash-v%d-%d", Version, dim)}
	e.pool.New = func() any { return &worker{acc: make([]float64, dim)} }
	e.empty = make([]float32, dim)
	b, s := e.bucket(emptyFeature)
	e.empty[b] = s
	return e
}

// Dim returns the number of dimensions of every vector.
func (e *Embedder) Dim() int { return e.dim }

// Name names the algorithm and dimension, e.g. "hash-v1-256": two embedders
// with the same Name give the same vectors.
func (e *Embedder) Name() string { return e.name }

// EmbedQuery embeds one text.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hashembed: %w", err)
	}
	w := e.pool.Get().(*worker)
	defer e.pool.Put(w)
	v := make([]float32, e.dim)
	e.embed(w, text, v)
	return v, nil
}

// Batches at least this large are embedded in parallel.
const (
	parallelMin = 64
	chunk       = 32 // texts a goroutine takes at a time
)

// EmbedDocuments embeds each text, in parallel for large batches. The vectors
// share one allocation; each is capped, so appending to one cannot overwrite
// the next.
func (e *Embedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hashembed: %w", err)
	}
	backing := make([]float32, len(texts)*e.dim)
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = backing[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	workers := min(runtime.GOMAXPROCS(0), (len(texts)+chunk-1)/chunk)
	if len(texts) < parallelMin || workers < 2 {
		w := e.pool.Get().(*worker)
		defer e.pool.Put(w)
		for i, t := range texts {
			if i%chunk == chunk-1 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("hashembed: %w", err)
				}
			}
			e.embed(w, t, out[i])
		}
		return out, nil
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := e.pool.Get().(*worker)
			defer e.pool.Put(w)
			for ctx.Err() == nil {
				start := int(next.Add(chunk)) - chunk
				if start >= len(texts) {
					return
				}
				for i := start; i < min(start+chunk, len(texts)); i++ {
					e.embed(w, texts[i], out[i])
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hashembed: %w", err)
	}
	return out, nil
}

// worker holds one goroutine's reusable buffers.
type worker struct {
	seg   textseg.Segmenter
	feats []uint64
	acc   []float64
}

// A feature is a 64-bit hash whose low 3 bits say what kind of feature it is.
const (
	kindBits = 3
	kindMask = 1<<kindBits - 1

	kindCJK1  = 1 // CJK unigram
	kindCJK2  = 2 // CJK bigram
	kindCJK3  = 3 // CJK trigram
	kindWord  = 4 // a Word, Part or Code
	kindTri   = 5 // a letter trigram of a word
	kindEmpty = 6 // stands for text with no features
)

// weights by kind: one CJK character, or one trigram of a long word, says less
// than a CJK bigram or a whole word.
var weights = [kindMask + 1]float64{
	kindCJK1: 0.4,
	kindCJK2: 1,
	kindCJK3: 1,
	kindWord: 1,
	kindTri:  0.5,
}

// FNV-1a 64 constants; a rune is folded in as one 32-bit step, then mix64
// spreads the bits. Fixed seeds: the same text hashes alike in every process.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211

	seedCJK  = fnvOffset
	seedWord = fnvOffset ^ 0x9e3779b97f4a7c15
	seedTri  = fnvOffset ^ 0xbf58476d1ce4e5b9
)

var emptyFeature = feature(mix64(fnvOffset^0x94d049bb133111eb), kindEmpty)

func step(h uint64, r rune) uint64 { return (h ^ uint64(uint32(r))) * fnvPrime }

// mix64 is the MurmurHash3 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func feature(h uint64, kind uint64) uint64 { return h&^kindMask | kind }

// bucket maps a feature to its dimension and sign. The high 32 bits pick the
// bucket (multiply-shift, no modulo bias worth the name); bit 3 picks the sign.
func (e *Embedder) bucket(f uint64) (int, float32) {
	b := int((f >> 32) * uint64(e.dim) >> 32)
	if f>>kindBits&1 == 0 {
		return b, 1
	}
	return b, -1
}

// embed writes the vector of text to v, which has e.dim elements.
func (e *Embedder) embed(w *worker, text string, v []float32) {
	feats := w.feats[:0]
	for seg := range w.seg.Segments(text) {
		t := seg.Text
		if seg.Kind == textseg.CJK {
			for i := range t {
				h := uint64(seedCJK)
				for n := 0; n < 3 && i+n < len(t); n++ {
					h = step(h, t[i+n])
					feats = append(feats, feature(mix64(h), uint64(kindCJK1+n)))
				}
			}
			continue
		}
		h := uint64(seedWord)
		for _, r := range t {
			h = step(h, r)
		}
		feats = append(feats, feature(mix64(h), kindWord))
		if !seg.Letters || seg.Kind == textseg.Code {
			continue
		}
		// Trigrams of "<" + t + ">"; the markers cannot occur inside a word.
		at := func(i int) rune {
			switch i {
			case 0:
				return '<'
			case len(t) + 1:
				return '>'
			}
			return t[i-1]
		}
		for i := 0; i < len(t); i++ {
			h := step(step(step(seedTri, at(i)), at(i+1)), at(i+2))
			feats = append(feats, feature(mix64(h), kindTri))
		}
	}
	w.feats = feats

	// Count each distinct feature by sorting: cheaper than a map and allocation-free.
	slices.Sort(feats)
	acc := w.acc
	clear(acc)
	for i := 0; i < len(feats); {
		f := feats[i]
		j := i + 1
		for j < len(feats) && feats[j] == f {
			j++
		}
		wt := weights[f&kindMask]
		if tf := j - i; tf > 1 {
			wt *= 1 + math.Log(float64(tf))
		}
		b, s := e.bucket(f)
		// The conversion rounds the product, so no platform fuses it with the
		// addition into an FMA and every machine computes the same sum.
		acc[b] += float64(float64(s) * wt)
		i = j
	}
	var sum float64
	for _, x := range acc {
		sum += float64(x * x)
	}
	if sum == 0 {
		// No features, or (rarely) features that cancelled out.
		copy(v, e.empty)
		return
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range acc {
		v[i] = float32(x * inv)
	}
}
