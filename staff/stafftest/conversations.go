package stafftest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/staff"
)

// ConversationStore is a store that keeps citizens' turns and lists them for staff.
type ConversationStore interface {
	staff.Conversations
	SaveTurn(ctx context.Context, t conversation.Turn) error
	SaveFeedback(ctx context.Context, f conversation.Feedback) error
	PurgeTurns(ctx context.Context, before time.Time) (int64, error)
	TurnStats(ctx context.Context, since time.Time) ([]staff.DayCount, error)
}

// RunConversations checks Conversations and MarkReviewed: filters, order, paging, the
// review queue, and that review marks go with their messages.
func RunConversations(t *testing.T, open func(t *testing.T) ConversationStore) {
	s := open(t)
	ctx := t.Context()
	type spec struct {
		id, channel, q string
		mode           conversation.Mode
		rating         string
	}
	specs := []spec{
		{"m0", "web", "垃圾車幾點來", conversation.ModeNoAnswer, ""},
		{"m1", "line", "普拿疼可以跟咖啡一起吃嗎", conversation.ModeExtractive, conversation.RatingDown},
		{"m2", "web", "How do I renew a <b>licence</b>?", conversation.ModeExtractive, conversation.RatingUp},
		{"m3", "web", "垃圾車什麼時候來", conversation.ModeNoAnswer, ""},
		{"m4", "line", "100%_折扣", conversation.ModeGenerated, ""},
	}
	for i, sp := range specs {
		at := t0.Add(time.Duration(i) * time.Minute)
		if err := s.SaveTurn(ctx, conversation.Turn{MessageID: sp.id, SessionID: "s", Channel: sp.channel, Question: sp.q, Answer: "a" + sp.id,
			Mode: sp.mode, Sources: []conversation.Source{{Dataset: "d", Key: "k" + sp.id, Title: "t"}}, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if sp.rating != "" {
			if err := s.SaveFeedback(ctx, conversation.Feedback{MessageID: sp.id, Rating: sp.rating, Comment: "c" + sp.id, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids := func(f staff.TurnFilter) []string {
		t.Helper()
		rows, err := s.Conversations(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.MessageID)
		}
		return out
	}
	for _, tc := range []struct {
		f    staff.TurnFilter
		want []string
	}{
		{staff.TurnFilter{}, []string{"m4", "m3", "m2", "m1", "m0"}},
		{staff.TurnFilter{Mode: "no_answer"}, []string{"m3", "m0"}},
		{staff.TurnFilter{Rating: "down"}, []string{"m1"}},
		{staff.TurnFilter{Rating: "none"}, []string{"m4", "m3", "m0"}},
		{staff.TurnFilter{Channel: "line"}, []string{"m4", "m1"}},
		{staff.TurnFilter{Text: "垃圾車"}, []string{"m3", "m0"}},
		{staff.TurnFilter{Text: "LICENCE"}, []string{"m2"}},
		{staff.TurnFilter{Text: "%_"}, []string{"m4"}}, // literally, not as a pattern
		{staff.TurnFilter{Text: "_"}, []string{"m4"}},
		{staff.TurnFilter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, []string{"m2", "m1"}},
		{staff.TurnFilter{Review: true}, []string{"m3", "m1", "m0"}},
		{staff.TurnFilter{Limit: 2}, []string{"m4", "m3"}},
		{staff.TurnFilter{Limit: 2, Before: staff.Cursor{At: t0.Add(3 * time.Minute), ID: "m3"}}, []string{"m2", "m1"}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("Conversations(%+v) = %v, want %v", tc.f, got, tc.want)
		}
	}
	rows, err := s.Conversations(ctx, staff.TurnFilter{Rating: "down"})
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	if r := rows[0]; r.Comment != "cm1" || r.Question != specs[1].q || r.Answer != "am1" || r.Channel != "line" || len(r.Sources) != 1 || r.Sources[0].Key != "km1" || !r.CreatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("row = %+v", r)
	}

	// t0 is 17:00 in Taipei: every turn is on 2026-12-01 there.
	stats, err := s.TurnStats(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []staff.DayCount{
		{Day: "2026-12-01", Channel: "line", Mode: "extractive", Rating: "down", N: 1},
		{Day: "2026-12-01", Channel: "line", Mode: "generated", N: 1},
		{Day: "2026-12-01", Channel: "web", Mode: "extractive", Rating: "up", N: 1},
		{Day: "2026-12-01", Channel: "web", Mode: "no_answer", N: 1},
	}
	if !slices.Equal(stats, want) {
		t.Errorf("TurnStats = %+v, want %+v", stats, want)
	}

	if err := s.MarkReviewed(ctx, []string{"m0", "m3", "unknown"}, "curated", "", "lin@agency.gov.tw"); err != nil {
		t.Fatal(err)
	}
	if got := ids(staff.TurnFilter{Review: true}); !slices.Equal(got, []string{"m1"}) {
		t.Errorf("review queue after marking = %v, want [m1]", got)
	}
	rows, _ = s.Conversations(ctx, staff.TurnFilter{Mode: "no_answer"})
	for _, r := range rows {
		if r.Reviewed != "curated" {
			t.Errorf("%s reviewed = %q", r.MessageID, r.Reviewed)
		}
	}
	// Purging a message takes its mark: a message saved again under its id is new.
	if _, err := s.PurgeTurns(ctx, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTurn(ctx, conversation.Turn{MessageID: "m0", Channel: "web", Question: "q", Answer: "a", Mode: conversation.ModeNoAnswer, CreatedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The purged turns are still counted, by their day.
	stats, err = s.TurnStats(ctx, t0.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want = []staff.DayCount{
		{Day: "2026-12-01", Channel: "line", Mode: "extractive", Rating: "down", N: 1},
		{Day: "2026-12-01", Channel: "line", Mode: "generated", N: 1},
		{Day: "2026-12-01", Channel: "web", Mode: "extractive", Rating: "up", N: 1},
		{Day: "2026-12-01", Channel: "web", Mode: "no_answer", N: 3},
	}
	if !slices.Equal(stats, want) {
		t.Errorf("TurnStats after the purge = %+v, want %+v (purged turns counted, the new m0 too)", stats, want)
	}
	if got := fmt.Sprint(ids(staff.TurnFilter{Review: true})); got != "[m0]" { // m1 was purged too
		t.Errorf("review queue after purge and a new m0 = %s, want [m0]", got)
	}
}
