package retrieval

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// One search, whatever the store: Search analyses the question (or takes the caller's
// Analysis), plans the legs, asks the store for each leg's candidates, fuses them by
// reciprocal rank keyed by dataset and key, loads the best, reranks them and breaks
// every tie by key. A store (Index) only finds candidates, in the order each LegKind
// documents, and loads documents: it never ranks.

// Index is what a store does for Search.
type Index interface {
	// Embedder is the embedder of the store's vectors and its name (for DenseWeight).
	Embedder() (QueryEmbedder, string)
	// Words tells how many passages hold each of words (0 for none) and how many
	// passages there are; for each of misspelt that no passage holds, Near lists the
	// stored words that share its first two letters and are at most two characters
	// longer or shorter, with their frequencies.
	Words(ctx context.Context, words, misspelt []string) (Vocabulary, error)
	// Candidates returns the documents each leg finds, in the leg kind's order, at most
	// its Limit passages or documents (a document may repeat; its first place counts),
	// among the documents f admits.
	Candidates(ctx context.Context, legs []Leg, f Filter) ([][]DocRef, error)
	// Load returns the documents of refs that f admits, in any order, without Score,
	// Evidence and Confidence.
	Load(ctx context.Context, refs []DocRef, f Filter) ([]Hit, error)
}

// QueryEmbedder embeds a question.
type QueryEmbedder interface {
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
}

// DocRef names a document the same way in every store.
type DocRef struct{ Dataset, Key string }

// Compare orders references by key, then dataset: the tie-break of every ranking
// (bytewise, as Go compares strings and PostgreSQL's "C" collation does).
func (r DocRef) Compare(o DocRef) int {
	if c := strings.Compare(r.Key, o.Key); c != 0 {
		return c
	}
	return strings.Compare(r.Dataset, o.Dataset)
}

// Filter is what a search admits: documents of one of Statuses (never empty in a
// call from Search) and, unless Datasets is nil, of one of Datasets.
type Filter struct {
	Statuses, Datasets []string
}

// Vocabulary is what the store knows of a question's words (Index.Words).
type Vocabulary struct {
	Chunks int            // passages in the store
	Freq   map[string]int // passages holding each word asked about
	Near   map[string][]WordFreq
}

// WordFreq is a stored word and how many passages hold it.
type WordFreq struct {
	Word string
	Freq int
}

// LegKind is a way of finding candidates. Each kind states what it finds and in what
// order, ties included; every store must return exactly that. "Passages" are a
// document's chunks; "by key" is DocRef.Compare. A leg over passages returns the
// documents of its first Limit passages, a document once per passage.
type LegKind int

const (
	// LegDense: the passages nearest to Vector by cosine distance, nearest first,
	// then by key. (PostgreSQL's HNSW index is approximate: it may miss some.)
	LegDense LegKind = iota
	// LegAllTerms: the passages that hold every one of Words, by PostgreSQL's
	// ts_rank of the passage's keyword vector against Words joined by &, highest
	// first, then by key.
	LegAllTerms
	// LegWeighted: the documents with a passage holding any of Words, by the sum over
	// their concepts (Concepts labels Words), in the bytewise order of the labels, of
	// the concept's IDF, doubled when the document's title holds one of its words;
	// highest first, then by key.
	LegWeighted
	// LegDrugWords: for each of Words, the drug passages that hold it, as (length in
	// characters, document) pairs, the Limit shortest by length then key; those of
	// every word merged, shortest first, then by key.
	LegDrugWords
	// LegAppearance: the drug passages that hold every one of Words (colours and
	// shapes), by key.
	LegAppearance
	// LegImprint: the drug passages that hold any of Words (imprint codes) and every
	// one of With, by PostgreSQL's ts_rank against With and Words joined as
	// "w1 & w2 & (c1 | c2)" ("c1 | c2" without With), highest first, then by key.
	LegImprint
	// LegKey: the documents whose key is Text, by key.
	LegKey
	// LegTitle: the documents whose title is Text, by key.
	LegTitle
	// LegName: the drugs whose licence core name (LicenceCoreName, stored at ingest)
	// is one of Words: the longest name first, then a valid licence before a
	// cancelled one, the shorter title (in characters), then by key.
	LegName
	// LegSerial: the drugs whose licence serial (LicenceKeySerial of the key) is one
	// of Words: those whose key prefix (before the first digit) Text holds first,
	// then by key.
	LegSerial
)

// Leg is one way of finding candidates (what the store runs) and how much what it
// finds counts (what Fuse reads).
type Leg struct {
	Kind   LegKind
	Vector []float32 // LegDense
	Words  []string
	With   []string // LegImprint
	// Concepts and IDF label and weigh Words, one each (LegWeighted).
	Concepts []string
	IDF      []float64
	Text     string // LegKey, LegTitle, LegSerial
	Limit    int

	Evidence string // what it shows of the documents it found: an Evidence constant
	Weight   float64
	// Flat legs give each document found their whole weight (an exact key is evidence
	// no ranking should outweigh); the others weight/(RRFK+rank).
	Flat bool
	// Names is set for legs that match a document's key: a query that names a
	// cancelled licence wants that licence, not the valid one of the same name.
	Names bool
	// Widens is set for legs that only bring documents no other leg found (Fuse).
	Widens bool
}

// candidates is how many passages or documents each leg contributes before fusion.
const candidates = 40

// Query tokens found in more than maxDocShare of the passages (at least minWordChunks,
// at most maxWordChunks) are left to the other legs: they add little and cost much.
const (
	maxDocShare   = 0.05
	minWordChunks = 50
	maxWordChunks = 500
)

// minSpellRunes is the shortest Latin word that is corrected: shorter words have too
// many neighbours to guess from.
const minSpellRunes = 5

// Search finds the documents that answer q in the store ix.
func Search(ctx context.Context, ix Index, q Query) ([]Hit, error) {
	a := q.Analysis
	if a == nil {
		an := Analyze(q.Text)
		a = &an
	}
	k := min(max(cmp.Or(q.K, DefaultK), 1), 100)
	if a.Text == "" {
		return []Hit{}, nil
	}
	f := Filter{Statuses: q.Statuses, Datasets: q.Datasets}
	if len(f.Statuses) == 0 {
		f.Statuses = []string{"active", "cancelled"}
	}
	e, name := ix.Embedder()
	vec, err := e.EmbedQuery(ctx, a.Text)
	if err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	var v Vocabulary
	words := slices.Concat(a.Tokens, a.Synonyms, a.Appearance)
	for _, x := range a.Associated {
		words = append(words, x.Term)
	}
	if !q.DenseOnly && len(words) > 0 {
		var misspelt []string
		for _, w := range words {
			if utf8.RuneCountInString(w) >= minSpellRunes && IsLatin(w) && !slices.Contains(misspelt, w) {
				misspelt = append(misspelt, w)
			}
		}
		wctx, ws := span(ctx, "search.words", attribute.Int("words", len(words)))
		v, err = ix.Words(wctx, distinct(words), misspelt)
		ws.End()
		if err != nil {
			return nil, err
		}
		// A word no passage holds may have been typed with a character of the same
		// sound (加質 for 加值): the sound-alike that passages hold joins the question's
		// other words, as a corrected drug name does.
		if alikes := soundAlikes(a.Tokens, v); len(alikes) > 0 {
			sctx, ss := span(ctx, "search.sounds", attribute.Int("words", len(alikes)))
			more, err := ix.Words(sctx, slices.Sorted(maps.Keys(alikes)), nil)
			ss.End()
			if err != nil {
				return nil, err
			}
			if fixes := soundFixes(a.Tokens, alikes, more); len(fixes) > 0 {
				fixed := *a
				fixed.Synonyms = append(slices.Clone(a.Synonyms), fixes...)
				for _, w := range fixes {
					v.Freq[w] = more.Freq[w]
				}
				a = &fixed
			}
		}
	}
	legs := Plan(a, vec, DenseWeight(name), v, q.DenseOnly)
	cctx, cs := span(ctx, "search.candidates", attribute.Int("legs", len(legs)))
	found, err := ix.Candidates(cctx, legs, f)
	legEvents(cs, legs, found)
	cs.End()
	if err != nil {
		return nil, err
	}
	fused := Fuse(legs, found)
	refs := make([]DocRef, 0, len(fused.Scores))
	for r := range fused.Scores {
		refs = append(refs, r)
	}
	byScore := func(a, b DocRef) int {
		if c := cmp.Compare(fused.Scores[b], fused.Scores[a]); c != 0 {
			return c
		}
		return a.Compare(b)
	}
	// Only the best candidates are loaded: enough to fill k after hidden documents
	// are dropped and cancelled ones move down.
	slices.SortFunc(refs, byScore)
	refs = refs[:min(len(refs), 3*k+10)]
	if len(refs) == 0 {
		return []Hit{}, nil
	}
	lctx, ls := span(ctx, "search.load", attribute.Int("documents", len(refs)))
	hits, err := ix.Load(lctx, refs, f)
	ls.End()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(hits, func(a, b Hit) int { return byScore(a.ref(), b.ref()) })
	named := make([]bool, len(hits)) // named by a leg, for DemoteCancelled
	for i := range hits {
		h := &hits[i]
		r := h.ref()
		h.Score, h.Evidence, named[i] = fused.Scores[r], fused.Evidence[r], fused.Named[r]
		h.Confidence = Confidence(h.Evidence)
	}
	WeighByDomain(a.Text, hits)
	WeighByCoverage(a.Text, hits)
	WeighByTitleMatch(a.Text, hits)
	DemoteCancelled(a.Text, hits, named)
	OrderSiblings(a.Text, hits)
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return a.ref().Compare(b.ref())
	})
	PreferStatedAspect(a.Text, hits)
	hits = Diversify(a, v, hits)
	return hits[:min(k, len(hits))], nil
}

func (h Hit) ref() DocRef { return DocRef{h.Dataset, h.Key} }

// Questions are the questions a hit is asked by: its title (a city FAQ's or a myth's
// own question) and the questions citizens ask it in their own words, when the record
// has them (corpus.Main.Asked).
func (h Hit) Questions() []string {
	return append([]string{h.Title}, h.Facets.Main().Asked...)
}

// Plan chooses the legs of a search of a (whose Text is not empty): vec is the
// question's embedding, dense the weight of the leg that searches by it, v what the
// store knows of the question's words.
func Plan(a *Analysis, vec []float32, dense float64, v Vocabulary, denseOnly bool) []Leg {
	legs := []Leg{{Kind: LegDense, Vector: vec, Evidence: EvidenceMeaning, Weight: dense, Limit: candidates}}
	if denseOnly {
		return legs
	}
	if len(a.Tokens) > 0 {
		// Ranking by ts_rank has no inverse document frequency: passages holding
		// every query token are a leg of their own, weighted double.
		if len(a.Tokens) > 1 {
			legs = append(legs, Leg{Kind: LegAllTerms, Words: distinct(a.Tokens), Evidence: EvidenceAllTerms, Weight: 2})
		}
		// Everyday and official words for the same thing, and corrected spellings of
		// drug names, join the weighted leg only.
		tokens := slices.Concat(a.Tokens, a.Synonyms)
		tokens = append(tokens, v.corrections(tokens)...)
		if l, ok := weighted(a.Text, tokens, a.Associated, v); ok {
			legs = append(legs, l)
		}
		if l, ok := associatedLeg(a, v); ok {
			legs = append(legs, l)
		}
		// Latin words that are not everyday English are, here, drug names: generic or
		// brand names that the licences carry in English.
		var names []string
		for _, t := range tokens {
			if len(t) >= 4 && IsLatin(t) && !InGlossary(t) && !describesPill(t) && !slices.Contains(names, t) {
				names = append(names, t)
			}
		}
		if len(names) > 0 {
			legs = append(legs, Leg{Kind: LegDrugWords, Words: names, Evidence: EvidenceTerms, Weight: 2})
		}
	}
	if terms := distinct(a.Appearance); len(terms) > 0 {
		// A pill described by colour and shape: drugs whose appearance holds them all.
		// A description that many passages share (「膠囊」, 「白色」 and 「圓形」 alike) is
		// left to the other legs: its candidates would be any of thousands, and
		// ordering them all costs more than the rest of the search (160 ms for
		// 「膠囊」 at 100,000 passages).
		if rarest := v.rarest(terms); rarest > 0 && rarest <= wordLimit(v) {
			legs = append(legs, Leg{Kind: LegAppearance, Words: terms, Evidence: EvidenceAppearance, Weight: 1.5})
		}
		// With a code read off it, even letters or digits alone («上面寫 YSP»): the
		// pills of that look bearing the code.
		if len(a.LooseImprints) > 0 {
			legs = append(legs, Leg{Kind: LegImprint, Words: a.LooseImprints, With: terms, Evidence: EvidenceImprint, Weight: 2})
		}
	}
	if len(a.Imprints) > 0 {
		legs = append(legs, Leg{Kind: LegImprint, Words: a.Imprints, Evidence: EvidenceImprint, Weight: 2})
	}
	legs = append(legs,
		Leg{Kind: LegKey, Text: a.Text, Evidence: EvidenceKey, Weight: 1, Flat: true, Names: true},
		Leg{Kind: LegTitle, Text: a.Text, Evidence: EvidenceTitle, Weight: 1, Flat: true})
	if len(a.Names) > 0 {
		// A medicine named inside the question, longest name first. Several licences
		// share a name: naming it does not name a cancelled one. (Matching stems, the
		// name without its dosage form, was measured and left out: stems such as
		// 「止痛藥」 are everyday words, and they lowered recall@1 on the evaluation sets.)
		legs = append(legs, Leg{Kind: LegName, Words: a.Names, Evidence: EvidenceName, Weight: 1, Flat: true})
	}
	if len(a.Serials) > 0 {
		legs = append(legs, Leg{Kind: LegSerial, Words: a.Serials, Text: a.Text, Evidence: EvidenceKey, Weight: 0.8, Flat: true, Names: true})
	}
	for i := range legs {
		legs[i].Limit = candidates
	}
	return legs
}

// weighted is the leg that scores documents like BM25 with binary term frequency: for
// each query concept a document holds, its inverse document frequency once (title
// words count twice). A concept is a token, or a synonym group counted once with the
// weight of its most common word. Tokens in too many passages are left out.
func weighted(text string, tokens []string, assoc []Associate, v Vocabulary) (Leg, bool) {
	words, concepts := LabelConcepts(text, tokens)
	stray := strayBigrams(words, concepts, v)
	total := float64(max(v.Chunks, 1))
	limit := float64(wordLimit(v))
	idf := map[string]float64{}
	var kept []int
	for i, w := range words {
		n := float64(v.Freq[w])
		if n == 0 || n > limit || stray[w] {
			continue
		}
		kept = append(kept, i)
		x := math.Log((total-n+0.5)/(n+0.5) + 1)
		if cur, ok := idf[concepts[i]]; !ok || x < cur {
			idf[concepts[i]] = x
		}
	}
	l := Leg{Kind: LegWeighted, Evidence: EvidenceTerms, Weight: 1.5}
	for _, i := range kept {
		l.Words = append(l.Words, words[i])
		l.Concepts = append(l.Concepts, concepts[i])
		l.IDF = append(l.IDF, idf[concepts[i]])
	}
	// A term the corpus associates with the question's adds a share of its own IDF,
	// as a concept of its own.
	if as := associations.Load(); as != nil && as.LegWeight == 0 {
		for _, x := range assoc {
			n := float64(v.Freq[x.Term])
			if n == 0 || n > limit || slices.Contains(l.Words, x.Term) {
				continue
			}
			l.Words = append(l.Words, x.Term)
			l.Concepts = append(l.Concepts, "~"+x.Term)
			l.IDF = append(l.IDF, as.Weight*x.Strength*math.Log((total-n+0.5)/(n+0.5)+1))
		}
	}
	return l, len(l.Words) > 0
}

// strayBigrams are the tokens of a synonym group's longer words that do not stand for
// them: a passage that holds any token of a group counts for the whole group, so a word
// of several bigrams is stood for by its rarest one alone (「全民健康保險」 by 「民健」,
// not by 「保險」, which any insurance holds). A word some bigram of which no passage
// holds is in none of them, and all its bigrams are stray. A token that is also the
// rarest of another word of the group, or a word of one bigram, is kept.
func strayBigrams(words, concepts []string, v Vocabulary) map[string]bool {
	syn := synonyms.Load()
	stray, keep := map[string]bool{}, map[string]bool{}
	for i, label := range concepts {
		if label == words[i] && !slices.Contains(syn.index[label], label) {
			continue
		}
		if i > 0 && slices.Contains(concepts[:i], label) {
			continue
		}
		for _, gw := range syn.index[label] {
			toks := distinct(Tokens(gw))
			if len(toks) < 2 {
				keep[gw] = true
				continue
			}
			rarest, n := "", math.MaxInt
			for _, t := range toks {
				f := v.Freq[t]
				if f == 0 {
					rarest = ""
					break
				}
				if f < n {
					rarest, n = t, f
				}
			}
			for _, t := range toks {
				if t == rarest {
					keep[t] = true
				} else {
					stray[t] = true
				}
			}
		}
	}
	for t := range keep {
		delete(stray, t)
	}
	return stray
}

// corrections picks, for each Latin word of tokens that no passage holds
// ("ibuprofin"), the nearest stored word within two edits ("ibuprofen"), the commonest
// of equals, then the first bytewise; it records the frequency of what it picks.
func (v Vocabulary) corrections(tokens []string) []string {
	var out []string
	for _, w := range tokens {
		near, ok := v.Near[w]
		if !ok || v.Freq[w] > 0 {
			continue
		}
		best, bestDist, bestN := "", 3, 0
		for _, c := range near {
			d := EditDistance(w, c.Word, 2)
			if d > 2 {
				continue
			}
			if d < bestDist || d == bestDist && (c.Freq > bestN || c.Freq == bestN && c.Word < best) {
				best, bestDist, bestN = c.Word, d, c.Freq
			}
		}
		if best != "" && !slices.Contains(out, best) {
			out = append(out, best)
			if v.Freq != nil {
				v.Freq[best] = bestN
			}
		}
	}
	return out
}

// wordLimit is the most passages a word may be in and still count (maxDocShare).
func wordLimit(v Vocabulary) int {
	return int(math.Min(maxWordChunks, math.Max(minWordChunks, maxDocShare*float64(max(v.Chunks, 1)))))
}

// rarest is the fewest passages that one of words is in; 0 when one is in none.
func (v Vocabulary) rarest(words []string) int {
	n := math.MaxInt
	for _, w := range words {
		n = min(n, v.Freq[w])
	}
	return n
}

// describesPill reports whether a word is a colour or shape ("white", "round").
func describesPill(word string) bool {
	colors, shapes := AppearanceTerms(word)
	return len(colors)+len(shapes) > 0
}

// distinct returns words without repeats, in their order.
func distinct(words []string) []string {
	var out []string
	for _, w := range words {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// associatedLeg is a weighted leg of the terms the corpus associates with the
// question's (Associations.LegWeight), each weighed by its IDF and strength.
func associatedLeg(a *Analysis, v Vocabulary) (Leg, bool) {
	as := associations.Load()
	if as == nil || as.LegWeight == 0 {
		return Leg{}, false
	}
	total := float64(max(v.Chunks, 1))
	limit := float64(wordLimit(v))
	l := Leg{Kind: LegWeighted, Evidence: EvidenceTerms, Weight: as.LegWeight, Widens: as.Widens}
	for _, x := range a.Associated {
		n := float64(v.Freq[x.Term])
		if n == 0 || n > limit || slices.Contains(l.Words, x.Term) {
			continue
		}
		l.Words = append(l.Words, x.Term)
		l.Concepts = append(l.Concepts, x.Term)
		l.IDF = append(l.IDF, x.Strength*math.Log((total-n+0.5)/(n+0.5)+1))
	}
	return l, len(l.Words) > 0
}
