package memstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	bolt "go.etcd.io/bbolt"
)

// index is what search reads, all in memory: the documents' metadata, every chunk's
// embedding, a positional inverted index of the keyword tokens, and lookups by key,
// title, drug name and licence serial. An index is never changed once published: a
// sync derives a new one (apply) and swaps it in, so readers need no locks.
//
// Documents and chunks are numbered by slots, positions in the slices below. Chunk
// slots follow the chunks' ids in the file; no order of search depends on them.
// A removed chunk keeps its slot, marked dead, until the index is next rebuilt.
type index struct {
	dim   int
	docs  []*doc // by slot; nil when removed
	slots map[docKey]int32

	chunkDoc   []int32   // chunk slot → document slot; -1 when dead
	chunkRunes []int32   // chunk slot → length of its text in characters
	vecs       []float32 // chunk slot × dim: unit vectors (zero for an empty one)
	lex        map[string]*postings

	liveDocs, liveChunks, deadChunks int

	// Document slots by key, title, licence core name and licence serial.
	byKey, byTitle, byName, bySerial map[string][]int32
	// spell lists the stored words by their first two letters, for spelling correction.
	spell map[string][]string
}

type docKey struct{ dataset, key string }

// doc is a document as search shows it, without its body.
type doc struct {
	id                   uint64 // its id in the file
	dataset, key, title  string
	url, status, snippet string
	hash                 string
	snapshot             time.Time
	facets               []byte // JSON
	chunks               []int32
	// Derived for the search legs.
	name       string // retrieval.LicenceCoreName(title), for drugs
	serial     string // retrieval.LicenceKeySerial(key), for drugs
	keyPrefix  string // retrieval.LicenceKeyPrefix(key), for drugs
	titleRunes int
}

// newDoc makes the document search shows from its row and the start of its body.
func newDoc(dataset, key string, row docRow, snippet string) *doc {
	d := &doc{id: row.ID, dataset: dataset, key: key, title: row.Title, url: row.URL, status: row.Status,
		snippet: snippet, hash: row.Hash, snapshot: row.Snapshot, facets: row.Facets,
		titleRunes: utf8.RuneCountInString(row.Title)}
	if dataset == corpus.DatasetDrug {
		d.name = retrieval.LicenceCoreName(row.Title)
		d.serial = retrieval.LicenceKeySerial(key)
		d.keyPrefix = retrieval.LicenceKeyPrefix(key)
	}
	return d
}

// postings are the chunks that hold a word, in slot order, with the word's positions
// in each (weight<<14 | position, as in a tsvector).
type postings struct {
	chunks []int32
	offs   []uint32 // chunk i's positions are pos[offs[i]:offs[i+1]]
	pos    []uint16
}

func (p *postings) positions(i int) []uint16 { return p.pos[p.offs[i]:p.offs[i+1]] }

// find returns the index of slot in p.chunks, or -1.
func (p *postings) find(slot int32) int {
	i, ok := slices.BinarySearch(p.chunks, slot)
	if !ok {
		return -1
	}
	return i
}

func (p *postings) clone(extra int) *postings {
	np := &postings{
		chunks: make([]int32, len(p.chunks), len(p.chunks)+extra),
		offs:   make([]uint32, len(p.offs), len(p.offs)+extra),
		pos:    make([]uint16, len(p.pos), len(p.pos)+2*extra),
	}
	copy(np.chunks, p.chunks)
	copy(np.offs, p.offs)
	copy(np.pos, p.pos)
	return np
}

// Limits of PostgreSQL's tsvector, which pgstore's tsvector respects.
const (
	maxLexemePos       = 16383
	maxPositionsPerLex = 256
	posMask            = 1<<14 - 1
	weightA            = 3 // tsvector weights: A=3 (title) ... D=0 (body)
	weightD            = 0
)

// tsv is a chunk's keyword vector: its distinct words, each with its positions
// pos[offs[i]:offs[i+1]] (weight<<14 | position).
type tsv struct {
	words []string
	offs  []uint32
	pos   []uint16
}

func (t *tsv) positions(i int) []uint16 { return t.pos[t.offs[i]:t.offs[i+1]] }

// tsvector makes a chunk's keyword vector exactly as pgstore stores it: title tokens
// weighted A, then body tokens weighted D, positions counted from 1 up to 16383, at
// most 256 positions a word.
func tsvector(title, body string) tsv {
	type occurrence struct {
		word int32
		pos  uint16
	}
	idx := make(map[string]int32, 64)
	var t tsv
	var occ []occurrence
	pos := 0
	add := func(s string, weight uint16) {
		for s != "" {
			tok := s
			if i := strings.IndexByte(s, ' '); i >= 0 {
				tok, s = s[:i], s[i+1:]
			} else {
				s = ""
			}
			pos = min(pos+1, maxLexemePos)
			w, ok := idx[tok]
			if !ok {
				w = int32(len(t.words))
				idx[tok] = w
				t.words = append(t.words, tok)
			}
			occ = append(occ, occurrence{w, weight<<14 | uint16(pos)})
		}
	}
	add(retrieval.TokenString(title), weightA)
	add(retrieval.TokenString(body), weightD)
	// Group the positions by word, in the order they occur.
	count := make([]uint32, len(t.words)+1)
	for _, o := range occ {
		count[o.word+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	all := make([]uint16, len(occ))
	fill := slices.Clone(count[:len(t.words)])
	for _, o := range occ {
		all[fill[o.word]] = o.pos
		fill[o.word]++
	}
	t.offs = make([]uint32, 1, len(t.words)+1)
	t.pos = all[:0]
	for w := range t.words {
		ps := all[count[w]:count[w+1]]
		start := len(t.pos)
		for _, p := range ps {
			if n := len(t.pos) - start; n < maxPositionsPerLex && (n == 0 || t.pos[len(t.pos)-1]&posMask != p&posMask) {
				t.pos = append(t.pos, p)
			}
		}
		t.offs = append(t.offs, uint32(len(t.pos)))
	}
	return t
}

// newChunk is a chunk to add to the index.
type newChunk struct {
	runes int32
	vec   []float32 // unit length
	tsv   tsv
	enc   []byte // tsv encoded, to store
}

// prepareChunk makes what the index needs of a chunk of a document titled title.
func prepareChunk(title, text string, vec []float32) newChunk {
	t := tsvector(title, text)
	return newChunk{runes: int32(utf8.RuneCountInString(text)), vec: unit(vec), tsv: t, enc: encodeTSV(t)}
}

// unit returns v scaled to unit length (a copy), or zeros when v is zero.
func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return out
	}
	inv := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// docChange is one document's change for apply.
type docChange struct {
	key docKey
	// doc is the new version; nil removes the document.
	doc *doc
	// chunks replace the document's chunks; with keepChunks the old ones stay (a
	// change of snapshot or status only).
	chunks     []newChunk
	keepChunks bool
}

func emptyIndex(dim int) *index {
	return &index{dim: dim, slots: map[docKey]int32{}, lex: map[string]*postings{},
		byKey: map[string][]int32{}, byTitle: map[string][]int32{}, byName: map[string][]int32{}, bySerial: map[string][]int32{},
		spell: map[string][]string{}}
}

// apply returns a new index with the changes made; ix is unchanged. Slices and
// postings that do not change are shared; the chunk arrays are only appended to,
// beyond what ix reads.
func (ix *index) apply(changes []docChange) *index {
	nx := *ix
	nx.docs = slices.Clone(ix.docs)
	nx.slots = maps.Clone(ix.slots)
	nx.chunkDoc = slices.Clone(ix.chunkDoc)
	nx.lex = maps.Clone(ix.lex)
	nx.byKey, nx.byTitle, nx.byName, nx.bySerial = maps.Clone(ix.byKey), maps.Clone(ix.byTitle), maps.Clone(ix.byName), maps.Clone(ix.bySerial)
	type added struct {
		slot int32
		tsv  *tsv
	}
	var adds []added
	died := false
	for _, c := range changes {
		slot, had := nx.slots[c.key]
		var old *doc
		if had {
			old = nx.docs[slot]
			nx.unindexDoc(slot, old)
			if !c.keepChunks || c.doc == nil {
				for _, cs := range old.chunks {
					nx.chunkDoc[cs] = -1
				}
				nx.liveChunks -= len(old.chunks)
				nx.deadChunks += len(old.chunks)
				died = died || len(old.chunks) > 0
			}
		}
		if c.doc == nil {
			if had {
				nx.docs[slot] = nil
				delete(nx.slots, c.key)
				nx.liveDocs--
			}
			continue
		}
		if !had {
			slot = int32(len(nx.docs))
			nx.docs = append(nx.docs, nil)
			nx.slots[c.key] = slot
			nx.liveDocs++
		}
		d := c.doc
		if c.keepChunks && old != nil {
			// The body is unchanged too.
			d.chunks, d.snippet = old.chunks, old.snippet
		} else {
			d.chunks = make([]int32, len(c.chunks))
			for i := range c.chunks {
				d.chunks[i] = nx.appendChunk(slot, c.chunks[i])
				adds = append(adds, added{d.chunks[i], &c.chunks[i].tsv})
			}
		}
		nx.docs[slot] = d
		nx.indexDoc(slot, d)
	}
	// Postings are never changed in place, since the old index may be reading them:
	// those that lose dead chunks or gain new ones are copied once, to their new size.
	owned := map[*postings]bool{}
	if died {
		for w, p := range nx.lex {
			live := 0
			for _, cs := range p.chunks {
				if nx.chunkDoc[cs] >= 0 {
					live++
				}
			}
			switch {
			case live == 0:
				delete(nx.lex, w)
			case live < len(p.chunks):
				np := p.without(nx.chunkDoc, live)
				owned[np] = true
				nx.lex[w] = np
			}
		}
	}
	grow := map[string]int{}
	for _, a := range adds {
		for _, w := range a.tsv.words {
			grow[w]++
		}
	}
	lists := make(map[string]*postings, len(grow))
	for w, n := range grow {
		p := nx.lex[w]
		switch {
		case p == nil:
			p = &postings{chunks: make([]int32, 0, n), offs: make([]uint32, 1, n+1)}
			nx.lex[strings.Clone(w)] = p
		case !owned[p]:
			p = p.clone(n)
			nx.lex[w] = p
		}
		lists[w] = p
	}
	for _, a := range adds {
		for i, w := range a.tsv.words {
			lists[w].add(a.slot, a.tsv.positions(i))
		}
	}
	nx.spell = spellIndex(nx.lex)
	return &nx
}

// appendChunk appends a chunk's document, length and vector, and returns its slot.
func (ix *index) appendChunk(slot int32, ch newChunk) int32 {
	cs := int32(len(ix.chunkDoc))
	ix.chunkDoc = append(ix.chunkDoc, slot)
	ix.chunkRunes = append(ix.chunkRunes, ch.runes)
	if len(ch.vec) != ix.dim {
		ch.vec = make([]float32, ix.dim) // cannot happen: dimensions are checked before
	}
	ix.vecs = append(ix.vecs, ch.vec...)
	ix.liveChunks++
	return cs
}

func (p *postings) add(cs int32, pos []uint16) {
	p.chunks = append(p.chunks, cs)
	p.pos = append(p.pos, pos...)
	p.offs = append(p.offs, uint32(len(p.pos)))
}

// without returns p without the chunks that chunkDoc marks dead; live is how many remain.
func (p *postings) without(chunkDoc []int32, live int) *postings {
	np := &postings{chunks: make([]int32, 0, live), offs: make([]uint32, 1, live+1)}
	for i, cs := range p.chunks {
		if chunkDoc[cs] < 0 {
			continue
		}
		np.chunks = append(np.chunks, cs)
		np.pos = append(np.pos, p.positions(i)...)
		np.offs = append(np.offs, uint32(len(np.pos)))
	}
	return np
}

func (ix *index) indexDoc(slot int32, d *doc) {
	add := func(m map[string][]int32, k string) {
		if k != "" {
			m[k] = append(slices.Clip(m[k]), slot)
		}
	}
	add(ix.byKey, d.key)
	add(ix.byTitle, d.title)
	if d.dataset == corpus.DatasetDrug {
		add(ix.byName, d.name)
		add(ix.bySerial, d.serial)
	}
}

func (ix *index) unindexDoc(slot int32, d *doc) {
	del := func(m map[string][]int32, k string) {
		if k == "" {
			return
		}
		s := slices.DeleteFunc(slices.Clone(m[k]), func(x int32) bool { return x == slot })
		if len(s) == 0 {
			delete(m, k)
		} else {
			m[k] = s
		}
	}
	del(ix.byKey, d.key)
	del(ix.byTitle, d.title)
	if d.dataset == corpus.DatasetDrug {
		del(ix.byName, d.name)
		del(ix.bySerial, d.serial)
	}
}

// spellIndex lists the words that start with two Latin letters by those letters.
func spellIndex(lex map[string]*postings) map[string][]string {
	out := map[string][]string{}
	for w := range lex {
		if len(w) >= 2 && isLower(w[0]) && isLower(w[1]) {
			out[w[:2]] = append(out[w[:2]], w)
		}
	}
	return out
}

func isLower(b byte) bool { return 'a' <= b && b <= 'z' }

// tokenizer identifies what the store derives from a document's text when it writes it
// (retrieval.IndexVersion: the keyword tokeniser and the lists it reads): the keyword
// vectors stored with the chunks are remade at Open when it changed.
func tokenizer() string { return retrieval.IndexVersion() }

const metaTokenizer = "tokenizer"

// loadIndex builds the index from the file: every document, then every chunk in id
// order, with the keyword vectors stored beside them (remade, and stored again, when
// the tokeniser changed).
func (s *Store) loadIndex() (*index, error) {
	ix := emptyIndex(s.info.Dim)
	var rewrite map[uint64][]byte
	err := s.view(func(tx *bolt.Tx) error {
		if err := ix.loadDocs(tx); err != nil {
			return err
		}
		byID := make(map[uint64]int32, len(ix.docs))
		for slot, d := range ix.docs {
			byID[d.id] = int32(slot)
		}
		type raw struct {
			id        uint64
			slot      int32
			text, tsv []byte // point into the transaction's pages
		}
		n := 0
		for _, d := range ix.docs {
			n += cap(d.chunks)
		}
		raws := make([]raw, 0, n)
		ix.vecs = make([]float32, 0, n*ix.dim)
		ix.chunkDoc = make([]int32, 0, n)
		ix.chunkRunes = make([]int32, 0, n)
		err := tx.Bucket(bucketChunks).ForEach(func(k, v []byte) error {
			c, err := viewChunk(v)
			if err != nil {
				return fmt.Errorf("chunk %x: %w", k, err)
			}
			slot, ok := byID[c.doc]
			if !ok {
				return fmt.Errorf("chunk %x belongs to no document", k)
			}
			if len(c.vec) != 4*ix.dim {
				return fmt.Errorf("chunk %x has %d dimensions, want %d", k, len(c.vec)/4, ix.dim)
			}
			vec := make([]float32, ix.dim)
			decodeVec(vec, c.vec)
			cs := ix.appendChunk(slot, newChunk{runes: int32(utf8.RuneCount(c.text)), vec: unit(vec)})
			d := ix.docs[slot]
			d.chunks = append(d.chunks, cs)
			raws = append(raws, raw{readU64(k), slot, c.text, c.tsv})
			return nil
		})
		if err != nil {
			return err
		}
		if len(raws) > 0 && string(tx.Bucket(bucketMeta).Get([]byte(metaTokenizer))) != tokenizer() {
			rewrite = make(map[uint64][]byte, len(raws))
			fresh := make([][]byte, len(raws))
			parallel(len(raws), func(i int) {
				fresh[i] = encodeTSV(tsvector(ix.docs[raws[i].slot].title, string(raws[i].text)))
			})
			for i := range raws {
				raws[i].tsv = fresh[i]
				rewrite[raws[i].id] = fresh[i]
			}
		}
		// Two passes, so that every postings list is allocated once: number the words
		// and count, then fill.
		type word struct {
			text         string
			chunks, npos int
		}
		ids := make(map[string]int32, 16*len(raws))
		var words []word
		pairs := make([]int32, 0, 64*len(raws))
		for _, r := range raws {
			err := eachWord(r.tsv, func(w, pos []byte) {
				id, ok := ids[string(w)]
				if !ok {
					id = int32(len(words))
					words = append(words, word{text: string(w)})
					ids[words[id].text] = id
				}
				words[id].chunks++
				words[id].npos += len(pos) / 2
				pairs = append(pairs, id)
			})
			if err != nil {
				return fmt.Errorf("chunk %d: %w", r.id, err)
			}
		}
		lists := make([]postings, len(words))
		ix.lex = make(map[string]*postings, len(words))
		for id, w := range words {
			p := &lists[id]
			p.chunks = make([]int32, 0, w.chunks)
			p.offs = make([]uint32, 1, w.chunks+1)
			p.pos = make([]uint16, 0, w.npos)
			ix.lex[w.text] = p
		}
		next := 0
		for cs, r := range raws {
			_ = eachWord(r.tsv, func(_, pos []byte) {
				p := &lists[pairs[next]]
				next++
				p.chunks = append(p.chunks, int32(cs))
				for i := 0; i < len(pos); i += 2 {
					p.pos = append(p.pos, binary.LittleEndian.Uint16(pos[i:]))
				}
				p.offs = append(p.offs, uint32(len(p.pos)))
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: load: %w", err)
	}
	for slot, d := range ix.docs {
		if len(d.chunks) == 0 {
			return nil, fmt.Errorf("memstore: load: document %s/%s has no chunks", d.dataset, d.key)
		}
		ix.indexDoc(int32(slot), d)
	}
	ix.liveDocs = len(ix.docs)
	ix.spell = spellIndex(ix.lex)
	if rewrite != nil {
		if err := s.rewriteKeywords(rewrite); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// loadDocs reads every document, decoding them on all cores.
func (ix *index) loadDocs(tx *bolt.Tx) error {
	// Bodies have the documents' keys: a second cursor reads them in step, for the
	// snippets.
	var keys, vals, bodies [][]byte
	bc := tx.Bucket(bucketBodies).Cursor()
	bk, bv := bc.First()
	if err := tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
		if !bytes.Equal(k, bk) {
			return fmt.Errorf("document %x has no body", k)
		}
		keys, vals, bodies = append(keys, k), append(vals, v), append(bodies, bv)
		bk, bv = bc.Next()
		return nil
	}); err != nil {
		return err
	}
	ix.docs = make([]*doc, len(keys))
	errs := make([]error, len(keys))
	parallel(len(keys), func(i int) {
		parts, _, ok := splitKey(keys[i], 2)
		if !ok {
			errs[i] = fmt.Errorf("document key %x", keys[i])
			return
		}
		row, err := decodeDoc(vals[i])
		if err != nil {
			errs[i] = fmt.Errorf("document %s/%s: %w", parts[0], parts[1], err)
			return
		}
		ix.docs[i] = newDoc(parts[0], parts[1], row, snippetBytes(bodies[i]))
		// Room for the chunks, which loadIndex counts.
		ix.docs[i].chunks = make([]int32, 0, len(row.Chunks))
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for slot, d := range ix.docs {
		ix.slots[docKey{d.dataset, d.key}] = int32(slot)
	}
	return nil
}

// rewriteKeywords stores the keyword vectors remade by a new tokeniser.
func (s *Store) rewriteKeywords(tsvs map[uint64][]byte) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChunks)
		for id, t := range tsvs {
			c, err := decodeChunk(b.Get(u64(id)))
			if err != nil {
				return fmt.Errorf("chunk %d: %w", id, err)
			}
			c.tsv = t
			if err := b.Put(u64(id), encodeChunk(c)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte(metaTokenizer), []byte(tokenizer()))
	})
	if err != nil {
		return fmt.Errorf("memstore: store keyword vectors: %w", err)
	}
	s.log.Info("index version changed: keyword vectors remade", "chunks", len(tsvs), "index_version", tokenizer())
	return nil
}

// parallel calls fn(i) for i in [0, n) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// ref is how search names a document.
func (d *doc) ref() retrieval.DocRef { return retrieval.DocRef{Dataset: d.dataset, Key: d.key} }

// compareDocs orders documents by key, then dataset: search's tie-break
// (retrieval.DocRef.Compare).
func compareDocs(a, b *doc) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.dataset, b.dataset)
}
