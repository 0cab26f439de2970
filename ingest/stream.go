package ingest

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Streamed batches: a Loader with Stream set plans its files (formats, digests) but
// parses them only when a store's Sync asks for the records, one at a time, so that
// the records of a large export are never all held at once.

// Streamed reports whether the batch's records are read from its files when asked for
// (Each) rather than held in Records.
func (b *Batch) Streamed() bool { return b.stream != nil }

// Each calls fn with every record of the batch, in the order read. For a streamed batch
// it parses the files now: a later file's record of a (Dataset, Key, Facet) follows the
// earlier one's and replaces it; Rejects, Seen, Text and Snapshot are those of this
// reading once Each returns, and the records passed to fn carry no Snapshot (it may
// depend on the newest record's date): it is the batch's. An error from fn, an
// unreadable file or more malformed records than the error budget ends the reading.
func (b *Batch) Each(ctx context.Context, fn func(Record) error) error {
	if b.stream == nil {
		for _, r := range b.Records {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	return b.stream(ctx, fn)
}

// Collect reads a streamed batch into Records, as Load without Stream would have (a
// later file's record of a key replacing an earlier one's, every record dated with the
// batch's snapshot). It does nothing to a batch whose records are held.
func (b *Batch) Collect(ctx context.Context) error {
	if b.stream == nil {
		return nil
	}
	var recs []Record
	// Readers emit a key once a file: only several files can repeat one.
	var idx map[[3]string]int
	if len(b.Files) > 1 {
		idx = map[[3]string]int{}
	}
	err := b.Each(ctx, func(r Record) error {
		if idx == nil {
			recs = append(recs, r)
			return nil
		}
		k := [3]string{r.Dataset, r.Key, r.Facet}
		if i, ok := idx[k]; ok {
			recs[i] = r
			return nil
		}
		idx[k] = len(recs)
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range recs {
		recs[i].Snapshot = b.Snapshot
	}
	b.Records, b.stream = recs, nil
	return nil
}

// streamUnits makes the reading of a streamed batch: its units one after another,
// each record repaired and checked as Load does, the snapshot and error budget settled
// at the end.
func (l *Loader) streamUnits(b *Batch, units []*unit) func(ctx context.Context, fn func(Record) error) error {
	return func(ctx context.Context, fn func(Record) error) error {
		b.Rejects, b.Seen, b.Text, b.Snapshot = nil, 0, TextRepair{}, time.Time{}
		valid := 0
		for _, u := range units {
			var newest time.Time
			emit := Emit{
				Record: func(r Record) error {
					b.Seen++
					if strings.TrimSpace(r.Key) == "" {
						b.Rejects = append(b.Rejects, Reject{File: u.name, Line: r.Line, Reason: "empty key"})
						return nil
					}
					b.Text.Add(repairRecord(&r))
					if r.Date.After(newest) && r.Date.Before(time.Now().Add(24*time.Hour)) {
						newest = r.Date
					}
					valid++
					return fn(r)
				},
				Reject: func(line int, reason string) {
					b.Seen++
					b.Rejects = append(b.Rejects, Reject{File: u.name, Line: line, Reason: reason})
				},
			}
			if err := l.parse(ctx, u, emit); err != nil {
				return err
			}
			snap := l.Snapshot
			if snap.IsZero() && u.zipped && u.dir == "" {
				snap = u.modTime
			}
			if snap.IsZero() {
				snap = newest
			}
			if snap.IsZero() {
				snap = u.modTime
			}
			if snap.After(b.Snapshot) {
				b.Snapshot = snap
			}
		}
		return l.checkCounts(b, valid)
	}
}

// checkCounts applies the error budget to a batch that read valid records.
func (l *Loader) checkCounts(b *Batch, valid int) error {
	budget := l.ErrorBudget
	if budget <= 0 {
		budget = DefaultErrorBudget
	}
	allowed := max(1, int(budget*float64(b.Seen)))
	if len(b.Rejects) > allowed {
		return fmt.Errorf("ingest: source %s: %w: %d of %d records rejected (budget %d, %.1f%%); first: %s",
			b.Source, ErrBudget, len(b.Rejects), b.Seen, allowed, budget*100, firstRejects(b.Rejects, 5))
	}
	if valid == 0 {
		return fmt.Errorf("ingest: source %s (%s): %w: no valid records", b.Source, strings.Join(b.Files, ", "), ErrUnreadable)
	}
	return nil
}

// NewStream makes a batch of source whose records read yields when a store asks for
// them (Each): records that do not come from files, or more than fit in memory. The
// caller sets the batch's Format, Files, Digest and Snapshot; Seen counts the records
// read.
func NewStream(source string, read func(ctx context.Context, yield func(Record) error) error) *Batch {
	b := &Batch{Source: source}
	b.stream = func(ctx context.Context, fn func(Record) error) error {
		b.Seen = 0
		return read(ctx, func(r Record) error {
			b.Seen++
			return fn(r)
		})
	}
	return b
}

// reopenEntry opens the entry name of the ZIP at path, with the ZIP itself; closing the
// entry closes both.
func reopenEntry(path, name string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, err
		}
		for _, zf := range zr.File {
			if zf.Name == name {
				rc, err := zf.Open()
				if err != nil {
					zr.Close()
					return nil, err
				}
				return entryCloser{rc, zr}, nil
			}
		}
		zr.Close()
		return nil, fmt.Errorf("%s: entry %s is gone", path, name)
	}
}

type entryCloser struct {
	io.ReadCloser
	zip io.Closer
}

func (e entryCloser) Close() error {
	err := e.ReadCloser.Close()
	if zerr := e.zip.Close(); err == nil {
		err = zerr
	}
	return err
}
