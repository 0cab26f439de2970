package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	bolt "go.etcd.io/bbolt"
)

// flagRow is why a document was held out of answers (bucketFlags), and whether staff
// released that content.
type flagRow struct {
	Hash       string    `json:"content_hash"`
	Status     string    `json:"status"` // the status it has once released
	Reason     string    `json:"reason"`
	FlaggedAt  time.Time `json:"flagged_at"`
	ReleasedAt time.Time `json:"released_at,omitzero"`
}

// screen holds back a document about to be written (row) that ingest.Screen flags,
// unless staff released that very content.
func screen(tx *bolt.Tx, d ingest.Document, row *docRow, opt ingest.SyncOptions, now time.Time) error {
	reason := ingest.Screen(d, opt.Allow)
	if reason == "" {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketFlags)
	if err != nil {
		return err
	}
	k := appendKey(nil, d.Dataset, d.Key)
	if v := b.Get(k); v != nil {
		var f flagRow
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("flag %s/%s: %w", d.Dataset, d.Key, err)
		}
		if f.Hash == d.Hash && !f.ReleasedAt.IsZero() {
			return nil
		}
	}
	v, err := json.Marshal(flagRow{Hash: d.Hash, Status: row.Status, Reason: reason, FlaggedAt: now.UTC()})
	if err != nil {
		return err
	}
	row.Status = string(corpus.StatusFlagged)
	return b.Put(k, v)
}

// Flagged returns the documents held out of answers, with why, oldest first.
func (s *Store) Flagged(ctx context.Context) ([]ingest.Flag, error) {
	out := []ingest.Flag{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlags)
		if b == nil {
			return nil
		}
		docs := tx.Bucket(bucketDocuments)
		return b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			dv := docs.Get(k)
			if dv == nil {
				return nil
			}
			row, err := decodeDoc(dv)
			if err != nil {
				return err
			}
			var f flagRow
			if err := json.Unmarshal(v, &f); err != nil {
				return err
			}
			if row.Status != string(corpus.StatusFlagged) || row.Hash != f.Hash {
				return nil
			}
			parts, _, ok := splitKey(k, 2)
			if !ok {
				return fmt.Errorf("flag: bad key %q", k)
			}
			out = append(out, ingest.Flag{Dataset: parts[0], Key: parts[1], Title: row.Title, Hash: f.Hash, Reason: f.Reason, FlaggedAt: f.FlaggedAt})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: flagged: %w", err)
	}
	slices.SortStableFunc(out, func(a, b ingest.Flag) int { return a.FlaggedAt.Compare(b.FlaggedAt) })
	return out, nil
}

// Release returns a flagged document to answers: staff read it and found it sound.
// The release is of its current content. retrieval.ErrNotFound when there is no such
// document, ingest.ErrNotFlagged when it is not held.
func (s *Store) Release(ctx context.Context, dataset, key string) (ingest.Flag, error) {
	if s.closed.Load() {
		return ingest.Flag{}, ErrClosed
	}
	s.docMu.Lock()
	defer s.docMu.Unlock()
	dataset, key = cleanText(dataset), cleanText(key)
	var (
		change docChange
		out    ingest.Flag
	)
	err := s.update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		docs := tx.Bucket(bucketDocuments)
		k := appendKey(nil, dataset, key)
		v := docs.Get(k)
		if v == nil {
			return retrieval.ErrNotFound
		}
		row, err := decodeDoc(v)
		if err != nil {
			return err
		}
		if row.Status != string(corpus.StatusFlagged) {
			return ingest.ErrNotFlagged
		}
		b, err := tx.CreateBucketIfNotExists(bucketFlags)
		if err != nil {
			return err
		}
		f := flagRow{Hash: row.Hash, Status: string(corpus.StatusActive), FlaggedAt: time.Now().UTC()}
		if fv := b.Get(k); fv != nil {
			if err := json.Unmarshal(fv, &f); err != nil {
				return err
			}
		}
		f.Hash, f.ReleasedAt = row.Hash, time.Now().UTC()
		nv, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if err := b.Put(k, nv); err != nil {
			return err
		}
		row.Status, row.UpdatedAt = f.Status, time.Now()
		change = docChange{key: docKey{dataset, key}, doc: newDoc(dataset, key, row, ""), keepChunks: true}
		out = ingest.Flag{Dataset: dataset, Key: key, Title: row.Title, Hash: f.Hash, Reason: f.Reason, FlaggedAt: f.FlaggedAt, ReleasedAt: f.ReleasedAt}
		return docs.Put(k, encodeDoc(row))
	})
	switch {
	case errors.Is(err, retrieval.ErrNotFound), errors.Is(err, ingest.ErrNotFlagged):
		return ingest.Flag{}, err
	case err != nil:
		return ingest.Flag{}, fmt.Errorf("memstore: release: %w", err)
	}
	s.publish([]docChange{change})
	return out, nil
}
