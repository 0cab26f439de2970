package memstore

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	bolt "go.etcd.io/bbolt"
)

// TestOpenRederivesAnIndexOfAnotherVersion: a store written under another index version
// (another tokeniser, other lists of lexicons/index) holds keyword vectors the search
// no longer makes; Open makes them again, records the version, and the search finds the
// documents by the words the current version gives.
func TestOpenRederivesAnIndexOfAnotherVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	info := EmbedderInfo{Name: e.Name(), Dim: e.Dim}
	quiet := slog.New(slog.DiscardHandler)
	snap := time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC)
	s, err := Open(ctx, dir, e, info, quiet)
	if err != nil {
		t.Fatal(err)
	}
	rec := ingest.Record{Dataset: corpus.DatasetCityFAQ, Key: "faq-1", Title: "愛心悠遊卡遺失補辦", Text: "愛心悠遊卡遺失時請至區公所補辦。", Snapshot: snap}
	if _, err := s.Sync(ctx, []*ingest.Batch{{Source: "faq", Format: "test", Files: []string{"faq.csv"}, Snapshot: snap, Records: []ingest.Record{rec}, Seen: 1, Digest: "d"}}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// What an older version made: keyword vectors of other words («lexicon A»).
	stale := func(version string) {
		t.Helper()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketChunks)
			old := map[string][]byte{}
			if err := b.ForEach(func(k, v []byte) error {
				c, err := decodeChunk(v)
				if err != nil {
					return err
				}
				c.tsv = encodeTSV(tsvector("", "舊版詞表"))
				old[string(k)] = encodeChunk(c)
				return nil
			}); err != nil {
				return err
			}
			for k, v := range old {
				if err := b.Put([]byte(k), v); err != nil {
					return err
				}
			}
			return tx.Bucket(bucketMeta).Put([]byte(metaTokenizer), []byte(version))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	holds := func(s *Store, word string) bool { _, ok := s.idx.Load().lex[word]; return ok }

	// The control: recorded as the current version, the stale vectors are believed.
	stale(retrieval.IndexVersion())
	s, err = Open(ctx, dir, e, info, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if holds(s, "遺失") || !holds(s, "舊版") {
		t.Fatalf("control: the index should hold the stale words only")
	}
	s.Close()

	stale("lexicon-a")
	s, err = Open(ctx, dir, e, info, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !holds(s, "遺失") || !holds(s, "悠遊") || holds(s, "舊版") {
		t.Errorf("after Open with another version the index does not hold the current words")
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: "悠遊卡遺失"})
	if err != nil || len(hits) == 0 || hits[0].Key != "faq-1" {
		t.Errorf("search after re-derivation = %v, %v; want faq-1", hits, err)
	}
	var recorded string
	_ = s.view(func(tx *bolt.Tx) error {
		recorded = string(tx.Bucket(bucketMeta).Get([]byte(metaTokenizer)))
		return nil
	})
	if recorded != retrieval.IndexVersion() {
		t.Errorf("recorded index version %q, want %q", recorded, retrieval.IndexVersion())
	}
}
