package main

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/store/memstore"
)

// serve purges on its own schedule: a turn past the retention period goes at start, a
// recent one stays until it passes the period too, at the next run of the schedule; a
// purged turn is still counted in the overview's daily counts. The schedule runs in a
// synctest bubble, on its fake clock.
func TestPurgeEvery(t *testing.T) {
	e := hashembed.New(64)
	s, err := memstore.Open(t.Context(), t.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	synctest.Test(t, func(t *testing.T) {
		const retention, period = 30 * 24 * time.Hour, time.Hour
		// "recent" passes the retention period 30 minutes from now: the run at start
		// keeps it, the next (an hour later) purges it.
		old, recent := time.Now().Add(-40*24*time.Hour), time.Now().Add(-retention+30*time.Minute)
		for id, at := range map[string]time.Time{"old": old, "recent": recent} {
			if err := s.SaveTurn(t.Context(), conversation.Turn{MessageID: id, Channel: "web", Question: "q", Answer: "a", Mode: conversation.ModeNoAnswer, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			purgeEvery(ctx, s, retention, period, slog.New(slog.DiscardHandler))
			close(done)
		}()
		synctest.Wait() // the run at start is over; the schedule waits for its ticker
		if _, err := s.Turn(t.Context(), "old"); err == nil {
			t.Error("the old turn was not purged at start")
		}
		if _, err := s.Turn(t.Context(), "recent"); err != nil {
			t.Errorf("the recent turn was purged at start: %v", err)
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
		time.Sleep(period - time.Minute)
		synctest.Wait()
		if _, err := s.Turn(t.Context(), "recent"); err != nil {
			t.Errorf("the recent turn was purged before the next run: %v", err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if _, err := s.Turn(t.Context(), "recent"); err == nil {
			t.Error("the recent turn, now past the retention period, was not purged at the next run")
		}
		cancel()
		<-done
	})
}
