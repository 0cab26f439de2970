package pgstore_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestServingLimits: the pool's sessions carry the server-side limits (a statement
// the client gave up on is ended by the server, a lock or an idle transaction is not
// waited on for ever); a value in DATABASE_URL wins; and every serving call is
// bounded by QueryTimeout even when the caller gives no deadline.
func TestServingLimits(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	s := open(t, db, &retrievaltest.CountingEmbedder{Dim: 16})
	for name, want := range map[string]string{"statement_timeout": "5s", "lock_timeout": "2s", "idle_in_transaction_session_timeout": "30s"} {
		var got string
		if err := s.Pool().QueryRow(ctx, "SHOW "+name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	var pgErr *pgconn.PgError
	if _, err := s.Pool().Exec(ctx, `SET statement_timeout = '50ms'; SELECT pg_sleep(5)`); !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Errorf("a statement past statement_timeout: %v, want query_canceled (57014)", err)
	}

	u, _ := url.Parse(db)
	q := u.Query()
	q.Set("statement_timeout", "10s")
	u.RawQuery = q.Encode()
	o := open(t, u.String(), &retrievaltest.CountingEmbedder{Dim: 16})
	var got string
	if err := o.Pool().QueryRow(ctx, "SHOW statement_timeout").Scan(&got); err != nil || got != "10s" {
		t.Errorf("statement_timeout from the URL = %q (%v), want 10s", got, err)
	}

	// A database that stops answering: the call ends at QueryTimeout, not never.
	proxy, via := pgtest.NewProxy(t, db)
	p := open(t, via, &retrievaltest.CountingEmbedder{Dim: 16})
	// Warm the pool (a search uses several connections) under the default deadline.
	for range 3 {
		if _, err := p.Search(ctx, retrieval.Query{Text: "普拿疼", K: 5}); err != nil {
			t.Fatalf("search before the pause: %v", err)
		}
	}
	p.QueryTimeout = 200 * time.Millisecond
	proxy.Pause()
	defer proxy.Resume()
	calls := map[string]func(context.Context) error{
		"search": func(ctx context.Context) error {
			_, err := p.Search(ctx, retrieval.Query{Text: "普拿疼", K: 5})
			return err
		},
		"save turn": func(ctx context.Context) error {
			return p.SaveTurn(ctx, conversation.Turn{MessageID: "m1", Mode: conversation.ModeNoAnswer})
		},
		"recent turns": func(ctx context.Context) error { _, err := p.RecentTurns(ctx, "s", 3, time.Time{}); return err },
		"mark event":   func(ctx context.Context) error { _, err := p.MarkEvent(ctx, "ev1"); return err },
		"save feedback": func(ctx context.Context) error {
			return p.SaveFeedback(ctx, conversation.Feedback{MessageID: "m1", Rating: conversation.RatingUp})
		},
		"ready": func(ctx context.Context) error { return p.Ready(ctx) },
	}
	for name, call := range calls {
		done := make(chan error, 1)
		go func() { done <- call(ctx) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s with the database paused: %v, want context.DeadlineExceeded", name, err)
			}
		case <-time.After(10 * time.Second): // 50 × QueryTimeout: hung
			t.Errorf("%s with the database paused and no deadline from the caller: still waiting", name)
		}
	}
}
