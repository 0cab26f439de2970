package ingest

import (
	"errors"
	"time"

	"github.com/civicbot/civicbot/contact"
)

// SyncOptions tune how a store takes in a run's batches (Sync of store/pgstore
// and store/memstore).
type SyncOptions struct {
	// AllowShrink lets a source lose more than MaxShrink of its records in one run.
	// Without it such a run fails: an export cut short at a row boundary parses cleanly.
	AllowShrink bool
	// Progress, if set, is told how many chunks have been embedded.
	Progress func(stage string, done, total int)
	// Allow is the allow-list documents are screened with (see Screen); nil means
	// contact.Default().
	Allow *contact.List
}

// Flag is a document held out of answers (corpus.StatusFlagged), or released by staff.
type Flag struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	Title   string `json:"title"`
	// Hash is the content that was flagged (Document.Hash); a release is of it.
	Hash      string    `json:"content_hash"`
	Reason    string    `json:"reason"`
	FlaggedAt time.Time `json:"flagged_at"`
	// ReleasedAt is when staff released it; zero while it is held.
	ReleasedAt time.Time `json:"released_at,omitzero"`
}

// ErrNotFlagged is returned when releasing a document that is not held.
var ErrNotFlagged = errors.New("the document is not flagged")

// MaxShrink is the share of a source's records a run may remove without AllowShrink.
const MaxShrink = 0.5

// ErrShrink is returned when a source would lose more than MaxShrink of its records.
var ErrShrink = errors.New("export much smaller than the stored one")

// SyncStats counts what a sync did, in documents.
type SyncStats struct {
	Documents int `json:"documents"` // documents the synced sources now describe
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	Rejected  int `json:"rejected"` // records
	Chunks    int `json:"chunks"`   // chunks embedded
}
