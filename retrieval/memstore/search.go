package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

var _ retrieval.Searcher = (*Store)(nil)

// The constants of pgstore's search, with the same values: the two stores rank alike.
const (
	// maxDocShare: query words found in more than this share of the chunks (or in
	// more than maxWordChunks) are left to the other legs of the weighted leg.
	maxDocShare   = 0.05
	maxWordChunks = 500
	minWordChunks = 50
	// candidates is how many chunks (or documents) each leg contributes.
	candidates = 40
	// snippetRunes is how much of the body a hit shows.
	snippetRunes = 300
)

// leg is what one way of finding candidates found: document slots, best first (a
// document may repeat; its first place counts). They are fused by reciprocal rank
// (weight/(RRFK+rank)), or, when flat is set, each document found scores weight.
type leg struct {
	name   string // the evidence it gives: a retrieval.Evidence constant
	docs   []int32
	weight float64
	flat   bool
	// names is set for legs that match a document's key: a query that names a
	// cancelled licence wants that licence, not the valid one of the same name.
	names bool
}

// filter is what a query admits.
type filter struct {
	statuses []string
	datasets []string // nil: every dataset
}

func (f filter) admits(d *doc) bool {
	return d != nil && slices.Contains(f.statuses, d.status) && (f.datasets == nil || slices.Contains(f.datasets, d.dataset))
}

func (f filter) admitsDrug(d *doc) bool { return f.admits(d) && d.dataset == corpus.DatasetDrug }

// Search finds documents as pgstore.Search does: by meaning (an exact scan of the
// chunk embeddings), by keywords (every term in one chunk; rare terms weighted by
// inverse document frequency, title terms double; Latin drug names), by imprint code,
// colour and shape, by a drug name inside the question, and by exact key, title or
// licence serial, fused by reciprocal rank with pgstore's weights.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	text := retrieval.Normalize(q.Text)
	k := cmp.Or(q.K, retrieval.DefaultK)
	k = min(max(k, 1), 100)
	if text == "" {
		return []retrieval.Hit{}, nil
	}
	f := filter{statuses: cleanFilter(q.Statuses), datasets: cleanFilter(q.Datasets)}
	if len(f.statuses) == 0 {
		f.statuses = []string{string(corpus.StatusActive), string(corpus.StatusCancelled)}
	}
	vec, err := s.embedder.EmbedQuery(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("memstore: search: embed query: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix := s.idx.Load()
	if len(vec) != ix.dim {
		return nil, fmt.Errorf("memstore: search: the embedder gave %d dimensions, want %d", len(vec), ix.dim)
	}
	legs := []leg{{name: retrieval.EvidenceMeaning, docs: ix.dense(unit(vec), f), weight: retrieval.DenseWeight(s.info.Name)}}
	if q.DenseOnly {
		return ix.fuse(legs, f, k, text), nil
	}
	if tokens := retrieval.ContentTokens(text); len(tokens) > 0 {
		// Chunks holding every query token are a leg of their own, weighted double.
		if len(tokens) > 1 {
			legs = append(legs, leg{name: retrieval.EvidenceAllTerms, docs: ix.allTerms(tokens, f.admits, true), weight: 2})
		}
		// Everyday and official words for the same thing, and corrected spellings of
		// drug names, join the weighted leg only.
		if syn := retrieval.Expand(text); syn != "" {
			tokens = append(tokens, retrieval.Tokens(syn)...)
		}
		tokens = append(tokens, ix.corrections(tokens)...)
		words, concepts := retrieval.LabelConcepts(text, tokens)
		legs = append(legs, leg{name: retrieval.EvidenceTerms, docs: ix.weighted(words, concepts, f), weight: 1.5})
		// Latin words that are not everyday English are, here, drug names.
		var names []string
		for _, t := range tokens {
			if len(t) >= 4 && retrieval.IsLatin(t) && !retrieval.InGlossary(t) && !describesPill(t) && !slices.Contains(names, t) {
				names = append(names, t)
			}
		}
		if len(names) > 0 {
			legs = append(legs, leg{name: retrieval.EvidenceTerms, docs: ix.drugNames(names, f), weight: 2})
		}
	}
	terms := retrieval.AppearanceTokens(text)
	if len(terms) > 0 {
		// A pill described by colour and shape: drugs whose appearance holds them all.
		legs = append(legs, leg{name: retrieval.EvidenceAppearance, docs: ix.allTerms(terms, f.admitsDrug, false), weight: 1.5})
		// With a code read off it, even letters or digits alone («上面寫 YSP»): the
		// pills of that look bearing the code.
		if codes := retrieval.ImprintTokens(text, false); len(codes) > 0 {
			legs = append(legs, leg{name: retrieval.EvidenceImprint, docs: ix.anyTermWith(codes, terms, f), weight: 2})
		}
	}
	if codes := retrieval.ImprintTokens(text, true); len(codes) > 0 {
		legs = append(legs, leg{name: retrieval.EvidenceImprint, docs: ix.anyTerm(codes, f), weight: 2})
	}
	legs = append(legs,
		leg{name: retrieval.EvidenceKey, docs: ix.exact(ix.byKey[text], f.admits), weight: 1, flat: true, names: true},
		leg{name: retrieval.EvidenceTitle, docs: ix.exact(ix.byTitle[text], f.admits), weight: 1, flat: true})
	if spans := retrieval.NameSpans(text); len(spans) > 0 {
		// A medicine named inside the question, longest name first. Several licences
		// share a name: naming it does not name a cancelled one.
		legs = append(legs, leg{name: retrieval.EvidenceName, docs: ix.named(spans, f), weight: 1, flat: true})
	}
	if serials := retrieval.LicenceSerials(text); len(serials) > 0 {
		legs = append(legs, leg{name: retrieval.EvidenceKey, docs: ix.serials(serials, text, f), weight: 0.8, flat: true, names: true})
	}
	return ix.fuse(legs, f, k, text), nil
}

// dense is the documents of the candidates chunks nearest to q.
func (ix *index) dense(q []float32, f filter) []int32 {
	var zero = true
	for _, x := range q {
		if x != 0 {
			zero = false
			break
		}
	}
	if zero {
		return nil // PostgreSQL's cosine distance to a zero vector is NaN: nothing is near it
	}
	near := ix.nearest(q, candidates, func(cs int32) bool {
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

// allTerms is the documents of the chunks that hold every token (tokens joined by &),
// of documents admit accepts: with ranked, the candidates best by ts_rank, then by
// chunk; without, the first candidates in chunk order.
func (ix *index) allTerms(tokens []string, admit func(*doc) bool, ranked bool) []int32 {
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
			if len(found) == candidates {
				break
			}
			continue
		}
		for t, p := range ps {
			pos[t] = p.positions(cur[t])
		}
		found = append(found, rankedChunk{slot: cs, rank: rankAnd(pos)})
	}
	return ix.bestChunks(found, ranked)
}

// anyTerm is the documents of the drug chunks that hold any of the tokens (joined by
// |), best by ts_rank, then by chunk.
func (ix *index) anyTerm(tokens []string, f filter) []int32 {
	return ix.anyTermWith(tokens, nil, f)
}

// anyTermWith is anyTerm of the chunks that also hold every one of all.
func (ix *index) anyTermWith(tokens, all []string, f filter) []int32 {
	_, must, ok := ix.terms(all)
	if !ok {
		return nil
	}
	_, ps, _ := ix.terms(tokens)
	seen := map[int32]bool{}
	var found []rankedChunk
	pos := make([][]uint16, len(ps))
	for _, p := range ps {
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
			found = append(found, rankedChunk{slot: cs, rank: finish(rankOr(pos))})
		}
	}
	return ix.bestChunks(found, true)
}

type rankedChunk struct {
	slot int32
	rank float32
}

// bestChunks returns the documents of the first candidates chunks, by rank then slot.
func (ix *index) bestChunks(found []rankedChunk, ranked bool) []int32 {
	if ranked {
		slices.SortFunc(found, func(a, b rankedChunk) int {
			if c := cmp.Compare(b.rank, a.rank); c != 0 {
				return c
			}
			return cmp.Compare(a.slot, b.slot)
		})
	}
	found = found[:min(len(found), candidates)]
	out := make([]int32, len(found))
	for i, c := range found {
		out[i] = ix.chunkDoc[c.slot]
	}
	return out
}

// weighted scores documents like BM25 with binary term frequency: for each query
// concept a document holds, its inverse document frequency once, doubled when a title
// holds it. A concept is a word, or a synonym group (concepts labels words) weighted
// as its most common word. Words in more than maxDocShare of the chunks (at least
// minWordChunks, at most maxWordChunks) are skipped.
func (ix *index) weighted(words, concepts []string, f filter) []int32 {
	total := float64(max(ix.liveChunks, 1))
	limit := math.Min(maxWordChunks, math.Max(minWordChunks, maxDocShare*total))
	idf := map[string]float64{}
	for i, w := range words {
		p := ix.lex[w]
		if p == nil || float64(len(p.chunks)) > limit {
			continue
		}
		ndoc := float64(len(p.chunks))
		x := math.Log((total-ndoc+0.5)/(ndoc+0.5) + 1)
		if cur, ok := idf[concepts[i]]; !ok || x < cur {
			idf[concepts[i]] = x
		}
	}
	// The best weight of each concept in each document, summed concept by concept in
	// the query's order, so that equal documents get equal scores on every run.
	held := map[string]map[int32]float64{}
	var order []string
	for i, w := range words {
		c := concepts[i]
		p := ix.lex[w]
		if _, ok := idf[c]; !ok || p == nil || float64(len(p.chunks)) > limit {
			continue
		}
		best := held[c]
		if best == nil {
			best = map[int32]float64{}
			held[c] = best
			order = append(order, c)
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
	scores := map[int32]float64{}
	for _, c := range order {
		for d, w := range held[c] {
			scores[d] += w * idf[c]
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
	return out[:min(len(out), candidates)]
}

// drugNames is the documents of the drug chunks that hold any of the Latin names,
// shortest chunk first: a generic name is on thousands of licences, and the shortest
// records are mostly that name.
func (ix *index) drugNames(names []string, f filter) []int32 {
	var found []int32
	seen := map[int32]bool{}
	for _, w := range names {
		p := ix.lex[w]
		if p == nil {
			continue
		}
		for _, cs := range p.chunks {
			d := ix.chunkDoc[cs]
			if seen[cs] || d < 0 || !f.admitsDrug(ix.docs[d]) {
				continue
			}
			seen[cs] = true
			found = append(found, cs)
		}
	}
	slices.SortFunc(found, func(a, b int32) int {
		if c := cmp.Compare(ix.chunkRunes[a], ix.chunkRunes[b]); c != 0 {
			return c
		}
		return compareDocs(ix.docs[ix.chunkDoc[a]], ix.docs[ix.chunkDoc[b]])
	})
	found = found[:min(len(found), candidates)]
	out := make([]int32, len(found))
	for i, cs := range found {
		out[i] = ix.chunkDoc[cs]
	}
	return out
}

// exact is the admitted documents of slots, by id.
func (ix *index) exact(slots []int32, admit func(*doc) bool) []int32 {
	var out []int32
	for _, d := range slots {
		if admit(ix.docs[d]) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return compareDocs(ix.docs[a], ix.docs[b]) })
	return out[:min(len(out), candidates)]
}

// named is the drugs whose name is one of the spans: the longest name first, then a
// valid licence before a cancelled one, the shortest title, the oldest document.
func (ix *index) named(spans []string, f filter) []int32 {
	var out []int32
	for _, sp := range spans {
		for _, d := range ix.byName[sp] {
			if f.admitsDrug(ix.docs[d]) {
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
	return out[:min(len(out), candidates)]
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// serials is the drugs whose licence serial is one of serials: those whose key's
// prefix (衛署藥製字第) the query also holds first, then by key.
func (ix *index) serials(serials []string, text string, f filter) []int32 {
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
		return strings.Compare(da.key, db.key)
	})
	return out[:min(len(out), candidates)]
}

// fuse fuses what the legs found and returns the best k documents, cancelled licences
// ranked below valid ones unless a leg matched their key.
func (ix *index) fuse(legs []leg, f filter, k int, text string) []retrieval.Hit {
	fl := make([]retrieval.Leg[int32], len(legs))
	for i, l := range legs {
		fl[i] = retrieval.Leg[int32]{Evidence: l.name, IDs: l.docs, Weight: l.weight, Flat: l.flat, Names: l.names}
	}
	fused := retrieval.Fuse(fl)
	scores, named, evidence := fused.Scores, fused.Named, fused.Evidence
	if len(scores) == 0 {
		return []retrieval.Hit{}
	}
	ids := make([]int32, 0, len(scores))
	for d := range scores {
		ids = append(ids, d)
	}
	// Only the best candidates are loaded, as pgstore does: enough to fill k after
	// cancelled ones move down.
	slices.SortFunc(ids, func(a, b int32) int {
		if c := cmp.Compare(scores[b], scores[a]); c != 0 {
			return c
		}
		return compareDocs(ix.docs[a], ix.docs[b])
	})
	ids = ids[:min(len(ids), 3*k+10)]
	out := make([]retrieval.Hit, 0, len(ids))
	byLeg := make([]bool, 0, len(ids)) // named by a leg, for DemoteCancelled
	for _, id := range ids {
		d := ix.docs[id]
		if !f.admits(d) {
			continue
		}
		h := d.hit()
		h.Score = scores[id]
		h.Evidence = evidence[id]
		h.Confidence = retrieval.Confidence(h.Evidence)
		out = append(out, h)
		byLeg = append(byLeg, named[id])
	}
	retrieval.WeighByDomain(text, out)
	retrieval.WeighByCoverage(text, out)
	retrieval.WeighByTitleMatch(text, out)
	retrieval.DemoteCancelled(text, out, byLeg)
	slices.SortFunc(out, func(a, b retrieval.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out[:min(k, len(out))]
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

// snippet is the start of a body, as PostgreSQL's left(body, 300).
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
