package line_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line"
	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

// openPG opens a store on a database: two stores on one database are two replicas.
func openPG(tb testing.TB, url string) *pgstore.Store {
	tb.Helper()
	e := hashembed.New(64)
	s, err := pgstore.Open(context.Background(), url, e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// echo answers every question at once.
var echo = fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
	return bot.Answer{Text: "答：" + r.Message, Mode: conversation.ModeNoAnswer}, nil
})

// events makes n text events, each from its own user.
func events(api *linetest.Server, n int) []linetest.Event {
	var out []linetest.Event
	for i := range n {
		out = append(out, api.Text(linetest.NewUserID(), fmt.Sprintf("問題 %d", i)))
	}
	return out
}

// exactlyOnce fails unless every event's chat got one answer, and nothing else was
// answered.
func exactlyOnce(tb testing.TB, api *linetest.Server, evs []linetest.Event) {
	tb.Helper()
	got := api.Answers()
	for _, ev := range evs {
		if n := got[ev.Source.UserID]; n != 1 {
			tb.Errorf("event %s answered %d times, want once", ev.WebhookEventID, n)
		}
		delete(got, ev.Source.UserID)
	}
	for chat, n := range got {
		tb.Errorf("%d answers to %s, which sent nothing", n, chat)
	}
}

func waitAnswered(tb testing.TB, api *linetest.Server, evs []linetest.Event, timeout time.Duration) {
	tb.Helper()
	api.Wait(tb, timeout, fmt.Sprintf("answers to %d events", len(evs)), func([]linetest.Call) bool {
		got := api.Answers()
		for _, ev := range evs {
			if got[ev.Source.UserID] == 0 {
				return false
			}
		}
		return true
	})
}

func postTo(tb testing.TB, h http.Handler, api *linetest.Server, evs ...linetest.Event) int {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, api.Request(webhookURL, linetest.Marshal(evs...)))
	return rec.Code
}

// TestRestartMidAnswer stops a process while its answers are slow (its drain time
// runs out) and starts another on the same database: every acknowledged event is
// answered, exactly once.
func TestRestartMidAnswer(t *testing.T) {
	url := pgtest.New(t)
	api := linetest.New(t, linetest.Options{})
	entered := make(chan struct{}, 64)
	slow := fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
		entered <- struct{}{}
		<-ctx.Done()
		return bot.Answer{}, ctx.Err()
	})
	first := newHandler(t, api, slow, openPG(t, url), &logs{}, func(c *line.Config) { c.Workers = 3 })
	evs := events(api, 10)
	for _, ev := range evs {
		if code := postTo(t, first, api, ev); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	for range 3 {
		<-entered
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := first.Shutdown(ctx); err == nil {
		t.Fatal("the slow answers finished: the test stops nothing mid-answer")
	}
	if n := api.Delivered(); n != 0 {
		t.Fatalf("%d answers from the stopped process", n)
	}

	second := newHandler(t, api, echo, openPG(t, url), &logs{}, func(c *line.Config) { c.Workers = 2 })
	waitAnswered(t, api, evs, 20*time.Second)
	waitHandled(t, second, int64(len(evs)))
	exactlyOnce(t, api, evs)
	if second.Stats.Resumed.Load() < 3 {
		t.Errorf("%d events resumed, want at least the 3 cut short", second.Stats.Resumed.Load())
	}
}

// TestAPIOutage has the Messaging API fail for a while: every answer is delivered
// once it recovers, by push with the event's retry key when the reply token expired.
func TestAPIOutage(t *testing.T) {
	for _, c := range []struct {
		name       string
		status     int
		retryAfter int
	}{
		{"500", http.StatusInternalServerError, 0},
		{"429 with Retry-After", http.StatusTooManyRequests, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := linetest.New(t, linetest.Options{})
			// A reply token valid 1s (LINE's last a minute): the outage outlasts it.
			h := newHandler(t, api, echo, openPG(t, pgtest.New(t)), &logs{}, func(cfg *line.Config) {
				cfg.ReplyTimeout, cfg.Poll = time.Second, 100*time.Millisecond
			})
			api.Outage(c.status, 3*time.Second, c.retryAfter)
			evs := events(api, 6)
			if code := postTo(t, h, api, evs...); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			waitAnswered(t, api, evs, 30*time.Second)
			waitHandled(t, h, int64(len(evs)))
			exactlyOnce(t, api, evs)
			keys := map[string]bool{}
			for _, p := range api.CallsOf(linetest.Push) {
				if p.RetryKey == "" {
					t.Errorf("a push without a retry key: %+v", p)
				}
				if p.Accepted() {
					if keys[p.RetryKey] {
						t.Errorf("retry key %s accepted twice", p.RetryKey)
					}
					keys[p.RetryKey] = true
				}
			}
			if len(keys) == 0 {
				t.Error("no push accepted: the reply tokens outlived the outage")
			}
			failed := 0
			for _, call := range api.Calls() {
				if call.Status == c.status {
					failed++
				}
			}
			if failed < len(evs) || h.Stats.Retries.Load() == 0 {
				t.Errorf("%d calls failed, %d retries: the outage was not met", failed, h.Stats.Retries.Load())
			}
		})
	}
}

// TestReplicasOneDatabase runs two processes on one database, each getting every
// other event and the other's events again as redeliveries: no event is answered
// twice, and none is lost.
func TestReplicasOneDatabase(t *testing.T) {
	url := pgtest.New(t)
	api := linetest.New(t, linetest.Options{})
	var hs [2]*line.Handler
	for i := range hs {
		hs[i] = newHandler(t, api, echo, openPG(t, url), &logs{}, func(c *line.Config) { c.Workers = 4; c.Poll = 50 * time.Millisecond })
	}
	evs := events(api, 40)
	var wg sync.WaitGroup
	for i, ev := range evs {
		wg.Go(func() {
			if code := postTo(t, hs[i%2], api, ev); code != http.StatusOK {
				t.Errorf("status %d", code)
			}
			if code := postTo(t, hs[(i+1)%2], api, ev.Redelivered()); code != http.StatusOK {
				t.Errorf("status %d", code)
			}
		})
	}
	wg.Wait()
	waitAnswered(t, api, evs, 30*time.Second)
	for deadline := time.Now().Add(10 * time.Second); hs[0].Stats.Handled.Load()+hs[1].Stats.Handled.Load() < int64(2*len(evs)); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d events, want %d", hs[0].Stats.Handled.Load()+hs[1].Stats.Handled.Load(), 2*len(evs))
		}
	}
	exactlyOnce(t, api, evs)
	if dup := hs[0].Stats.Duplicates.Load() + hs[1].Stats.Duplicates.Load(); dup != int64(len(evs)) {
		t.Errorf("%d redeliveries recognised, want %d", dup, len(evs))
	}
}

// TestStoreCannotRecord makes PostgreSQL refuse to record events: the webhook
// answers 500 (LINE delivers again) and answers nothing; once the store writes again,
// the redelivered event is answered once.
func TestStoreCannotRecord(t *testing.T) {
	url := pgtest.New(t)
	api := linetest.New(t, linetest.Options{})
	h := newHandler(t, api, echo, openPG(t, url), &logs{})
	admin := func(q string) {
		t.Helper()
		c, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	admin(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END $$;
	       CREATE TRIGGER refuse BEFORE INSERT ON line_events FOR EACH ROW EXECUTE FUNCTION refuse()`)
	ev := api.Text(linetest.NewUserID(), "愛心卡遺失怎麼辦？")
	if code := postTo(t, h, api, ev); code != http.StatusInternalServerError {
		t.Fatalf("status %d with the store refusing writes, want 500 so that LINE redelivers", code)
	}
	if code := postTo(t, h, api, ev.Redelivered()); code != http.StatusInternalServerError {
		t.Fatalf("status %d for the redelivery, want 500", code)
	}
	// Refused before anything entered the outbox, which is all the workers answer:
	// the answers counted at the end show that these were never answered.
	if n := len(api.Calls()); n != 0 || h.Stats.Unrecorded.Load() != 2 {
		t.Fatalf("%d API calls, %d unrecorded: want nothing answered without a record", n, h.Stats.Unrecorded.Load())
	}
	admin(`DROP TRIGGER refuse ON line_events`)
	if code := postTo(t, h, api, ev.Redelivered()); code != http.StatusOK {
		t.Fatalf("status %d once the store writes again", code)
	}
	if code := postTo(t, h, api, ev.Redelivered()); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	waitAnswered(t, api, []linetest.Event{ev}, 10*time.Second)
	waitHandled(t, h, 2)
	exactlyOnce(t, api, []linetest.Event{ev})
}
