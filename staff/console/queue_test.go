package console

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/memstore"
)

// The review queue is served from what it loaded, yet never hides what staff just
// did or a question that started waiting since, and reloads what the probe cannot see
// once stale.
func TestReviewQueueFreshness(t *testing.T) {
	e := hashembed.New(hashembed.DefaultDim)
	s, err := memstore.Open(t.Context(), t.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	clock := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	at := clock
	save := func(id, question string, mode conversation.Mode) {
		t.Helper()
		at = at.Add(time.Second)
		if err := s.SaveTurn(t.Context(), conversation.Turn{MessageID: id, SessionID: "s-" + id, Channel: "web", Question: question, Mode: mode, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	questions := func(q *reviewQueue) map[string]int {
		t.Helper()
		items, err := q.Items(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, it := range items {
			out[it.Question] = it.Count
		}
		return out
	}
	q := newReviewQueue(s, now)
	if got := questions(q); len(got) != 0 {
		t.Fatalf("an empty store's queue: %v", got)
	}
	save("m1", "垃圾車幾點來", conversation.ModeNoAnswer)
	save("m2", "垃圾車幾點來", conversation.ModeNoAnswer)
	save("m3", "市民卡怎麼辦", conversation.ModeExtractive) // answered: not waiting
	if got := questions(q); got["垃圾車幾點來"] != 2 || len(got) != 1 {
		t.Fatalf("a question that started waiting is not shown at once: %v", got)
	}

	// A turn of the newest loaded one's time, before it in id order, is not newer:
	// the probe does not reload for it (it shows with the next reload).
	at = at.Add(-2 * time.Second)
	save("m0", "垃圾車幾點來", conversation.ModeNoAnswer)
	if newer, err := q.newer(t.Context(), q.newest); err != nil || newer {
		t.Fatalf("newer = %v, %v with no turn after the newest loaded", newer, err)
	}
	at = at.Add(time.Second)
	save("m4", "狂犬病疫苗哪裡打", conversation.ModeNoAnswer)
	if got := questions(q); got["狂犬病疫苗哪裡打"] != 1 {
		t.Fatalf("a newer waiting question is not shown: %v", got)
	}

	// Dealt with here: gone at once, although the store was not read again.
	if err := s.MarkReviewed(t.Context(), []string{"m1", "m2"}, "dismissed", "test", "staff"); err != nil {
		t.Fatal(err)
	}
	q.Marked([]string{"m1", "m2"})
	if got := questions(q); got["垃圾車幾點來"] != 1 || got["狂犬病疫苗哪裡打"] != 1 { // m0 waits still
		t.Fatalf("after a dismissal: %v", got)
	}

	// Dealt with elsewhere (another replica): shown until the queue is stale, then
	// reloaded in the background.
	if err := s.MarkReviewed(t.Context(), []string{"m4"}, "dismissed", "test", "elsewhere"); err != nil {
		t.Fatal(err)
	}
	if got := questions(q); got["狂犬病疫苗哪裡打"] != 1 {
		t.Fatalf("a fresh queue was read again: %v", got)
	}
	mu.Lock()
	clock = clock.Add(reviewFresh + time.Second)
	mu.Unlock()
	questions(q) // stale: served, and a reload starts
	q.mu.Lock()
	done := q.done
	q.mu.Unlock()
	if done != nil {
		<-done
	}
	if got := questions(q); len(got) != 1 || got["垃圾車幾點來"] != 1 {
		t.Fatalf("after the background reload: %v, want only m0's question", got)
	}
}

// A question waiting in many turns, some dealt with: the rest still waits.
func TestReviewQueuePartlyMarked(t *testing.T) {
	e := hashembed.New(hashembed.DefaultDim)
	s, err := memstore.Open(t.Context(), t.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		at = at.Add(time.Second)
		if err := s.SaveTurn(t.Context(), conversation.Turn{MessageID: fmt.Sprint("m", i), SessionID: fmt.Sprint("s", i), Channel: "web", Question: "路燈不亮要找誰", Mode: conversation.ModeNoAnswer, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	q := newReviewQueue(s, time.Now)
	items, err := q.Items(t.Context())
	if err != nil || len(items) != 1 || items[0].Count != 5 {
		t.Fatalf("items = %+v, %v", items, err)
	}
	q.Marked([]string{items[0].ID, "m0"})
	items, _ = q.Items(t.Context())
	if len(items) != 1 || items[0].Count != 3 || items[0].ID == "m4" {
		t.Fatalf("after marking two of five: %+v", items)
	}
}
