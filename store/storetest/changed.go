// Package storetest holds the cases every store must pass that need more than
// retrieval's conformance suite (retrieval/retrievaltest): whole ingest runs of real
// export formats.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval"
)

// synthetic36 is a synthetic dataset-36 export of rows rows, and its first licence.
func synthetic36(t *testing.T, rows int, seed int64) ([]byte, ingest.Record) {
	t.Helper()
	var buf bytes.Buffer
	if err := tfda.WriteSynthetic(&buf, rows, seed); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "36.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bs, err := (&ingest.Loader{Formats: tfda.Formats()}).Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), bs[0].Records[0]
}

// ChangedFileStore is what RunChangedFile needs of a store.
type ChangedFileStore interface {
	Sync(ctx context.Context, batches []*ingest.Batch, opt ingest.SyncOptions) (ingest.SyncStats, error)
	SourceDigests(ctx context.Context) (map[string]string, error)
	Get(ctx context.Context, dataset, key string) (retrieval.Hit, error)
}

// RunChangedFile checks that an export modified while a streamed sync reads it, or
// replaced between the plan and the sync, fails the run with ingest.ErrChanged, and
// that the store keeps serving what it had (documents, the source's digest); the next
// run takes the file as it is then. s must be empty; documents counts what it holds.
func RunChangedFile(t *testing.T, s ChangedFileStore, documents func() int) {
	ctx := context.Background()
	// 3,000 rows, 1.5 MB: the first progress report (at 1 MB) comes before the end.
	const rows = 3000
	v1, first1 := synthetic36(t, rows, 1)
	v2, first2 := synthetic36(t, rows, 2)
	v3, first3 := synthetic36(t, rows, 3)
	if first1.Title == first2.Title || first1.Title == first3.Title {
		t.Fatalf("the synthetic exports begin alike: %q %q %q", first1.Title, first2.Title, first3.Title)
	}
	path := filepath.Join(t.TempDir(), "36_2.csv")
	if err := os.WriteFile(path, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(progress func(string, int64, int64)) []*ingest.Batch {
		t.Helper()
		bs, err := (&ingest.Loader{Formats: tfda.Formats(), Stream: true, Progress: progress}).Load(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return bs
	}
	bs := load(nil)
	if _, err := s.Sync(ctx, bs, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	digest := bs[0].Digest
	held := documents()
	serving := func(when string) {
		t.Helper()
		if d, err := s.SourceDigests(ctx); err != nil || d["tfda-36"] != digest {
			t.Errorf("%s: stored digest %q (%v), want the first run's %q", when, d["tfda-36"], err, digest)
		}
		if n := documents(); n != held {
			t.Errorf("%s: %d documents, want the first run's %d", when, n, held)
		}
		h, err := s.Get(ctx, corpus.DatasetDrug, first1.Key)
		if err != nil || h.Title != first1.Title {
			t.Errorf("%s: %s is %q (%v), want %q", when, first1.Key, h.Title, err, first1.Title)
		}
		if _, err := s.Get(ctx, corpus.DatasetDrug, first2.Key); err == nil && first2.Key != first1.Key {
			t.Errorf("%s: %s of the second file is stored", when, first2.Key)
		}
	}

	// Rewritten in place (the second export) while the sync reads it.
	var once sync.Once
	bs = load(func(string, int64, int64) {
		once.Do(func() {
			if err := os.WriteFile(path, v2, 0o644); err != nil {
				t.Error(err)
			}
		})
	})
	// AllowShrink: the file's check, not the shrink guard, is what stops the run.
	_, err := s.Sync(ctx, bs, ingest.SyncOptions{AllowShrink: true})
	if !errors.Is(err, ingest.ErrChanged) {
		t.Fatalf("modified while read: err = %v, want ingest.ErrChanged", err)
	}
	t.Logf("modified while read: %v", err)
	serving("modified while read")

	// Replaced by a third export (a rename) between the plan and the sync.
	bs = load(nil)
	if err := os.WriteFile(path+".new", v3, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(ctx, bs, ingest.SyncOptions{AllowShrink: true}); !errors.Is(err, ingest.ErrChanged) {
		t.Fatalf("replaced after the plan: err = %v, want ingest.ErrChanged", err)
	}
	serving("replaced after the plan")

	// The next run reads the third export.
	bs = load(nil)
	if _, err := s.Sync(ctx, bs, ingest.SyncOptions{AllowShrink: true}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.SourceDigests(ctx); d["tfda-36"] != bs[0].Digest || bs[0].Digest == digest {
		t.Errorf("after the third run: digest %q, want the third file's %q", d["tfda-36"], bs[0].Digest)
	}
	if h, err := s.Get(ctx, corpus.DatasetDrug, first3.Key); err != nil || h.Title != first3.Title {
		t.Errorf("after the third run: %s is %q (%v), want %q", first3.Key, h.Title, err, first3.Title)
	}
}
