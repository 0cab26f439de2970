// Package conversationtest is the conformance suite for what the stores keep besides
// documents: conversation turns, curated answers, feedback (Run) and the outbox of
// channel events (RunOutbox). Every store that implements conversation.Store and
// conversation.Outbox (PostgreSQL, the embedded store) must pass it, so that the
// engine, the channels and the admin commands behave the same on either.
//
// A store's test calls Run with a function that opens an empty store:
//
//	func TestConversationConformance(t *testing.T) {
//		conversationtest.Run(t, func(t *testing.T) conversationtest.Store { ... })
//	}
package conversationtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
)

// Store is what the suite needs of a store: conversation.Store and the operations that the
// channels (feedback, forgetting a conversation) and staff (retention, curated
// answers) use.
type Store interface {
	conversation.Store
	// Turn returns one stored message; conversation.ErrNotFound when there is none.
	Turn(ctx context.Context, id string) (conversation.Turn, error)
	// DeleteSession deletes a session's messages (and their feedback) and says how many.
	DeleteSession(ctx context.Context, session string) (int64, error)
	// PurgeTurns deletes the messages made before a time and says how many.
	PurgeTurns(ctx context.Context, before time.Time) (int64, error)
	// PutCurated inserts or replaces curated answers by id, keeping their hit counts.
	PutCurated(ctx context.Context, cs []conversation.Curated) error
	// SaveFeedback stores a rating, replacing an earlier one; conversation.ErrUnknownMessage
	// when the message does not exist.
	SaveFeedback(ctx context.Context, f conversation.Feedback) error
	// Feedback returns a message's rating; conversation.ErrNotFound when it has none.
	Feedback(ctx context.Context, messageID string) (conversation.Feedback, error)
}

// Run runs the conformance cases as subtests of t. open must return an empty store
// that lives until t ends (use t.Cleanup); each case gets its own.
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"turn round trip", testTurnRoundTrip},
		{"turn not found", testTurnNotFound},
		{"duplicate message id", testDuplicateTurn},
		{"recent turns", testRecentTurns},
		{"sessions isolated", testSessionsIsolated},
		{"delete session", testDeleteSession},
		{"purge turns", testPurgeTurns},
		{"curated answers", testCurated},
		{"feedback", testFeedback},
		{"awkward text", testAwkwardText},
		{"concurrent turns", testConcurrentTurns},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// base is a time with whole microseconds, the precision every store keeps.
var base = time.Date(2026, 10, 1, 9, 30, 0, 123456000, time.UTC)

func turn(id, session string, at time.Time) conversation.Turn {
	return conversation.Turn{
		MessageID: id, SessionID: session, Channel: "web",
		Question: "問題 " + id, Answer: "回答 " + id, Mode: conversation.ModeExtractive,
		Sources:   []conversation.Source{{Dataset: "tfda_drug", Key: "衛署藥製字第029478號", Title: "舒痛寧錠", URL: "https://mcp.fda.gov.tw/", Snapshot: "2026-09-29"}},
		CreatedAt: at,
	}
}

func save(t *testing.T, s Store, ts ...conversation.Turn) {
	t.Helper()
	for _, tr := range ts {
		if err := s.SaveTurn(t.Context(), tr); err != nil {
			t.Fatalf("SaveTurn(%s): %v", tr.MessageID, err)
		}
	}
}

func recent(t *testing.T, s Store, session string, n int, since time.Time) []string {
	t.Helper()
	turns, err := s.RecentTurns(t.Context(), session, n, since)
	if err != nil {
		t.Fatalf("RecentTurns(%q, %d, %v): %v", session, n, since, err)
	}
	return ids(turns)
}

func ids(turns []conversation.Turn) []string {
	out := []string{}
	for _, tr := range turns {
		out = append(out, tr.MessageID)
	}
	return out
}

// sameTurn reports how got differs from want, or "".
func sameTurn(got, want conversation.Turn) string {
	var diffs []string
	field := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	field("MessageID", got.MessageID, want.MessageID)
	field("SessionID", got.SessionID, want.SessionID)
	field("Channel", got.Channel, want.Channel)
	field("Question", got.Question, want.Question)
	field("Answer", got.Answer, want.Answer)
	field("Mode", got.Mode, want.Mode)
	field("Fallback", got.Fallback, want.Fallback)
	if len(got.Sources)+len(want.Sources) > 0 && !reflect.DeepEqual(got.Sources, want.Sources) {
		diffs = append(diffs, fmt.Sprintf("Sources = %+v, want %+v", got.Sources, want.Sources))
	}
	switch {
	case (got.Topic == nil) != (want.Topic == nil):
		diffs = append(diffs, fmt.Sprintf("Topic = %+v, want %+v", got.Topic, want.Topic))
	case got.Topic != nil && *got.Topic != *want.Topic:
		diffs = append(diffs, fmt.Sprintf("Topic = %+v, want %+v", *got.Topic, *want.Topic))
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		diffs = append(diffs, fmt.Sprintf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt))
	}
	return strings.Join(diffs, "; ")
}

func testTurnRoundTrip(t *testing.T, s Store) {
	ctx := t.Context()
	full := turn("m-full", "s1", base)
	full.Channel, full.Mode, full.Fallback = "line", conversation.ModeGenerated, "timeout"
	full.Topic = &conversation.Topic{Dataset: "tfda_drug", Key: "衛署藥製字第029478號", Title: "舒痛寧錠"}
	full.Sources = append(full.Sources, conversation.Source{Dataset: "taipei_faq", Key: "GIP_1", Title: "愛心卡", URL: "https://1999.gov.taipei/"})
	bare := conversation.Turn{MessageID: "m-bare", Channel: "cli", Question: "q", Answer: "a", Mode: conversation.ModeNoAnswer, CreatedAt: base.Add(time.Second)}
	save(t, s, full, bare)
	for _, want := range []conversation.Turn{full, bare} {
		got, err := s.Turn(ctx, want.MessageID)
		if err != nil {
			t.Fatalf("Turn(%s): %v", want.MessageID, err)
		}
		if d := sameTurn(got, want); d != "" {
			t.Errorf("Turn(%s): %s", want.MessageID, d)
		}
	}
	t.Run("zero time is now", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		save(t, s, conversation.Turn{MessageID: "m-now", SessionID: "s-now", Channel: "web", Question: "q", Answer: "a", Mode: conversation.ModeExtractive})
		after := time.Now().Add(time.Second)
		got, err := s.Turn(ctx, "m-now")
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedAt.Before(before) || got.CreatedAt.After(after) {
			t.Errorf("CreatedAt = %v, want the time it was saved (%v to %v)", got.CreatedAt, before, after)
		}
	})
}

func testTurnNotFound(t *testing.T, s Store) {
	save(t, s, turn("m1", "s1", base))
	for _, id := range []string{"m2", "", "M1", "m1 ", "'; DROP TABLE messages;--", "nul\x00"} {
		_, err := s.Turn(t.Context(), id)
		if !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("Turn(%q) = %v, want conversation.ErrNotFound", id, err)
		}
		// retrieval.ErrNotFound is for documents: a caller that tells the two apart
		// must not take a missing message for a missing document.
		if errors.Is(err, retrieval.ErrNotFound) {
			t.Errorf("Turn(%q) = %v, which is retrieval.ErrNotFound", id, err)
		}
	}
	if _, err := s.Feedback(t.Context(), "m1"); !errors.Is(err, conversation.ErrNotFound) || errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("Feedback of an unrated message = %v, want conversation.ErrNotFound alone", err)
	}
}

func testDuplicateTurn(t *testing.T, s Store) {
	first := turn("m1", "s1", base)
	save(t, s, first)
	again := turn("m1", "s2", base.Add(time.Minute))
	again.Answer = "another answer"
	if err := s.SaveTurn(t.Context(), again); err == nil {
		t.Error("a second turn with the same message id was accepted")
	}
	got, err := s.Turn(t.Context(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if d := sameTurn(got, first); d != "" {
		t.Errorf("after a refused duplicate: %s", d)
	}
	if got := recent(t, s, "s2", 10, time.Time{}); len(got) != 0 {
		t.Errorf("the refused duplicate is in its session: %q", got)
	}
}

func testRecentTurns(t *testing.T, s Store) {
	// Saved out of order; one pair shares a time, ordered then by id.
	save(t, s,
		turn("m3", "s1", base.Add(3*time.Minute)),
		turn("m1", "s1", base.Add(1*time.Minute)),
		turn("m5", "s1", base.Add(5*time.Minute)),
		turn("m2", "s1", base.Add(2*time.Minute)),
		turn("m4b", "s1", base.Add(4*time.Minute)),
		turn("m4a", "s1", base.Add(4*time.Minute)),
	)
	for _, c := range []struct {
		n     int
		since time.Time
		want  []string
	}{
		{10, time.Time{}, []string{"m1", "m2", "m3", "m4a", "m4b", "m5"}},
		{3, time.Time{}, []string{"m4a", "m4b", "m5"}},
		{1, time.Time{}, []string{"m5"}},
		{2, base.Add(4 * time.Minute), []string{"m4b", "m5"}},
		{10, base.Add(3 * time.Minute), []string{"m3", "m4a", "m4b", "m5"}},
		{10, base.Add(3*time.Minute + time.Microsecond), []string{"m4a", "m4b", "m5"}},
		{10, base.Add(time.Hour), []string{}},
		{0, time.Time{}, []string{}},
		{-1, time.Time{}, []string{}},
	} {
		t.Run(fmt.Sprintf("n=%d since=%s", c.n, c.since.Format(time.TimeOnly)), func(t *testing.T) {
			if got := recent(t, s, "s1", c.n, c.since); !slices.Equal(got, c.want) {
				t.Errorf("RecentTurns = %q, want %q (oldest first)", got, c.want)
			}
		})
	}
	t.Run("since in another time zone", func(t *testing.T) {
		since := base.Add(5 * time.Minute).In(time.FixedZone("UTC+8", 8*3600))
		if got := recent(t, s, "s1", 10, since); !slices.Equal(got, []string{"m5"}) {
			t.Errorf("RecentTurns = %q, want [m5]", got)
		}
	})
	t.Run("turns are whole", func(t *testing.T) {
		turns, err := s.RecentTurns(t.Context(), "s1", 1, time.Time{})
		if err != nil || len(turns) != 1 {
			t.Fatalf("RecentTurns = %v, %v", turns, err)
		}
		if d := sameTurn(turns[0], turn("m5", "s1", base.Add(5*time.Minute))); d != "" {
			t.Error(d)
		}
	})
}

func testSessionsIsolated(t *testing.T, s Store) {
	save(t, s,
		turn("a1", "alice", base),
		turn("b1", "bob", base.Add(time.Second)),
		turn("a2", "alice", base.Add(2*time.Second)),
		turn("n1", "", base.Add(3*time.Second)),
		// A session id that is a prefix of another, and one that differs only in case.
		turn("p1", "ali", base.Add(4*time.Second)),
		turn("A1", "Alice", base.Add(5*time.Second)),
	)
	for session, want := range map[string][]string{
		"alice": {"a1", "a2"},
		"bob":   {"b1"},
		"ali":   {"p1"},
		"Alice": {"A1"},
		"carol": {},
		// Turns without a session are kept but are no conversation.
		"": {},
	} {
		if got := recent(t, s, session, 10, time.Time{}); !slices.Equal(got, want) {
			t.Errorf("RecentTurns(%q) = %q, want %q", session, got, want)
		}
	}
	if _, err := s.Turn(t.Context(), "n1"); err != nil {
		t.Errorf("a turn without a session is not stored: %v", err)
	}
}

func testDeleteSession(t *testing.T, s Store) {
	ctx := t.Context()
	save(t, s,
		turn("a1", "alice", base),
		turn("a2", "alice", base.Add(time.Second)),
		turn("b1", "bob", base.Add(2*time.Second)),
		turn("n1", "", base.Add(3*time.Second)),
	)
	if err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: "a1", Rating: conversation.RatingDown, CreatedAt: base}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteSession(ctx, "alice"); err != nil || n != 2 {
		t.Fatalf("DeleteSession(alice) = %d, %v; want 2", n, err)
	}
	if got := recent(t, s, "alice", 10, time.Time{}); len(got) != 0 {
		t.Errorf("after DeleteSession: %q", got)
	}
	for _, id := range []string{"a1", "a2"} {
		if _, err := s.Turn(ctx, id); !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("Turn(%s) after DeleteSession = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := s.Feedback(ctx, "a1"); !errors.Is(err, conversation.ErrNotFound) {
		t.Errorf("the feedback of a deleted message remains: %v", err)
	}
	if err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: "a2", Rating: conversation.RatingUp}); !errors.Is(err, conversation.ErrUnknownMessage) {
		t.Errorf("feedback on a deleted message = %v, want conversation.ErrUnknownMessage", err)
	}
	if got := recent(t, s, "bob", 10, time.Time{}); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("another session was touched: %q", got)
	}
	if n, err := s.DeleteSession(ctx, "alice"); err != nil || n != 0 {
		t.Errorf("DeleteSession again = %d, %v; want 0", n, err)
	}
	if n, err := s.DeleteSession(ctx, ""); err != nil || n != 0 {
		t.Errorf("DeleteSession(\"\") = %d, %v; want 0: turns without a session are no conversation", n, err)
	}
	if _, err := s.Turn(ctx, "n1"); err != nil {
		t.Errorf("DeleteSession(\"\") deleted a turn without a session: %v", err)
	}
	// The session starts afresh.
	save(t, s, turn("a3", "alice", base.Add(time.Hour)))
	if got := recent(t, s, "alice", 10, time.Time{}); !slices.Equal(got, []string{"a3"}) {
		t.Errorf("new turn after DeleteSession: %q", got)
	}
}

func testPurgeTurns(t *testing.T, s Store) {
	ctx := t.Context()
	save(t, s,
		turn("old1", "s1", base.Add(-48*time.Hour)),
		turn("old2", "s2", base.Add(-25*time.Hour)),
		turn("edge", "s1", base.Add(-24*time.Hour)),
		turn("new1", "s1", base),
		turn("new2", "", base.Add(time.Minute)),
	)
	if err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: "old1", Rating: conversation.RatingUp}); err != nil {
		t.Fatal(err)
	}
	// Before the cut: deleted; at it or after: kept.
	if n, err := s.PurgeTurns(ctx, base.Add(-24*time.Hour)); err != nil || n != 2 {
		t.Fatalf("PurgeTurns = %d, %v; want 2", n, err)
	}
	if got := recent(t, s, "s1", 10, time.Time{}); !slices.Equal(got, []string{"edge", "new1"}) {
		t.Errorf("after purge, s1 = %q, want [edge new1]", got)
	}
	if got := recent(t, s, "s2", 10, time.Time{}); len(got) != 0 {
		t.Errorf("after purge, s2 = %q, want none", got)
	}
	if _, err := s.Feedback(ctx, "old1"); !errors.Is(err, conversation.ErrNotFound) {
		t.Errorf("the feedback of a purged message remains: %v", err)
	}
	if n, err := s.PurgeTurns(ctx, base.Add(-24*time.Hour)); err != nil || n != 0 {
		t.Errorf("PurgeTurns again = %d, %v; want 0", n, err)
	}
	if n, err := s.PurgeTurns(ctx, base.Add(time.Hour)); err != nil || n != 3 {
		t.Errorf("PurgeTurns(everything) = %d, %v; want 3", n, err)
	}
	if _, err := s.Turn(ctx, "new2"); !errors.Is(err, conversation.ErrNotFound) {
		t.Errorf("a turn without a session survived the purge: %v", err)
	}
}

func testCurated(t *testing.T, s Store) {
	ctx := t.Context()
	list, err := s.CuratedAnswers(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("an empty store has curated answers: %+v, %v", list, err)
	}
	expires := base.Add(30 * 24 * time.Hour)
	card := conversation.Curated{ID: "card", Questions: []string{"市民卡要去哪裡辦？", "市民卡在哪辦"}, Answer: "臺北市民卡可在各區公所申辦。",
		Sources: []conversation.Source{{Dataset: "agency_page", Key: "card", Title: "臺北市民卡", URL: "https://card.taipei/"}},
		Status:  conversation.CuratedApproved, ExpiresAt: expires}
	draft := conversation.Curated{ID: "a-draft", Questions: []string{"垃圾車幾點來"}, Answer: "草稿", Status: conversation.CuratedDraft}
	retired := conversation.Curated{ID: "z-old", Questions: []string{"舊問題"}, Answer: "舊答案", Status: conversation.CuratedRetired}
	if err := s.PutCurated(ctx, []conversation.Curated{card, draft, retired}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCurated(ctx, nil); err != nil {
		t.Errorf("PutCurated(nil) = %v", err)
	}
	check := func(t *testing.T, want ...conversation.Curated) {
		t.Helper()
		got, err := s.CuratedAnswers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("CuratedAnswers = %d answers, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || !slices.Equal(g.Questions, w.Questions) || g.Answer != w.Answer || g.Status != w.Status ||
				!g.ExpiresAt.Equal(w.ExpiresAt) || g.Hits != w.Hits || !g.LastHit.Equal(w.LastHit) || len(g.Sources) != len(w.Sources) ||
				(len(w.Sources) > 0 && !reflect.DeepEqual(g.Sources, w.Sources)) {
				t.Errorf("CuratedAnswers[%d] = %+v, want %+v", i, g, w)
			}
		}
	}
	// Every status is listed, ordered by id.
	check(t, draft, card, retired)

	// lastHit returns when an answer was last served, and checks it was between two
	// times (to the microsecond, as stores keep times).
	lastHit := func(t *testing.T, id string, from, to time.Time) time.Time {
		t.Helper()
		got, err := s.CuratedAnswers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if c.ID == id {
				if c.LastHit.Before(from.Truncate(time.Microsecond)) || c.LastHit.After(to) {
					t.Errorf("%s last hit %v, want between %v and %v", id, c.LastHit, from, to)
				}
				return c.LastHit
			}
		}
		t.Fatalf("no curated answer %s", id)
		return time.Time{}
	}
	t.Run("hits", func(t *testing.T) {
		from := time.Now()
		for range 3 {
			if err := s.CuratedHit(ctx, "card"); err != nil {
				t.Fatal(err)
			}
		}
		to := time.Now()
		if err := s.CuratedHit(ctx, "no-such-answer"); err != nil {
			t.Errorf("CuratedHit(unknown) = %v, want nil", err)
		}
		card.Hits, card.LastHit = 3, lastHit(t, "card", from, to)
		// The others were never served: no last hit.
		check(t, draft, card, retired)
	})
	t.Run("update keeps hits", func(t *testing.T) {
		edited := card
		edited.Questions = []string{"市民卡怎麼申請"}
		edited.Answer = "請洽各區公所。"
		edited.Sources = nil
		edited.ExpiresAt = time.Time{}
		edited.Status = conversation.CuratedRetired
		edited.Hits, edited.LastHit = 0, time.Time{} // what an editor sends; the stored count and time stay
		if err := s.PutCurated(ctx, []conversation.Curated{edited}); err != nil {
			t.Fatal(err)
		}
		edited.Hits, edited.LastHit = 3, card.LastHit
		check(t, draft, edited, retired)
		from := time.Now()
		if err := s.CuratedHit(ctx, "card"); err != nil {
			t.Fatal(err)
		}
		edited.Hits, edited.LastHit = 4, lastHit(t, "card", from, time.Now())
		if !edited.LastHit.After(card.LastHit) {
			t.Errorf("a new hit did not move the last hit on: %v, then %v", card.LastHit, edited.LastHit)
		}
		check(t, draft, edited, retired)
	})
	t.Run("concurrent hits", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if err := s.CuratedHit(ctx, "a-draft"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := s.CuratedAnswers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].ID != "a-draft" || got[0].Hits != 20 {
			t.Errorf("after 20 concurrent hits: %+v", got[0])
		}
	})
}

func testFeedback(t *testing.T, s Store) {
	ctx := t.Context()
	save(t, s, turn("m1", "s1", base), turn("m2", "s1", base.Add(time.Second)))
	if _, err := s.Feedback(ctx, "m1"); !errors.Is(err, conversation.ErrNotFound) {
		t.Errorf("Feedback before any rating = %v, want conversation.ErrNotFound", err)
	}
	up := conversation.Feedback{MessageID: "m1", Rating: conversation.RatingUp, CreatedAt: base.Add(time.Minute)}
	if err := s.SaveFeedback(ctx, up); err != nil {
		t.Fatal(err)
	}
	same := func(t *testing.T, want conversation.Feedback) {
		t.Helper()
		got, err := s.Feedback(ctx, want.MessageID)
		if err != nil {
			t.Fatalf("Feedback(%s): %v", want.MessageID, err)
		}
		if got.MessageID != want.MessageID || got.Rating != want.Rating || got.Comment != want.Comment || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("Feedback(%s) = %+v, want %+v", want.MessageID, got, want)
		}
	}
	same(t, up)
	t.Run("a second rating replaces the first", func(t *testing.T) {
		down := conversation.Feedback{MessageID: "m1", Rating: conversation.RatingDown, Comment: "答非所問 😕", CreatedAt: base.Add(2 * time.Minute)}
		if err := s.SaveFeedback(ctx, down); err != nil {
			t.Fatal(err)
		}
		same(t, down)
		if _, err := s.Feedback(ctx, "m2"); !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("another message got a rating: %v", err)
		}
	})
	t.Run("zero time is now", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		if err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: "m2", Rating: conversation.RatingUp}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Feedback(ctx, "m2")
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("CreatedAt = %v, want now", got.CreatedAt)
		}
	})
	t.Run("unknown message", func(t *testing.T) {
		for _, id := range []string{"no-such-message", "", "M1", "'; DELETE FROM feedback;--"} {
			err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: id, Rating: conversation.RatingUp})
			if !errors.Is(err, conversation.ErrUnknownMessage) {
				t.Errorf("SaveFeedback(%q) = %v, want conversation.ErrUnknownMessage", id, err)
			}
			if _, err := s.Feedback(ctx, id); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("Feedback(%q) = %v, want conversation.ErrNotFound", id, err)
			}
		}
	})
}

// testAwkwardText stores what citizens and channels may send: any Unicode, quotes and
// markup as text, and bytes no database text holds (which are stored cleaned, not refused).
func testAwkwardText(t *testing.T, s Store) {
	ctx := t.Context()
	texts := []string{
		"'; DROP TABLE messages;--", "%_\\", "<script>alert(1)</script>", "😀💊👨‍👩‍👧", "\u202e反轉", "$1 $$",
		strings.Repeat("長", 20000),
	}
	for i, text := range texts {
		tr := turn(fmt.Sprintf("t%d", i), fmt.Sprintf("s-awkward-%d", i), base.Add(time.Duration(i)*time.Second))
		tr.Question, tr.Answer = text, text
		save(t, s, tr)
		got, err := s.Turn(ctx, tr.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameTurn(got, tr); d != "" {
			t.Errorf("%.20q: %.200s", text, d)
		}
		if got := recent(t, s, tr.SessionID, 5, time.Time{}); !slices.Equal(got, []string{tr.MessageID}) {
			t.Errorf("session %.20q: %q", tr.SessionID, got)
		}
	}
	t.Run("bytes that are not text", func(t *testing.T) {
		tr := turn("bad-bytes", "s-bad\x00", base)
		tr.Question, tr.Answer = "nul\x00byte", "invalid \xff\xfe utf-8"
		save(t, s, tr)
		got, err := s.Turn(ctx, "bad-bytes")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Question, "nul") || !strings.HasSuffix(got.Question, "byte") || !strings.HasPrefix(got.Answer, "invalid ") {
			t.Errorf("stored as %q / %q", got.Question, got.Answer)
		}
		if err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: "bad-bytes", Rating: conversation.RatingDown, Comment: "x\x00y"}); err != nil {
			t.Errorf("feedback with a NUL comment: %v", err)
		}
	})
}

func testConcurrentTurns(t *testing.T, s Store) {
	const writers, each = 8, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				tr := turn(fmt.Sprintf("w%d-%02d", w, i), fmt.Sprintf("s%d", w), base.Add(time.Duration(i)*time.Second))
				if err := s.SaveTurn(t.Context(), tr); err != nil {
					t.Errorf("SaveTurn(%s): %v", tr.MessageID, err)
				}
			}
		})
	}
	wg.Wait()
	for w := range writers {
		got := recent(t, s, fmt.Sprintf("s%d", w), 100, time.Time{})
		if len(got) != each {
			t.Errorf("session s%d: %d turns, want %d", w, len(got), each)
		}
		if !slices.IsSorted(got) {
			t.Errorf("session s%d: %q not oldest first", w, got)
		}
	}
}
