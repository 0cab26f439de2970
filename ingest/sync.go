package ingest

import "errors"

// SyncOptions tune how a store takes in a run's batches (Sync of retrieval/pgstore
// and retrieval/memstore).
type SyncOptions struct {
	// AllowShrink lets a source lose more than MaxShrink of its records in one run.
	// Without it such a run fails: an export cut short at a row boundary parses cleanly.
	AllowShrink bool
	// Progress, if set, is told how many chunks have been embedded.
	Progress func(stage string, done, total int)
}

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
