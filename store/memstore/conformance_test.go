package memstore_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/civicbot/civicbot/conversation/conversationtest"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/memstore"
)

// conformant adapts memstore.Store to the conformance suite: a load is a sync with the
// default options.
type conformant struct{ *memstore.Store }

func (s conformant) Load(ctx context.Context, batches []*ingest.Batch) error {
	_, err := s.Sync(ctx, batches, ingest.SyncOptions{})
	return err
}

// openEmpty opens a store in a new directory, closed when t ends.
func openEmpty(t testing.TB) *memstore.Store {
	t.Helper()
	e := hashembed.New(256)
	s, err := memstore.Open(context.Background(), t.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	retrievaltest.Run(t, func(t *testing.T) retrievaltest.Store { return conformant{openEmpty(t)} })
}

func TestConversationConformance(t *testing.T) {
	conversationtest.Run(t, func(t *testing.T) conversationtest.Store { return openEmpty(t) })
}

func TestFlagConformance(t *testing.T) {
	retrievaltest.RunFlags(t, func(t *testing.T) retrievaltest.FlagStore { return conformant{openEmpty(t)} })
}

func TestSynonymConformance(t *testing.T) {
	retrievaltest.RunSynonyms(t, func(t *testing.T) retrieval.SynonymStore { return openEmpty(t) })
}
