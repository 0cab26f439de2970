package bot_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// stuckCurated is a real store whose curated answers, once stuck, are read only when
// the test lets them (or the caller's deadline passes): a slow query, a locked table.
type stuckCurated struct {
	*pgstore.Store
	mu    sync.Mutex
	stuck chan struct{} // nil: reads go through
}

func (s *stuckCurated) CuratedAnswers(ctx context.Context) ([]conversation.Curated, error) {
	s.mu.Lock()
	gate := s.stuck
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.CuratedAnswers(ctx)
}

func (s *stuckCurated) stick() (release func()) {
	gate := make(chan struct{})
	s.mu.Lock()
	s.stuck = gate
	s.mu.Unlock()
	return sync.OnceFunc(func() { close(gate) })
}

// TestCuratedRefreshDoesNotBlockAnswers: reading the curated answers again when the
// list is old, or for the first time, never holds the answers of other requests for
// longer than the store deadline (the read used to hold the cache's lock with the
// caller's context, so one stuck read stalled every answer).
func TestCuratedRefreshDoesNotBlockAnswers(t *testing.T) {
	ctx := context.Background()
	e := hashembed.New(hashembed.DefaultDim)
	ps, err := pgstore.Open(ctx, pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	if err := ps.PutCurated(ctx, []conversation.Curated{{ID: "card", Questions: []string{"市民卡要去哪裡辦？"},
		Answer: "臺北市民卡可在各區公所申辦。", Status: conversation.CuratedApproved}}); err != nil {
		t.Fatal(err)
	}
	store := &stuckCurated{Store: ps}
	var (
		clockMu sync.Mutex
		now     = time.Now()
	)
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	engine, err := bot.New(bot.Config{Store: store, Now: clock, StoreTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close(ctx) })

	// ask answers in a goroutine; a turn still running after 10 s (ten times the store
	// deadline) is stuck.
	ask := func(q string) (bot.Answer, bool) {
		t.Helper()
		type result struct {
			a   bot.Answer
			err error
		}
		c := make(chan result, 1)
		go func() {
			a, err := engine.Ask(ctx, bot.Request{Message: q, Channel: "cli"}, nil)
			c <- result{a, err}
		}()
		select {
		case r := <-c:
			if r.err != nil {
				t.Errorf("Ask(%q): %v", q, r.err)
			}
			return r.a, true
		case <-time.After(10 * time.Second):
			return bot.Answer{}, false
		}
	}

	if a, ok := ask("市民卡要去哪裡辦"); !ok || a.Mode != conversation.ModeCurated {
		t.Fatalf("curated answer: %+v (finished: %t)", a, ok)
	}
	// The list is old and its read is stuck: answers go on from the old list.
	clockMu.Lock()
	now = now.Add(time.Hour)
	clockMu.Unlock()
	release := store.stick()
	defer release()
	for i := range 3 {
		a, ok := ask("市民卡要去哪裡辦")
		if !ok {
			t.Fatalf("answer %d waited on the stuck read of the curated answers", i+1)
		}
		if a.Mode != conversation.ModeCurated {
			t.Errorf("answer %d: mode %s, want the curated answer from the list already loaded", i+1, a.Mode)
		}
	}

	// A new engine whose first read is stuck answers from retrieval after the store deadline.
	fresh, err := bot.New(bot.Config{Store: store, StoreTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	engine = fresh
	t.Cleanup(func() { fresh.Close(ctx) })
	if a, ok := ask("市民卡要去哪裡辦"); !ok || a.Mode == conversation.ModeCurated || a.Text == "" {
		t.Errorf("first answer with the curated read stuck: %+v (finished: %t), want an answer from retrieval", a, ok)
	}
	release()
	// Once the store answers, the curated answers are read again.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		a, ok := ask("市民卡要去哪裡辦")
		if ok && a.Mode == conversation.ModeCurated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the curated answer never came back after the store did: %+v", a)
		}
	}
}
