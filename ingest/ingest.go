// Package ingest turns official open-data exports into the documents civicbot answers from.
//
// Readers (in subpackages such as ingest/tfda and ingest/taipei) parse one export into
// Records: what one source says about one document. The store keeps the records of every
// source and composes them into Documents, so that a drug licence from dataset 36 and its
// pill appearance from dataset 42 become one document with two facets.
package ingest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/civicbot/civicbot/corpus"
)

// facetOrder ranks facets when they disagree on a title, URL or status, and orders
// their text in the composed body.
var facetOrder = []string{corpus.FacetMain, corpus.FacetLicence, corpus.FacetIngredients, corpus.FacetATC, corpus.FacetAppearance, corpus.FacetInsert}

// Record is what one source says about one document: a whole document for a FAQ, or one
// facet (licence, appearance, ...) of a drug. Readers emit at most one Record per
// (Dataset, Key, Facet): rows repeated in an export are merged by the reader.
type Record struct {
	Dataset string
	Key     string // natural key, exactly as in the data (許可證字號, 標題, data_id, ...)
	Facet   string
	Title   string
	URL     string
	// Text is the searchable text this record contributes to the document, as
	// labelled lines ("適應症：...") so that it reads well when quoted.
	Text string
	// Fields is the record's structured data, stored as the document's facet.
	// Values must marshal to JSON.
	Fields map[string]any
	// Status is "" when the record has no opinion.
	Status corpus.Status
	// Date is the record's own date (publication, change), zero if it has none.
	Date time.Time
	// Line is the line (CSV) or record number (JSON, XML) the record started at.
	Line int
	// Snapshot is the date of the export the record came from; set by the Loader.
	Snapshot time.Time
}

// Emit receives what a reader parses.
type Emit struct {
	Record func(Record) error
	// Reject reports a malformed record that is skipped; line is the line or record number.
	Reject func(line int, reason string)
	// Again, when set, opens the same stream again from its start, for a reader that
	// would otherwise hold the whole export (a first pass learns what a second needs).
	// It is set when a streamed batch is read; close the stream after use.
	Again func() (io.ReadCloser, error)
}

// Format reads one kind of export.
type Format struct {
	Name string // e.g. "tfda-licences", shown in messages
	// Detect reports whether a file (base name and first bytes, after any BOM) is of this
	// format, and the source name its records are kept under (e.g. "tfda-36").
	Detect func(name string, head []byte) (source string, ok bool)
	// Read parses a stream. A returned error means the file is unreadable and the run
	// must fail; malformed records go to emit.Reject instead.
	Read func(ctx context.Context, r io.Reader, emit Emit) error
	// ReadFS, if set, reads a whole directory instead (agency pages).
	ReadFS func(ctx context.Context, fsys fs.FS, emit Emit) error
}

// Reject is a skipped record, reported with where it was.
type Reject struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (r Reject) String() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason) }
