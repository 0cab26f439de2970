// Package retrieval finds the documents that answer a question.
package retrieval

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/civicbot/civicbot/corpus"
)

// ErrNotFound is returned when a document does not exist.
var ErrNotFound = errors.New("retrieval: not found")

// MaxQueryRunes caps the length of a query; longer queries are cut, not refused.
const MaxQueryRunes = 512

// Query is a search request.
type Query struct {
	Text     string
	K        int      // number of documents wanted; 0 means DefaultK
	Datasets []string // only these datasets; empty means all
	// Statuses admitted; empty means active and cancelled (cancelled ranks lower).
	Statuses []string
	// DenseOnly searches by embedding alone: the baseline the hybrid search is measured against.
	DenseOnly bool
	// Analysis, when set, is Text already analysed (Analyze), and Text is not read.
	Analysis *Analysis
}

// DefaultK is the number of documents a search returns when Query.K is 0.
const DefaultK = 5

// Hit is one document found, best first.
type Hit struct {
	Dataset  string    `json:"dataset"`
	Key      string    `json:"key"`
	Title    string    `json:"title"`
	URL      string    `json:"url"`
	Score    float64   `json:"score"`
	Status   string    `json:"status"`
	Snapshot time.Time `json:"snapshot"`
	Snippet  string    `json:"snippet,omitempty"`
	// Body is the document's whole text; only Getter.Get fills it.
	Body string `json:"-"`
	// Evidence lists how the document was found (EvidenceKey, ...), and Confidence
	// grades that evidence from 0 to 1 (see Confidence).
	Evidence   []string      `json:"evidence,omitempty"`
	Confidence float64       `json:"confidence"`
	Facets     corpus.Facets `json:"facets,omitempty"`
}

// Kinds of evidence a search finds a document by, strongest first.
const (
	EvidenceKey        = "key"        // its key or licence number is in the query
	EvidenceTitle      = "title"      // the query is its title
	EvidenceName       = "name"       // the query names the medicine (「固胃必朗錠是治什麼的」)
	EvidenceImprint    = "imprint"    // an imprint code of the query is on the pill
	EvidenceAppearance = "appearance" // the pill has the colour and shape the query describes
	EvidenceAllTerms   = "all_terms"  // one passage holds every term of the query
	EvidenceTerms      = "terms"      // passages hold rare terms of the query
	EvidenceMeaning    = "meaning"    // a passage is near the query's embedding
)

// Confidence grades evidence, so that an answer can say "no good source" rather than
// answer from noise: 1 for a named key or exact title, 0.9 for an imprint, 0.8 when a
// passage holds every query term (a named medicine counts as its title), 0.6 for a matching pill appearance, 0.5 when terms and meaning agree, 0.3 for either alone.
func Confidence(evidence []string) float64 {
	has := func(e string) bool {
		for _, x := range evidence {
			if x == e {
				return true
			}
		}
		return false
	}
	switch {
	case has(EvidenceKey), has(EvidenceTitle), has(EvidenceName):
		return 1
	case has(EvidenceImprint):
		return 0.9
	case has(EvidenceAllTerms):
		return 0.8
	case has(EvidenceAppearance):
		return 0.6
	case has(EvidenceTerms) && has(EvidenceMeaning):
		return 0.5
	case has(EvidenceTerms), has(EvidenceMeaning):
		return 0.3
	}
	return 0
}

// Searcher finds documents.
type Searcher interface {
	Search(ctx context.Context, q Query) ([]Hit, error)
}

// Getter returns one document by its dataset and key, with its body; ErrNotFound when
// there is none (or it is suppressed). Get searches for nothing, so the hit it returns
// has no Evidence, a Confidence of 0 and a Score of 0: a caller that answers from a
// document it found another way sets what it knows of it.
type Getter interface {
	Get(ctx context.Context, dataset, key string) (Hit, error)
}

// RRFK is the constant of the reciprocal rank fusion of both stores: a leg's document
// at rank r scores weight/(RRFK+r). 20 rather than the customary 60: the keyword legs
// here are precise, and their first places should count (measured on the evaluation
// sets: recall@1 0.752 at 60, 0.778 at 20).
const RRFK = 20

// DenseWeight is the weight of the nearest-by-embedding leg for an embedder: half for
// the offline hashed n-gram embedder, whose neighbours share characters more than
// meaning (alone it finds 12-25% of the evaluation answers); full for a real model.
func DenseWeight(embedder string) float64 {
	if strings.HasPrefix(embedder, "hash-") {
		return 0.5
	}
	return 1
}
