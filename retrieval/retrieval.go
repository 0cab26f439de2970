// Package retrieval finds the documents that answer a question.
package retrieval

import (
	"context"
	"errors"
	"time"
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
}

// DefaultK is the number of documents a search returns when Query.K is 0.
const DefaultK = 5

// Hit is one document found, best first.
type Hit struct {
	Dataset  string         `json:"dataset"`
	Key      string         `json:"key"`
	Title    string         `json:"title"`
	URL      string         `json:"url"`
	Score    float64        `json:"score"`
	Status   string         `json:"status"`
	Snapshot time.Time      `json:"snapshot"`
	Snippet  string         `json:"snippet,omitempty"`
	Facets   map[string]any `json:"facets,omitempty"`
}

// Searcher finds documents.
type Searcher interface {
	Search(ctx context.Context, q Query) ([]Hit, error)
}
