package memstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/tmc/langchaingo/embeddings"
	bolt "go.etcd.io/bbolt"
)

// SetStatus sets a document's status: staff suppress a bad source (and a suppressed
// document stays suppressed when it is ingested again) or restore it. It is
// retrieval.ErrNotFound when there is no such document.
func (s *Store) SetStatus(ctx context.Context, dataset, key string, status corpus.Status) error {
	switch status {
	case corpus.StatusActive, corpus.StatusCancelled, corpus.StatusStale, corpus.StatusSuppressed:
	default:
		return fmt.Errorf("memstore: set status: %q is not a document status", status)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	s.docMu.Lock()
	defer s.docMu.Unlock()
	var change docChange
	err := s.update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		change, _, err = setStatusTx(tx, dataset, key, status)
		return err
	})
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("memstore: set status: %w", err)
	}
	s.publish([]docChange{change})
	return nil
}

// setStatusTx sets a document's status in tx and returns the change to publish once
// tx commits, with the status the document had. The caller holds docMu.
func setStatusTx(tx *bolt.Tx, dataset, key string, status corpus.Status) (docChange, string, error) {
	b := tx.Bucket(bucketDocuments)
	dk := appendKey(nil, dataset, key)
	v := b.Get(dk)
	if v == nil {
		return docChange{}, "", retrieval.ErrNotFound
	}
	row, err := decodeDoc(v)
	if err != nil {
		return docChange{}, "", err
	}
	was := row.Status
	row.Status, row.UpdatedAt = string(status), time.Now()
	change := docChange{key: docKey{dataset, key}, doc: newDoc(dataset, key, row, ""), keepChunks: true}
	return change, was, b.Put(dk, encodeDoc(row))
}

// Reembed re-embeds every stored chunk in dir with e and records e as the store's
// embedder, in one transaction: it is how an operator changes embedders without
// re-ingesting. It returns the number of chunks embedded. No other process may have
// the store open.
func Reembed(ctx context.Context, dir string, e embeddings.Embedder, info EmbedderInfo, log *slog.Logger) (int, error) {
	if info.Dim <= 0 || info.Dim > MaxDim {
		return 0, fmt.Errorf("memstore: embedder %q has an unusable dimension %d", info.Name, info.Dim)
	}
	db, err := openFile(dir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var ids []uint64
	var texts []string
	err = db.View(func(tx *bolt.Tx) error {
		titles := map[uint64]string{}
		if err := tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
			row, err := decodeDoc(v)
			if err != nil {
				return err
			}
			titles[row.ID] = row.Title
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketChunks).ForEach(func(k, v []byte) error {
			c, err := decodeChunk(v)
			if err != nil {
				return err
			}
			ids = append(ids, readU64(k))
			texts = append(texts, ingest.EmbedText(ingest.Document{Title: titles[c.doc]}, ingest.Chunk{Ord: c.ord, Text: c.text}))
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("memstore: reembed: %w", err)
	}
	vecs, err := ingest.Embed(ctx, e, texts, nil)
	if err != nil {
		return 0, fmt.Errorf("memstore: reembed: %w", err)
	}
	for i, v := range vecs {
		if len(v) != info.Dim {
			return 0, fmt.Errorf("memstore: reembed: embedder returned %d dimensions for chunk %d, want %d", len(v), i, info.Dim)
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChunks)
		for i, id := range ids {
			c, err := decodeChunk(b.Get(u64(id)))
			if err != nil {
				return err
			}
			c.vec = vecs[i]
			if err := b.Put(u64(id), encodeChunk(c)); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put([]byte(metaEmbedder), []byte(info.Name)); err != nil {
			return err
		}
		if err := meta.Put([]byte(metaDim), []byte(strconv.Itoa(info.Dim))); err != nil {
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("memstore: reembed: %w", err)
	}
	log.Info("re-embedded the embedded store", "chunks", len(ids), "embedder", info.Name, "dim", info.Dim)
	return len(ids), nil
}
