package pgstore_test

import (
	"log/slog"
	"testing"

	"github.com/civicbot/civicbot/conversation/conversationtest"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

func TestConversationConformance(t *testing.T) {
	conversationtest.Run(t, func(t *testing.T) conversationtest.Store {
		e := hashembed.New(64)
		s, err := pgstore.Open(t.Context(), pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(s.Close)
		return s
	})
}
