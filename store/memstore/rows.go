package memstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// The values kept in the file. Rows are JSON, so that the file can be read with any
// bbolt tool; chunks, the bulk of the file, are binary.

// sourceRow is one official export kept in full (tfda-36, taipei-faq, ...).
type sourceRow struct {
	Format   string    `json:"format"`
	Snapshot time.Time `json:"snapshot,omitzero"` // a date
	Files    []string  `json:"files"`
	// Digest is the hash of the files' bytes at the last successful run.
	Digest    string    `json:"digest"`
	Records   int       `json:"records"`
	UpdatedAt time.Time `json:"updated_at"`
}

// recordRow is what one source says about one document. Its hash is kept before the
// JSON (see encodeRecord): a sync compares the hashes of every record of a source and
// decodes only the records it composes.
type recordRow struct {
	Title  string          `json:"title,omitempty"`
	URL    string          `json:"url,omitempty"`
	Body   string          `json:"body,omitempty"`
	Fields json.RawMessage `json:"fields,omitempty"`
	Status string          `json:"status,omitempty"`
	Date   time.Time       `json:"date,omitzero"`
}

func encodeRecord(hash string, r recordRow) ([]byte, error) {
	if len(hash) > 255 {
		return nil, fmt.Errorf("record hash of %d bytes", len(hash))
	}
	b := append([]byte{byte(len(hash))}, hash...)
	j, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// recordHash returns the hash of an encoded record without decoding the rest.
func recordHash(v []byte) string {
	if len(v) == 0 || len(v) < 1+int(v[0]) {
		return ""
	}
	return string(v[1 : 1+int(v[0])])
}

func decodeRecord(v []byte) (recordRow, error) {
	var r recordRow
	if len(v) == 0 || len(v) < 1+int(v[0]) {
		return r, errors.New("short record")
	}
	err := json.Unmarshal(v[1+int(v[0]):], &r)
	return r, err
}

// docRow is a document composed from every source's records. Its body is kept apart
// (bucketBodies): search needs everything else in memory, and the body only for Get.
// It is encoded in binary (encodeDoc): Open reads every document.
type docRow struct {
	ID        uint64
	Title     string
	URL       string
	Facets    []byte // JSON
	Hash      string
	Snapshot  time.Time // a date
	Status    string
	UpdatedAt time.Time
	// Chunks are the ids of the document's chunks, in order.
	Chunks []uint64
}

// docFormat is the version of encodeDoc's layout, its first byte.
const docFormat = 1

// encodeDoc encodes a document as its format, id, strings (uvarint length, bytes),
// snapshot and update times (microseconds, 0 for none) and chunk ids.
func encodeDoc(r docRow) []byte {
	b := make([]byte, 0, 64+len(r.Title)+len(r.URL)+len(r.Facets)+len(r.Hash)+8*len(r.Chunks))
	b = append(b, docFormat)
	b = binary.AppendUvarint(b, r.ID)
	for _, s := range []string{r.Title, r.URL, string(r.Facets), r.Hash, r.Status} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, micros(r.Snapshot))
	b = binary.AppendVarint(b, micros(r.UpdatedAt))
	b = binary.AppendUvarint(b, uint64(len(r.Chunks)))
	for _, c := range r.Chunks {
		b = binary.AppendUvarint(b, c)
	}
	return b
}

func decodeDoc(v []byte) (docRow, error) {
	var r docRow
	if len(v) == 0 || v[0] != docFormat {
		return r, errors.New("corrupt document: unknown format")
	}
	d := decoder{b: v[1:]}
	r.ID = d.uvarint()
	var facets string
	for _, s := range []*string{&r.Title, &r.URL, &facets, &r.Hash, &r.Status} {
		*s = d.string()
	}
	r.Facets = []byte(facets)
	r.Snapshot = fromMicros(d.varint())
	r.UpdatedAt = fromMicros(d.varint())
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return r, errors.New("corrupt document: chunk count")
	}
	r.Chunks = make([]uint64, n)
	for i := range r.Chunks {
		r.Chunks[i] = d.uvarint()
	}
	if d.err != nil {
		return r, fmt.Errorf("corrupt document: %w", d.err)
	}
	return r, nil
}

// micros is t in microseconds since 1970 (UTC), 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(m int64) time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMicro(m).UTC()
}

// decoder reads what encodeDoc wrote; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("short")
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errors.New("short")
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errors.New("short string")
		d.b = nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// chunk is a passage of a document with its embedding and keyword vector, encoded as
// document id (8 bytes), ord (4), dimension (4), the vector (4 bytes a float32,
// little-endian), the text (uvarint length, bytes), then the keyword vector
// (encodeTSV), kept so that Open need not tokenise every chunk again.
type chunk struct {
	doc  uint64
	ord  int
	vec  []float32
	text string
	tsv  []byte
}

func encodeChunk(c chunk) []byte {
	b := make([]byte, 0, 16+4*len(c.vec)+binary.MaxVarintLen32+len(c.text)+len(c.tsv))
	b = binary.BigEndian.AppendUint64(b, c.doc)
	b = binary.BigEndian.AppendUint32(b, uint32(c.ord))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.vec)))
	for _, x := range c.vec {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	b = binary.AppendUvarint(b, uint64(len(c.text)))
	b = append(b, c.text...)
	return append(b, c.tsv...)
}

// chunkView is an encoded chunk's parts, pointing into the encoding.
type chunkView struct {
	doc       uint64
	ord       int
	vec       []byte // dim × 4 bytes
	text, tsv []byte
}

func viewChunk(v []byte) (chunkView, error) {
	if len(v) < 16 {
		return chunkView{}, errors.New("short chunk")
	}
	c := chunkView{doc: binary.BigEndian.Uint64(v), ord: int(binary.BigEndian.Uint32(v[8:]))}
	dim := int(binary.BigEndian.Uint32(v[12:]))
	if len(v) < 16+4*dim {
		return chunkView{}, errors.New("short chunk vector")
	}
	c.vec, v = v[16:16+4*dim], v[16+4*dim:]
	n, w := binary.Uvarint(v)
	if w <= 0 || n > uint64(len(v)-w) {
		return chunkView{}, errors.New("short chunk text")
	}
	c.text, c.tsv = v[w:w+int(n)], v[w+int(n):]
	return c, nil
}

// decodeVec decodes an encoded vector into dst, which has its dimension.
func decodeVec(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// decodeChunk decodes a chunk, copying what it points to.
func decodeChunk(v []byte) (chunk, error) {
	cv, err := viewChunk(v)
	if err != nil {
		return chunk{}, err
	}
	c := chunk{doc: cv.doc, ord: cv.ord, vec: make([]float32, len(cv.vec)/4), text: string(cv.text), tsv: bytes.Clone(cv.tsv)}
	decodeVec(c.vec, cv.vec)
	return c, nil
}

// encodeTSV encodes a keyword vector: the number of words, then each word (uvarint
// length, bytes) with its positions (uvarint count, 2 bytes each, little-endian).
func encodeTSV(t tsv) []byte {
	b := make([]byte, 0, 8*len(t.words)+2*len(t.pos))
	b = binary.AppendUvarint(b, uint64(len(t.words)))
	for i, w := range t.words {
		b = binary.AppendUvarint(b, uint64(len(w)))
		b = append(b, w...)
		ps := t.positions(i)
		b = binary.AppendUvarint(b, uint64(len(ps)))
		for _, p := range ps {
			b = binary.LittleEndian.AppendUint16(b, p)
		}
	}
	return b
}

// eachWord calls fn with each word of an encoded keyword vector and its positions
// (2 bytes each); both point into b.
func eachWord(b []byte, fn func(word, pos []byte)) error {
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return errors.New("corrupt keyword vector")
	}
	b = b[w:]
	for range n {
		l, w := binary.Uvarint(b)
		if w <= 0 || l > uint64(len(b)-w) {
			return errors.New("corrupt keyword vector")
		}
		word := b[w : w+int(l)]
		b = b[w+int(l):]
		np, w := binary.Uvarint(b)
		if w <= 0 || 2*np > uint64(len(b)-w) {
			return errors.New("corrupt keyword vector")
		}
		fn(word, b[w:w+2*int(np)])
		b = b[w+2*int(np):]
	}
	return nil
}
