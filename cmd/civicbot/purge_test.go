package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/retrieval/memstore"
	"github.com/civicbot/civicbot/staff"
)

// serve purges on its own schedule: a turn past the retention period goes, a recent one
// stays, and the purged turn is still counted in the overview's daily counts.
func TestPurgeEvery(t *testing.T) {
	e := hashembed.New(64)
	s, err := memstore.Open(t.Context(), t.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old, recent := time.Now().Add(-40*24*time.Hour), time.Now().Add(-time.Hour)
	for id, at := range map[string]time.Time{"old": old, "recent": recent} {
		if err := s.SaveTurn(t.Context(), conversation.Turn{MessageID: id, Channel: "web", Question: "q", Answer: "a", Mode: conversation.ModeNoAnswer, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		purgeEvery(ctx, s, 30*24*time.Hour, 10*time.Millisecond, slog.New(slog.DiscardHandler))
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.Turn(t.Context(), "old"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old turn was not purged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := s.Turn(t.Context(), "recent"); err != nil {
		t.Errorf("the recent turn was purged: %v", err)
	}
	stats, err := s.TurnStats(t.Context(), old.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, d := range stats {
		total += d.N
	}
	if total != 2 || stats[0].Day != old.In(staff.Taipei).Format("2006-01-02") {
		t.Errorf("daily counts after the purge = %+v, want the purged turn on its day and the recent one", stats)
	}
}
