package conversationtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
)

// RunOutbox checks conversation.Outbox's contract, sentence by sentence. open must return an
// empty store that lives until t ends; each case gets its own.
func RunOutbox(t *testing.T, open func(t *testing.T) conversation.Outbox) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s conversation.Outbox)
	}{
		{"accept", testOutboxAccept},
		{"claim order and chats", testOutboxChats},
		{"lease", testOutboxLease},
		{"save and defer", testOutboxSave},
		{"owner only", testOutboxOwner},
		{"concurrent claims", testOutboxConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

var outboxSeq int

func outboxItem(chat string) conversation.OutboxItem {
	outboxSeq++
	id := fmt.Sprintf("01TEST%020d", outboxSeq)
	return conversation.OutboxItem{ID: id, Chat: chat, Event: []byte(`{"type":"message","webhookEventId":"` + id + `"}`),
		Received: time.Now().Truncate(time.Microsecond), RetryKey: fmt.Sprintf("00000000-0000-4000-8000-%012d", outboxSeq)}
}

func accept(t *testing.T, s conversation.Outbox, items ...conversation.OutboxItem) []bool {
	t.Helper()
	fresh, err := s.AcceptEvents(context.Background(), items)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if len(fresh) != len(items) {
		t.Fatalf("accept: %d answers for %d items", len(fresh), len(items))
	}
	return fresh
}

func claim(t *testing.T, s conversation.Outbox, owner string, max int, lease time.Duration) []conversation.OutboxItem {
	t.Helper()
	got, err := s.ClaimEvents(context.Background(), owner, max, lease)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	return got
}

func itemIDs(items []conversation.OutboxItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func testOutboxAccept(t *testing.T, s conversation.Outbox) {
	ctx := context.Background()
	a, b := outboxItem("chat-a"), outboxItem("chat-b")
	if fresh := accept(t, s, a, b, a); !fresh[0] || !fresh[1] || fresh[2] {
		t.Errorf("fresh %v: want true, true, false (the same id twice)", fresh)
	}
	if fresh := accept(t, s, b); fresh[0] {
		t.Error("a redelivered event is fresh")
	}
	got := claim(t, s, "p1", 10, time.Minute)
	if len(got) != 2 {
		t.Fatalf("claimed %v, want the 2 accepted", itemIDs(got))
	}
	g := got[0]
	if g.ID != a.ID || g.Chat != a.Chat || !bytes.Equal(g.Event, a.Event) || !g.Received.Equal(a.Received) ||
		g.RetryKey != a.RetryKey || g.Answer != nil || g.Sends != 0 || g.Uncertain || g.Claims != 1 {
		t.Errorf("claimed %+v, want %+v with one claim", g, a)
	}
	for _, it := range got {
		if err := s.FinishEvent(ctx, "p1", it.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := claim(t, s, "p1", 10, time.Minute); len(got) != 0 {
		t.Errorf("finished items claimed again: %v", itemIDs(got))
	}
	if fresh := accept(t, s, a); fresh[0] {
		t.Error("an event redelivered after its answer is fresh")
	}
	if _, err := s.AcceptEvents(ctx, []conversation.OutboxItem{{Chat: "x"}}); err == nil {
		t.Error("an item without an id accepted")
	}
}

func testOutboxChats(t *testing.T, s conversation.Outbox) {
	ctx := context.Background()
	a1, b1, a2, c1 := outboxItem("a"), outboxItem("b"), outboxItem("a"), outboxItem("c")
	accept(t, s, a1, b1)
	accept(t, s, a2, c1)
	got := itemIDs(claim(t, s, "p1", 10, time.Minute))
	if fmt.Sprint(got) != fmt.Sprint([]string{a1.ID, b1.ID, c1.ID}) {
		t.Fatalf("claimed %v, want each chat's first item in order: %v", got, []string{a1.ID, b1.ID, c1.ID})
	}
	if got := claim(t, s, "p2", 10, time.Minute); len(got) != 0 {
		t.Fatalf("claimed %v while chat a's first item is in progress", itemIDs(got))
	}
	if err := s.FinishEvent(ctx, "p1", a1.ID); err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(claim(t, s, "p2", 10, time.Minute)); len(got) != 1 || got[0] != a2.ID {
		t.Errorf("after chat a's first item: claimed %v, want %s", got, a2.ID)
	}
}

func testOutboxLease(t *testing.T, s conversation.Outbox) {
	ctx := context.Background()
	a, b := outboxItem("a"), outboxItem("b")
	accept(t, s, a, b)
	if got := claim(t, s, "p1", 1, 100*time.Millisecond); len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("claimed %v, want %s alone (max 1)", itemIDs(got), a.ID)
	}
	if got := claim(t, s, "p2", 10, time.Minute); len(got) != 1 || got[0].ID != b.ID {
		t.Fatalf("claimed %v, want %s: %s is leased", itemIDs(got), b.ID, a.ID)
	}
	// p1 stopped without finishing a (a crash): its lease ends and p3 takes it over.
	time.Sleep(300 * time.Millisecond)
	got := claim(t, s, "p3", 10, time.Minute)
	if len(got) != 1 || got[0].ID != a.ID || got[0].Claims != 2 {
		t.Fatalf("after the lease: claimed %+v, want %s claimed a second time", got, a.ID)
	}
	if err := s.FinishEvent(ctx, "p1", a.ID); !errors.Is(err, conversation.ErrLeaseLost) {
		t.Errorf("the first owner finished an item taken over: %v, want ErrLeaseLost", err)
	}
	// Renewed leases hold; released ones go at once.
	if n, err := s.RenewLeases(ctx, "p3", time.Minute); err != nil || n != 1 {
		t.Errorf("renew: %d, %v; want 1", n, err)
	}
	if n, err := s.RenewLeases(ctx, "p2", 0); err != nil || n != 1 {
		t.Errorf("release: %d, %v; want 1", n, err)
	}
	if got := itemIDs(claim(t, s, "p4", 10, time.Minute)); len(got) != 1 || got[0] != b.ID {
		t.Errorf("after release: claimed %v, want %s only", got, b.ID)
	}
}

func testOutboxSave(t *testing.T, s conversation.Outbox) {
	ctx := context.Background()
	a := outboxItem("a")
	accept(t, s, a)
	it := claim(t, s, "p1", 1, time.Minute)[0]
	it.Answer, it.Sends, it.Uncertain = []byte(`[{"type":"text","text":"好"}]`), 2, true
	// Kept, still held: nobody else can claim it.
	if err := s.SaveEvent(ctx, "p1", it, false); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, "p2", 1, time.Minute); len(got) != 0 {
		t.Fatalf("claimed %v while held", itemIDs(got))
	}
	// Deferred: released, but not before its time.
	it.NotBefore = time.Now().Add(time.Hour)
	if err := s.SaveEvent(ctx, "p1", it, true); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, "p2", 1, time.Minute); len(got) != 0 {
		t.Fatalf("claimed %v before its time", itemIDs(got))
	}
	if err := s.FinishEvent(ctx, "p1", a.ID); !errors.Is(err, conversation.ErrLeaseLost) {
		t.Errorf("finish after release: %v, want ErrLeaseLost", err)
	}
	// Claimed after a restart's release, but a deferred item stays deferred.
	if _, err := s.RenewLeases(ctx, "p1", 0); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, "p2", 1, time.Minute); len(got) != 0 {
		t.Fatalf("claimed %v before its time", itemIDs(got))
	}
	b := outboxItem("b")
	accept(t, s, b)
	itb := claim(t, s, "p1", 1, time.Minute)[0]
	itb.Answer, itb.Sends, itb.NotBefore = []byte(`[]`), 1, time.Now().Add(-time.Second)
	if err := s.SaveEvent(ctx, "p1", itb, true); err != nil {
		t.Fatal(err)
	}
	got := claim(t, s, "p2", 1, time.Minute)
	if len(got) != 1 || got[0].ID != b.ID || string(got[0].Answer) != `[]` || got[0].Sends != 1 || got[0].Uncertain || got[0].Claims != 2 {
		t.Errorf("claimed %+v, want %s with its saved answer and attempts", got, b.ID)
	}
}

func testOutboxOwner(t *testing.T, s conversation.Outbox) {
	ctx := context.Background()
	a := outboxItem("a")
	accept(t, s, a)
	it := claim(t, s, "p1", 1, time.Minute)[0]
	if err := s.SaveEvent(ctx, "p2", it, true); !errors.Is(err, conversation.ErrLeaseLost) {
		t.Errorf("save by another owner: %v, want ErrLeaseLost", err)
	}
	if err := s.FinishEvent(ctx, "p2", a.ID); !errors.Is(err, conversation.ErrLeaseLost) {
		t.Errorf("finish by another owner: %v, want ErrLeaseLost", err)
	}
	if err := s.FinishEvent(ctx, "p1", "no-such-id"); !errors.Is(err, conversation.ErrLeaseLost) {
		t.Errorf("finish of an unknown item: %v, want ErrLeaseLost", err)
	}
	if err := s.FinishEvent(ctx, "p1", a.ID); err != nil {
		t.Errorf("finish by the owner: %v", err)
	}
}

func testOutboxConcurrent(t *testing.T, s conversation.Outbox) {
	ctx := context.Background()
	const n = 60
	var items []conversation.OutboxItem
	for i := range n {
		items = append(items, outboxItem(fmt.Sprintf("chat-%d", i%20)))
	}
	accept(t, s, items...)
	var mu sync.Mutex
	taken := map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for idle := 0; idle < 50; {
				got, err := s.ClaimEvents(ctx, owner, 2, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					idle++
					time.Sleep(time.Millisecond)
					continue
				}
				for _, it := range got {
					mu.Lock()
					taken[it.ID]++
					mu.Unlock()
					if err := s.FinishEvent(ctx, owner, it.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(taken) != n {
		t.Errorf("%d items taken, want %d", len(taken), n)
	}
	for id, k := range taken {
		if k != 1 {
			t.Errorf("%s taken %d times", id, k)
		}
	}
}
