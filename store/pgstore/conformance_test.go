package pgstore_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// conformant adapts pgstore.Store to the conformance suite: a load is a sync with
// the default options.
type conformant struct{ *pgstore.Store }

func (s conformant) Load(ctx context.Context, batches []*ingest.Batch) error {
	_, err := s.Sync(ctx, batches, ingest.SyncOptions{})
	return err
}

func TestConformance(t *testing.T) {
	retrievaltest.Run(t, func(t *testing.T) retrievaltest.Store {
		e := hashembed.New(256)
		s, err := pgstore.Open(t.Context(), pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(s.Close)
		return conformant{s}
	})
}

func TestFlagConformance(t *testing.T) {
	retrievaltest.RunFlags(t, func(t *testing.T) retrievaltest.FlagStore {
		e := hashembed.New(256)
		s, err := pgstore.Open(t.Context(), pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(s.Close)
		return conformant{s}
	})
}
