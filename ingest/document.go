package ingest

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/tmc/langchaingo/textsplitter"
)

// Document is what citizens' questions are answered from: every record of every source
// about one (Dataset, Key), composed.
type Document struct {
	Dataset  string
	Key      string
	Title    string
	URL      string
	Body     string
	Facets   map[string]map[string]any // facet name → its fields
	Status   corpus.Status
	Snapshot time.Time
	// Hash identifies the content (everything but Snapshot): an unchanged hash means the
	// document need not be chunked and embedded again.
	Hash string
}

// Compose builds the document that records (all of one Dataset and Key, from any
// sources) describe. Facets earlier in facetOrder win when records disagree on the
// title, URL or status.
func Compose(records []Record) Document {
	rs := slices.Clone(records)
	slices.SortStableFunc(rs, func(a, b Record) int {
		return cmp.Compare(facetRank(a.Facet), facetRank(b.Facet))
	})
	var d Document
	var body strings.Builder
	for _, r := range rs {
		d.Dataset, d.Key = r.Dataset, r.Key
		if d.Title == "" {
			d.Title = r.Title
		}
		if d.URL == "" {
			d.URL = r.URL
		}
		if d.Status == "" {
			d.Status = r.Status
		}
		if r.Snapshot.After(d.Snapshot) {
			d.Snapshot = r.Snapshot
		}
		if t := strings.TrimSpace(r.Text); t != "" {
			if body.Len() > 0 {
				body.WriteByte('\n')
			}
			body.WriteString(t)
		}
		if len(r.Fields) > 0 {
			if d.Facets == nil {
				d.Facets = make(map[string]map[string]any, len(rs))
			}
			d.Facets[cmp.Or(r.Facet, corpus.FacetMain)] = r.Fields
		}
	}
	if d.Status == "" {
		d.Status = corpus.StatusActive
	}
	d.Body = body.String()
	d.Hash = d.contentHash()
	return d
}

func facetRank(f string) int {
	if i := slices.Index(facetOrder, cmp.Or(f, corpus.FacetMain)); i >= 0 {
		return i
	}
	return len(facetOrder)
}

func (d *Document) contentHash() string {
	h := sha256.New()
	for _, s := range []string{d.Dataset, d.Key, d.Title, d.URL, string(d.Status), d.Body} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	// encoding/json sorts map keys, so the facets hash the same whatever their order.
	_ = json.NewEncoder(h).Encode(d.Facets)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// RecordHash identifies a record's content, for telling which records of a source changed.
// The line number and snapshot are not content.
func RecordHash(r Record) string {
	h := sha256.New()
	for _, s := range []string{r.Dataset, r.Key, r.Facet, r.Title, r.URL, string(r.Status), r.Text, r.Date.UTC().Format(time.RFC3339)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	_ = json.NewEncoder(h).Encode(r.Fields)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Chunk is a passage of a document, the unit that is embedded and searched.
type Chunk struct {
	Ord  int
	Text string
}

// Chunking sizes, in runes. Drug records fit in one chunk; long FAQ answers and
// articles are split on paragraph and sentence boundaries.
const (
	ChunkSize    = 600
	ChunkOverlap = 80
)

var splitter = textsplitter.NewRecursiveCharacter(
	textsplitter.WithChunkSize(ChunkSize),
	textsplitter.WithChunkOverlap(ChunkOverlap),
	textsplitter.WithSeparators([]string{"\n\n", "\n", "。", "！", "？", "；", "，", " ", ""}),
	textsplitter.WithKeepSeparator(true),
	textsplitter.WithLenFunc(utf8.RuneCountInString),
)

// Chunks splits a document's body into passages. A document always has at least one
// chunk (its title, when the body is empty).
func Chunks(d Document) []Chunk {
	body := strings.TrimSpace(d.Body)
	var parts []string
	if utf8.RuneCountInString(body) <= ChunkSize {
		parts = []string{body}
	} else if ps, err := splitter.SplitText(body); err == nil {
		parts = ps
	} else {
		parts = []string{body}
	}
	out := make([]Chunk, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, Chunk{Ord: len(out), Text: p})
		}
	}
	if len(out) == 0 {
		out = append(out, Chunk{Text: d.Title})
	}
	return out
}

// EmbedText is what is embedded for a chunk: the title gives every passage its context.
func EmbedText(d Document, c Chunk) string {
	if c.Ord == 0 && strings.HasPrefix(c.Text, d.Title) {
		return c.Text
	}
	return d.Title + "\n" + c.Text
}
