package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

var (
	_ retrieval.Searcher = (*Store)(nil)
	_ retrieval.Index    = (*Store)(nil)
)

// snippetRunes is how much of the body a hit shows.
const snippetRunes = 300

// Search finds documents with retrieval.Search, this store finding the candidates.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	hits, err := retrieval.Search(ctx, s, q)
	if err != nil && !errors.Is(err, ErrClosed) {
		return nil, fmt.Errorf("memstore: search: %w", err)
	}
	return hits, err
}

// Embedder is the embedder of the store's vectors and its name.
func (s *Store) Embedder() (retrieval.QueryEmbedder, string) { return s.embedder, s.info.Name }

// filter is what a query admits.
type filter struct {
	statuses []string
	datasets []string // nil: every dataset
}

func newFilter(f retrieval.Filter) filter {
	return filter{statuses: cleanFilter(f.Statuses), datasets: cleanFilter(f.Datasets)}
}

func (f filter) admits(d *doc) bool {
	return d != nil && slices.Contains(f.statuses, d.status) && (f.datasets == nil || slices.Contains(f.datasets, d.dataset))
}

func (f filter) admitsDrug(d *doc) bool { return f.admits(d) && d.dataset == corpus.DatasetDrug }

// Words tells how many chunks hold each word and, for the misspelt words no chunk
// holds, the stored words near them (retrieval.Index).
func (s *Store) Words(ctx context.Context, words, misspelt []string) (retrieval.Vocabulary, error) {
	if s.closed.Load() {
		return retrieval.Vocabulary{}, ErrClosed
	}
	ix := s.idx.Load()
	v := retrieval.Vocabulary{Chunks: ix.liveChunks, Freq: map[string]int{}, Near: map[string][]retrieval.WordFreq{}}
	for _, w := range words {
		if p := ix.lex[w]; p != nil {
			v.Freq[w] = len(p.chunks)
		}
	}
	for _, w := range misspelt {
		if ix.lex[w] != nil || len(w) < 2 {
			continue
		}
		n := utf8.RuneCountInString(w)
		near := []retrieval.WordFreq{}
		for _, c := range ix.spell[w[:2]] {
			if cn := utf8.RuneCountInString(c); cn >= n-2 && cn <= n+2 {
				near = append(near, retrieval.WordFreq{Word: c, Freq: len(ix.lex[c].chunks)})
			}
		}
		v.Near[w] = near
	}
	return v, nil
}

// Candidates finds each leg's documents, in the order its kind documents.
func (s *Store) Candidates(ctx context.Context, legs []retrieval.Leg, rf retrieval.Filter) ([][]retrieval.DocRef, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix := s.idx.Load()
	f := newFilter(rf)
	out := make([][]retrieval.DocRef, len(legs))
	for i, l := range legs {
		var docs []int32
		switch l.Kind {
		case retrieval.LegDense:
			if len(l.Vector) != ix.dim {
				return nil, fmt.Errorf("the embedder gave %d dimensions, want %d", len(l.Vector), ix.dim)
			}
			docs = ix.dense(unit(l.Vector), f, l.Limit)
		case retrieval.LegAllTerms:
			docs = ix.allTerms(l.Words, f.admits, true, l.Limit)
		case retrieval.LegAppearance:
			docs = ix.allTerms(l.Words, f.admitsDrug, false, l.Limit)
		case retrieval.LegWeighted:
			docs = ix.weighted(l.Words, l.Concepts, l.IDF, f, l.Limit)
		case retrieval.LegDrugWords:
			docs = ix.drugWords(l.Words, f, l.Limit)
		case retrieval.LegImprint:
			docs = ix.imprint(l.Words, l.With, f, l.Limit)
		case retrieval.LegKey:
			docs = ix.exact(ix.byKey[l.Text], f.admits, l.Limit)
		case retrieval.LegTitle:
			docs = ix.exact(ix.byTitle[l.Text], f.admits, l.Limit)
		case retrieval.LegName:
			docs = ix.named(l.Words, f, l.Limit)
		case retrieval.LegSerial:
			docs = ix.serials(l.Words, l.Text, f, l.Limit)
		default:
			return nil, fmt.Errorf("leg kind %d unknown", l.Kind)
		}
		out[i] = make([]retrieval.DocRef, len(docs))
		for j, d := range docs {
			out[i][j] = ix.docs[d].ref()
		}
	}
	return out, nil
}

// Load returns the documents of refs that the filter admits.
func (s *Store) Load(ctx context.Context, refs []retrieval.DocRef, rf retrieval.Filter) ([]retrieval.Hit, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	ix := s.idx.Load()
	f := newFilter(rf)
	out := make([]retrieval.Hit, 0, len(refs))
	for _, r := range refs {
		slot, ok := ix.slots[docKey{r.Dataset, r.Key}]
		if !ok || !f.admits(ix.docs[slot]) {
			continue
		}
		out = append(out, ix.docs[slot].hit())
	}
	return out, nil
}

// dense is the documents of the limit chunks nearest to q (retrieval.LegDense).
func (ix *index) dense(q []float32, f filter, limit int) []int32 {
	var zero = true
	for _, x := range q {
		if x != 0 {
			zero = false
			break
		}
	}
	if zero {
		return nil // the cosine distance to a zero vector is NaN: nothing is near it
	}
	near := ix.nearest(q, limit, func(cs int32) bool {
		d := ix.chunkDoc[cs]
		return d >= 0 && f.admits(ix.docs[d])
	})
	out := make([]int32, len(near))
	for i, n := range near {
		out[i] = ix.chunkDoc[n.slot]
	}
	return out
}

// terms returns the distinct words of tokens, sorted as a tsquery sorts them, with
// their postings; ok is false when a word is in no chunk.
func (ix *index) terms(tokens []string) (words []string, ps []*postings, ok bool) {
	words = slices.Clone(tokens)
	slices.Sort(words)
	words = slices.Compact(words)
	ps = make([]*postings, len(words))
	ok = true
	for i, w := range words {
		ps[i] = ix.lex[w]
		ok = ok && ps[i] != nil
	}
	return words, ps, ok
}

// allTerms is the documents of the chunks that hold every token, of documents admit
// accepts: with ranked, by ts_rank then key (retrieval.LegAllTerms); without, by key
// (retrieval.LegAppearance). At most limit chunks.
func (ix *index) allTerms(tokens []string, admit func(*doc) bool, ranked bool, limit int) []int32 {
	_, ps, ok := ix.terms(tokens)
	if !ok || len(ps) == 0 {
		return nil
	}
	// Walk the shortest list, advancing a cursor in each other one.
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(len(ps[a].chunks), len(ps[b].chunks)) })
	cur := make([]int, len(ps))
	var found []rankedChunk
	pos := make([][]uint16, len(ps))
	first := ps[order[0]]
next:
	for i, cs := range first.chunks {
		d := ix.chunkDoc[cs]
		if d < 0 || !admit(ix.docs[d]) {
			continue
		}
		cur[order[0]] = i
		for _, t := range order[1:] {
			p := ps[t]
			j := cur[t]
			for j < len(p.chunks) && p.chunks[j] < cs {
				j++
			}
			cur[t] = j
			if j == len(p.chunks) {
				break next
			}
			if p.chunks[j] != cs {
				continue next
			}
		}
		if !ranked {
			found = append(found, rankedChunk{slot: cs})
			continue
		}
		for t, p := range ps {
			pos[t] = p.positions(cur[t])
		}
		found = append(found, rankedChunk{slot: cs, rank: rankAnd(pos)})
	}
	return ix.bestChunks(found, limit)
}

// imprint is the documents of the drug chunks that hold any of the codes and every
// one of with, by ts_rank then key (retrieval.LegImprint).
func (ix *index) imprint(codes, with []string, f filter, limit int) []int32 {
	_, must, ok := ix.terms(with)
	if !ok {
		return nil
	}
	// ts_rank reads the query's distinct words, sorted: the codes and with alike.
	_, ps, _ := ix.terms(slices.Concat(codes, with))
	_, cps, _ := ix.terms(codes)
	seen := map[int32]bool{}
	var found []rankedChunk
	pos := make([][]uint16, len(ps))
	for _, p := range cps {
		if p == nil {
			continue
		}
		for _, cs := range p.chunks {
			if seen[cs] {
				continue
			}
			seen[cs] = true
			d := ix.chunkDoc[cs]
			if d < 0 || !f.admitsDrug(ix.docs[d]) || slices.ContainsFunc(must, func(m *postings) bool { return m.find(cs) < 0 }) {
				continue
			}
			for t, q := range ps {
				pos[t] = nil
				if q != nil {
					if i := q.find(cs); i >= 0 {
						pos[t] = q.positions(i)
					}
				}
			}
			// A query joined by & ranks by proximity; by | (the codes alone), by
			// how many words the chunk holds.
			rank := finish(rankOr(pos))
			if len(with) > 0 {
				rank = rankAnd(pos)
			}
			found = append(found, rankedChunk{slot: cs, rank: rank})
		}
	}
	return ix.bestChunks(found, limit)
}

type rankedChunk struct {
	slot int32
	rank float32
}

// bestChunks returns the documents of the first limit chunks, by rank, then the key
// of their document.
func (ix *index) bestChunks(found []rankedChunk, limit int) []int32 {
	slices.SortFunc(found, func(a, b rankedChunk) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		if c := compareDocs(ix.docs[ix.chunkDoc[a.slot]], ix.docs[ix.chunkDoc[b.slot]]); c != 0 {
			return c
		}
		return cmp.Compare(a.slot, b.slot)
	})
	found = found[:min(len(found), limit)]
	out := make([]int32, len(found))
	for i, c := range found {
		out[i] = ix.chunkDoc[c.slot]
	}
	return out
}

// weighted scores documents by the concepts of words they hold (retrieval.LegWeighted):
// for each concept (concepts labels words), its idf, doubled when a title holds one of
// its words, summed in the bytewise order of the labels.
func (ix *index) weighted(words, concepts []string, idf []float64, f filter, limit int) []int32 {
	held := map[string]map[int32]float64{}
	weight := map[string]float64{}
	for i, w := range words {
		c := concepts[i]
		weight[c] = idf[i]
		best := held[c]
		if best == nil {
			best = map[int32]float64{}
			held[c] = best
		}
		p := ix.lex[w]
		if p == nil {
			continue
		}
		for j, cs := range p.chunks {
			d := ix.chunkDoc[cs]
			if d < 0 || !f.admits(ix.docs[d]) {
				continue
			}
			w := 1.0
			if slices.ContainsFunc(p.positions(j), func(x uint16) bool { return x>>14 == weightA }) {
				w = 2
			}
			best[d] = max(best[d], w)
		}
	}
	order := slices.Sorted(maps.Keys(held))
	scores := map[int32]float64{}
	for _, c := range order {
		for d, w := range held[c] {
			scores[d] += w * weight[c]
		}
	}
	out := make([]int32, 0, len(scores))
	for d := range scores {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b int32) int {
		if c := cmp.Compare(scores[b], scores[a]); c != 0 {
			return c
		}
		return compareDocs(ix.docs[a], ix.docs[b])
	})
	return out[:min(len(out), limit)]
}

// drugWords is the drugs whose chunks hold any of the Latin names, valid licences
// first, then the shortest chunk (retrieval.LegDrugWords): a generic name is on
// thousands of licences, many cancelled, and the shortest records are mostly that name.
func (ix *index) drugWords(names []string, f filter, limit int) []int32 {
	type pair struct {
		runes int32
		doc   int32
	}
	cancelled := func(p pair) int { return boolRank(ix.docs[p.doc].status == string(corpus.StatusCancelled)) }
	byLength := func(a, b pair) int {
		if c := cmp.Compare(cancelled(a), cancelled(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.runes, b.runes); c != 0 {
			return c
		}
		return compareDocs(ix.docs[a.doc], ix.docs[b.doc])
	}
	var all []pair
	for _, w := range names {
		p := ix.lex[w]
		if p == nil {
			continue
		}
		var found []pair
		for _, cs := range p.chunks {
			if d := ix.chunkDoc[cs]; d >= 0 && f.admitsDrug(ix.docs[d]) {
				found = append(found, pair{ix.chunkRunes[cs], d})
			}
		}
		slices.SortFunc(found, byLength)
		all = append(all, found[:min(len(found), limit)]...)
	}
	slices.SortStableFunc(all, byLength)
	all = all[:min(len(all), limit)]
	out := make([]int32, len(all))
	for i, x := range all {
		out[i] = x.doc
	}
	return out
}

// exact is the admitted documents of slots, by key.
func (ix *index) exact(slots []int32, admit func(*doc) bool, limit int) []int32 {
	var out []int32
	for _, d := range slots {
		if admit(ix.docs[d]) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return compareDocs(ix.docs[a], ix.docs[b]) })
	return out[:min(len(out), limit)]
}

// named is the drugs whose core name is one of the spans (retrieval.LegName): the
// longest name first, then a valid licence before a cancelled one, the shortest title,
// then by key.
func (ix *index) named(spans []string, f filter, limit int) []int32 {
	var out []int32
	for _, sp := range spans {
		for _, d := range ix.byName[sp] {
			if f.admitsDrug(ix.docs[d]) && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	slices.SortFunc(out, func(a, b int32) int {
		da, db := ix.docs[a], ix.docs[b]
		if c := cmp.Compare(utf8.RuneCountInString(db.name), utf8.RuneCountInString(da.name)); c != 0 {
			return c
		}
		if c := cmp.Compare(boolRank(da.status == string(corpus.StatusCancelled)), boolRank(db.status == string(corpus.StatusCancelled))); c != 0 {
			return c
		}
		if c := cmp.Compare(da.titleRunes, db.titleRunes); c != 0 {
			return c
		}
		return compareDocs(da, db)
	})
	return out[:min(len(out), limit)]
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// serials is the drugs whose licence serial is one of serials (retrieval.LegSerial):
// those whose key prefix (衛署藥製字第) text holds first, then by key.
func (ix *index) serials(serials []string, text string, f filter, limit int) []int32 {
	var out []int32
	for _, sr := range serials {
		for _, d := range ix.bySerial[sr] {
			if f.admitsDrug(ix.docs[d]) && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	slices.SortFunc(out, func(a, b int32) int {
		da, db := ix.docs[a], ix.docs[b]
		if c := cmp.Compare(boolRank(!strings.Contains(text, da.keyPrefix)), boolRank(!strings.Contains(text, db.keyPrefix))); c != 0 {
			return c
		}
		return compareDocs(da, db)
	})
	return out[:min(len(out), limit)]
}

// hit is a document as a search shows it: its facets decoded afresh, since the caller
// owns them.
func (d *doc) hit() retrieval.Hit {
	h := retrieval.Hit{Dataset: d.dataset, Key: d.key, Title: d.title, URL: d.url, Status: d.status,
		Snapshot: d.snapshot, Snippet: d.snippet}
	if len(d.facets) > 0 {
		_ = json.Unmarshal(d.facets, &h.Facets) // checked when the document was written
	}
	return h
}

// cleanFilter makes filter values what stored values can equal; nil means no filter.
func cleanFilter(vs []string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, cleanText(v))
	}
	return out
}

// snippetBytes is snippet of a body read from the file.
func snippetBytes(body []byte) string {
	n := 0
	for i := range len(body) {
		if utf8.RuneStart(body[i]) {
			if n == snippetRunes {
				return string(body[:i])
			}
			n++
		}
	}
	return string(body)
}

// snippet is the start of a body: its first snippetRunes characters.
func snippet(body string) string {
	n := 0
	for i := range body {
		if n == snippetRunes {
			return body[:i]
		}
		n++
	}
	return body
}
