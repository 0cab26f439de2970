package line_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line"
	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	_ line.Store = (*pgstore.Store)(nil)
	_ line.Store = (*memstore.Store)(nil)
)

const webhookURL = "http://civicbot.test/line/webhook"

// logs collects a handler's logs, to check that they hold no personal data.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// fixture is a handler with the fake LINE API.
type fixture struct {
	api  *linetest.Server
	h    *line.Handler
	logs *logs
}

func newFixture(tb testing.TB, engine line.Answerer, store line.Store, configure ...func(*line.Config)) *fixture {
	tb.Helper()
	f := &fixture{api: linetest.New(tb, linetest.Options{}), logs: &logs{}}
	f.h = newHandler(tb, f.api, engine, store, f.logs, configure...)
	return f
}

func newHandler(tb testing.TB, api *linetest.Server, engine line.Answerer, store line.Store, l *logs, configure ...func(*line.Config)) *line.Handler {
	tb.Helper()
	cfg := line.Config{
		ChannelSecret: api.Secret,
		AccessToken:   api.Token,
		APIBaseURL:    api.URL,
		Engine:        engine,
		Store:         store,
		Log:           slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, c := range configure {
		c(&cfg)
	}
	h, err := line.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		// The subtests of a test share a store, and so the outbox: an event this
		// handler took is finished before it closes, or the next handler would
		// deliver it to its own fake LINE.
		for deadline := time.Now().Add(15 * time.Second); h.Stats.Handled.Load() < h.Stats.Events.Load() && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		_ = h.Close()
	})
	return h
}

// post sends a signed webhook and returns the status.
func (f *fixture) post(tb testing.TB, events ...linetest.Event) int {
	tb.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, f.api.Request(webhookURL, linetest.Marshal(events...)))
	return rec.Code
}

// waitHandled waits until the handler finished with n events.
func waitHandled(tb testing.TB, h *line.Handler, n int64) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.Stats.Handled.Load() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("handled %d events, want %d", h.Stats.Handled.Load(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// refusedBeforeTaking checks, once a refused webhook has been answered, that the
// handler took none of its events and so will never answer them: the webhook records
// the events it takes in the outbox before it answers, and the workers answer only
// what the outbox holds. Then a valid event is answered, alone.
func refusedBeforeTaking(t *testing.T, f *fixture) {
	t.Helper()
	if n, ev := len(f.api.Calls()), f.h.Stats.Events.Load(); n != 0 || ev != 0 {
		t.Fatalf("%d API calls, %d events taken after a refused webhook: want none", n, ev)
	}
	user := linetest.NewUserID()
	if code := f.post(t, f.api.Media(user, "sticker")); code != http.StatusOK {
		t.Fatalf("status %d for a valid webhook after the refused one", code)
	}
	waitHandled(t, f.h, 1)
	for _, c := range f.api.Calls() {
		if c.ChatID != "" && c.ChatID != user {
			t.Errorf("a call to %s after a refused webhook: want only the valid event's", c.ChatID)
		}
	}
	if n := f.api.Delivered(); n != 1 || f.h.Stats.Events.Load() != 1 {
		t.Errorf("%d answers, %d events taken: want only the valid event's", n, f.h.Stats.Events.Load())
	}
}

// waitForgotten waits until a conversation is forgotten. It waits for that, not for a
// count of handled events: under the race detector on a loaded machine the count was
// seen reached with the conversation still there (the cause is not established; an
// event taken up again after a lost lease is counted twice).
func waitForgotten(t *testing.T, store *pgstore.Store, session string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		turns, err := store.RecentTurns(context.Background(), session, 10, time.Time{})
		if err == nil && len(turns) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s later the conversation holds %d turns (%v): want it forgotten", len(turns), err)
		}
	}
}

// noLeak fails when the logs hold a user id or a message text.
func (f *fixture) noLeak(tb testing.TB, secrets ...string) {
	tb.Helper()
	out := f.logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			tb.Errorf("the logs hold %q:\n%s", s, out)
		}
	}
}

func quickLabels(m linetest.Message) string {
	var out []string
	for _, a := range m.QuickReplies() {
		out = append(out, a.Label())
	}
	return strings.Join(out, ",")
}

// fakeEngine answers with a function.
type fakeEngine func(ctx context.Context, r bot.Request) (bot.Answer, error)

func (f fakeEngine) Ask(ctx context.Context, r bot.Request, _ func(bot.Event)) (bot.Answer, error) {
	return f(ctx, r)
}

// newMemStore is the embedded store in a temporary directory.
func newMemStore(tb testing.TB) *memstore.Store {
	tb.Helper()
	e := hashembed.New(64)
	s, err := memstore.Open(context.Background(), tb.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// TestLine runs the channel on the bundled data with the real engine and PostgreSQL.
func TestLine(t *testing.T) {
	store := pgtest.Bundled(t)
	engine, err := bot.New(bot.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const drugQuestion = "普拿疼膜衣錠的成分是什麼？"

	t.Run("bad signature", func(t *testing.T) {
		f := newFixture(t, engine, store)
		user := linetest.NewUserID()
		body := linetest.Marshal(f.api.Text(user, drugQuestion))
		req := f.api.Request(webhookURL, body)
		req.Header.Set("X-Line-Signature", linetest.Sign("not-the-secret", body))
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", rec.Code)
		}
		refusedBeforeTaking(t, f)
		if f.h.Stats.BadSignatures.Load() != 1 {
			t.Errorf("%d bad signatures counted, want 1", f.h.Stats.BadSignatures.Load())
		}
		f.noLeak(t, user, drugQuestion)
	})

	t.Run("missing signature", func(t *testing.T) {
		f := newFixture(t, engine, store)
		req := f.api.Request(webhookURL, linetest.Marshal(f.api.Text(linetest.NewUserID(), drugQuestion)))
		req.Header.Del("X-Line-Signature")
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", rec.Code)
		}
		refusedBeforeTaking(t, f)
	})

	t.Run("oversized body", func(t *testing.T) {
		f := newFixture(t, engine, store)
		body := linetest.Marshal(f.api.Text(linetest.NewUserID(), strings.Repeat("藥", line.DefaultMaxBodyBytes/3+1)))
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, f.api.Request(webhookURL, body))
		if rec.Code != http.StatusRequestEntityTooLarge || f.h.Stats.TooLarge.Load() != 1 {
			t.Errorf("status %d, %d too large: want 413 and 1", rec.Code, f.h.Stats.TooLarge.Load())
		}
		refusedBeforeTaking(t, f)
	})

	t.Run("malformed body", func(t *testing.T) {
		f := newFixture(t, engine, store)
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, f.api.Request(webhookURL, []byte(`{"events": {"a": 1}}`)))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", rec.Code)
		}
		// One bad event does not sink the others.
		user := linetest.NewUserID()
		good := linetest.Marshal(f.api.Media(user, "sticker"))
		body := append([]byte(`{"destination":"x","events":[{"type":5},`), good[bytes.IndexByte(good, '[')+1:]...)
		rec = httptest.NewRecorder()
		f.h.ServeHTTP(rec, f.api.Request(webhookURL, body))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", rec.Code)
		}
		f.api.WaitDelivered(t, 1)
	})

	t.Run("verification request", func(t *testing.T) {
		f := newFixture(t, engine, store)
		if code := f.post(t); code != http.StatusOK {
			t.Errorf("status %d for an empty event list, want 200", code)
		}
	})

	var drugAnswer linetest.Call
	t.Run("text answered, with the loading animation", func(t *testing.T) {
		f := newFixture(t, engine, store)
		user := linetest.NewUserID()
		ev := f.api.Text(user, drugQuestion)
		if code := f.post(t, ev); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		calls := f.api.WaitDelivered(t, 1)
		all := f.api.Calls()
		if len(all) != 2 || all[0].Kind != linetest.Loading || all[0].ChatID != user || all[0].LoadingSeconds != line.LoadingSeconds {
			t.Fatalf("calls %+v: want the loading animation for the user, then the reply", all)
		}
		reply := calls[0]
		if reply.Kind != linetest.Reply || reply.ReplyToken != ev.ReplyToken {
			t.Fatalf("answer by %s with token %q, want a reply with %q", reply.Kind, reply.ReplyToken, ev.ReplyToken)
		}
		if !strings.Contains(reply.Text(), "普拿疼") || !strings.Contains(reply.Text(), "醫師或藥師") {
			t.Errorf("answer:\n%s", reply.Text())
		}
		last := reply.Messages[len(reply.Messages)-1]
		if last.Type() != "flex" || !strings.Contains(last.AltText(), "普拿疼") {
			t.Errorf("last message %v: want the source cards", last)
		}
		texts := strings.Join(last.FlexTexts(), "|")
		if !strings.Contains(texts, "食藥署藥品許可證") || !strings.Contains(texts, "資料日期：") {
			t.Errorf("card texts %q: want the dataset and the data's date", texts)
		}
		if got := quickLabels(last); !strings.HasPrefix(got, "外觀,怎麼保存,副作用,找藥師") || !strings.Contains(got, "👍") {
			t.Errorf("quick replies %q", got)
		}
		drugAnswer = reply
		f.noLeak(t, user, drugQuestion)
	})

	t.Run("follow-up and feedback by postback", func(t *testing.T) {
		f := newFixture(t, engine, store)
		user := linetest.NewUserID()
		f.post(t, f.api.Text(user, drugQuestion))
		first := f.api.WaitDelivered(t, 1)[0]
		var up, followUp linetest.Action
		for _, a := range first.Messages[len(first.Messages)-1].QuickReplies() {
			switch a.Label() {
			case "👍 有幫助":
				up = a
			case "副作用":
				followUp = a
			}
		}
		if up == nil || followUp == nil {
			t.Fatalf("quick replies %v", first.Messages[len(first.Messages)-1].QuickReplies())
		}
		f.post(t, f.api.Postback(user, followUp.Data()))
		second := f.api.WaitDelivered(t, 2)[1]
		if !strings.Contains(second.Text(), "普拿疼") || !strings.Contains(second.Text(), "副作用") {
			t.Errorf("follow-up answer:\n%s", second.Text())
		}

		f.post(t, f.api.Postback(user, up.Data()))
		thanks := f.api.WaitDelivered(t, 3)[2]
		if thanks.Text() != "謝謝您的回饋！" {
			t.Errorf("feedback answered %q", thanks.Text())
		}
		id := strings.TrimPrefix(up.Data(), "fb=up&m=")
		fb, err := store.Feedback(ctx, id)
		if err != nil || fb.Rating != conversation.RatingUp {
			t.Errorf("stored feedback %+v, %v: want up", fb, err)
		}
		// Feedback on a message that does not exist is thanked, and not stored.
		f.post(t, f.api.Postback(user, "fb=down&m=ffffffffffffffffffffffffffffffff"))
		f.api.WaitDelivered(t, 4)
		if f.h.Stats.Feedback.Load() != 1 {
			t.Errorf("%d feedback stored, want 1", f.h.Stats.Feedback.Load())
		}
		f.noLeak(t, user)
	})

	t.Run("redelivery answered once", func(t *testing.T) {
		f := newFixture(t, engine, store)
		ev := f.api.Text(linetest.NewUserID(), "愛心卡遺失怎麼辦？")
		f.post(t, ev)
		f.post(t, ev.Redelivered())
		// Handled counts an event once it is finished (delivered, or found a
		// duplicate): with both handled, no answer can come any more.
		waitHandled(t, f.h, 2)
		if n := f.api.Delivered(); n != 1 || f.h.Stats.Duplicates.Load() != 1 {
			t.Errorf("%d answers, %d duplicates: want 1 and 1", n, f.h.Stats.Duplicates.Load())
		}
	})

	t.Run("redelivery to another replica answered once", func(t *testing.T) {
		api := linetest.New(t, linetest.Options{})
		l := &logs{}
		a, b := newHandler(t, api, engine, store, l), newHandler(t, api, engine, store, l)
		ev := api.Text(linetest.NewUserID(), "路邊停車費怎麼繳")
		var wg sync.WaitGroup
		for i, h := range []*line.Handler{a, b} {
			e := ev
			if i == 1 {
				e = ev.Redelivered()
			}
			wg.Go(func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, api.Request(webhookURL, linetest.Marshal(e)))
			})
		}
		wg.Wait()
		// Either replica's workers may take the event from the shared outbox; the
		// other replica handles the redelivery as a duplicate.
		for deadline := time.Now().Add(20 * time.Second); a.Stats.Handled.Load()+b.Stats.Handled.Load() < 2; time.Sleep(2 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("handled %d events, want 2", a.Stats.Handled.Load()+b.Stats.Handled.Load())
			}
		}
		if n, dup := api.Delivered(), a.Stats.Duplicates.Load()+b.Stats.Duplicates.Load(); n != 1 || dup != 1 {
			t.Errorf("%d answers, %d duplicates across replicas: want 1 and 1", n, dup)
		}
	})

	t.Run("expired reply token: pushed with a retry key", func(t *testing.T) {
		f := newFixture(t, engine, store)
		user := linetest.NewUserID()
		ev := f.api.Text(user, drugQuestion)
		f.api.ExpireToken(ev.ReplyToken)
		// The first push fails: the retry must carry the same key.
		f.api.Fail(linetest.Push, http.StatusInternalServerError, `{"message":"An error occurred in the backend"}`, 1)
		f.post(t, ev)
		waitHandled(t, f.h, 1)
		replies, pushes := f.api.CallsOf(linetest.Reply), f.api.CallsOf(linetest.Push)
		if len(replies) != 1 || replies[0].Status != http.StatusBadRequest {
			t.Fatalf("replies %+v: want one refused", replies)
		}
		if len(pushes) != 2 || pushes[0].Status != 500 || !pushes[1].Accepted() || pushes[1].To != user ||
			pushes[0].RetryKey == "" || pushes[0].RetryKey != pushes[1].RetryKey {
			t.Fatalf("pushes %+v: want a failed push and its retry, to the user, with one retry key", pushes)
		}
		if !strings.Contains(pushes[1].Text(), "普拿疼") {
			t.Errorf("pushed %q", pushes[1].Text())
		}
		if f.h.Stats.Late.Load() != 1 || f.h.Stats.Pushes.Load() != 1 || f.h.Stats.Replies.Load() != 0 {
			t.Errorf("stats late %d pushes %d replies %d", f.h.Stats.Late.Load(), f.h.Stats.Pushes.Load(), f.h.Stats.Replies.Load())
		}
		f.noLeak(t, user, drugQuestion)
	})

	t.Run("late answer pushed without trying the reply", func(t *testing.T) {
		f := newFixture(t, engine, store, func(c *line.Config) { c.ReplyTimeout = time.Nanosecond })
		f.post(t, f.api.Text(linetest.NewUserID(), "愛心卡遺失怎麼辦？"))
		f.api.WaitDelivered(t, 1)
		if len(f.api.CallsOf(linetest.Reply)) != 0 || len(f.api.CallsOf(linetest.Push)) != 1 {
			t.Errorf("calls %+v: want a push only", f.api.Calls())
		}
	})

	t.Run("no push when pushes are off", func(t *testing.T) {
		f := newFixture(t, engine, store, func(c *line.Config) { c.NoPush = true })
		ev := f.api.Text(linetest.NewUserID(), "愛心卡遺失怎麼辦？")
		f.api.ExpireToken(ev.ReplyToken)
		f.post(t, ev)
		waitHandled(t, f.h, 1)
		if len(f.api.CallsOf(linetest.Push)) != 0 || f.h.Stats.Dropped.Load() != 1 {
			t.Errorf("calls %+v, dropped %d: want no push", f.api.Calls(), f.h.Stats.Dropped.Load())
		}
	})

	t.Run("emergency: a card with call buttons", func(t *testing.T) {
		f := newFixture(t, engine, store)
		const q = "我的小孩誤食了一整瓶藥怎麼辦"
		f.post(t, f.api.Text(linetest.NewUserID(), q))
		reply := f.api.WaitDelivered(t, 1)[0]
		if len(reply.Messages) != 2 || reply.Messages[0].Type() != "text" || reply.Messages[1].Type() != "flex" {
			t.Fatalf("messages %v: want the emergency text and the card", reply.Messages)
		}
		if !strings.Contains(reply.Messages[0].Text(), "119") {
			t.Errorf("emergency text %q", reply.Messages[0].Text())
		}
		card := reply.Messages[1]
		tels := map[string]bool{}
		for _, a := range card.Actions() {
			if a.Type() == "uri" && strings.HasPrefix(a.URI(), "tel:") {
				tels[a.URI()] = true
			}
		}
		for _, tel := range []string{"tel:119", "tel:1925", "tel:0228717121"} {
			if !tels[tel] {
				t.Errorf("no %s button in %v", tel, card.Actions())
			}
		}
		if !strings.Contains(card.AltText(), "119") || !strings.Contains(card.AltText(), "2871-7121") || len(card.QuickReplies()) != 0 {
			t.Errorf("alt text %q, quick replies %v", card.AltText(), card.QuickReplies())
		}
		f.noLeak(t, q)
	})

	t.Run("non-text messages get a polite text", func(t *testing.T) {
		f := newFixture(t, engine, store)
		kinds := []string{"sticker", "image", "video", "audio", "location", "file"}
		for _, k := range kinds {
			f.post(t, f.api.Media(linetest.NewUserID(), k))
		}
		for _, c := range f.api.WaitDelivered(t, len(kinds)) {
			if c.Text() != "我目前只看得懂文字訊息，請用文字輸入您的問題。" {
				t.Errorf("answered %q", c.Text())
			}
		}
		if f.h.Stats.NonTexts.Load() != int64(len(kinds)) {
			t.Errorf("%d non-text events counted", f.h.Stats.NonTexts.Load())
		}
	})

	t.Run("follow: greeting", func(t *testing.T) {
		f := newFixture(t, engine, store)
		f.post(t, f.api.Follow(linetest.NewUserID()))
		c := f.api.WaitDelivered(t, 1)[0]
		for _, want := range []string{"回答整理自政府公開資料，不能取代醫師或藥師；緊急狀況請撥 119", "保留 30 天", "遮蔽", "藥品"} {
			if !strings.Contains(c.Text(), want) {
				t.Errorf("greeting lacks %q:\n%s", want, c.Text())
			}
		}
		if len(c.Messages[0].QuickReplies()) == 0 {
			t.Error("no example questions")
		}
	})

	t.Run("unfollow: the conversation is forgotten", func(t *testing.T) {
		f := newFixture(t, engine, store)
		user := linetest.NewUserID()
		f.post(t, f.api.Text(user, drugQuestion))
		f.api.WaitDelivered(t, 1)
		session := f.h.SessionID(user)
		if !strings.HasPrefix(session, "line:") || strings.Contains(session, user) {
			t.Fatalf("session %q", session)
		}
		turns, err := store.RecentTurns(ctx, session, 10, time.Now().Add(-time.Hour))
		if err != nil || len(turns) != 1 || turns[0].Channel != "line" {
			t.Fatalf("turns %+v, %v: want the question remembered", turns, err)
		}
		f.post(t, linetest.Unfollow(user))
		waitForgotten(t, store, session)
		f.noLeak(t, user, drugQuestion)
	})

	t.Run("group: answered when mentioned, quoting the question", func(t *testing.T) {
		f := newFixture(t, engine, store)
		group, user := linetest.NewGroupID(), linetest.NewUserID()
		ev := f.api.Mentioning(group, user, drugQuestion)
		f.post(t, ev)
		c := f.api.WaitDelivered(t, 1)[0]
		if c.ReplyToken != ev.ReplyToken || c.Messages[0].QuoteToken() != ev.Message.QuoteToken || !strings.Contains(c.Text(), "普拿疼") {
			t.Errorf("reply %+v: want the answer quoting the question", c)
		}
		if n := len(f.api.CallsOf(linetest.Loading)); n != 0 {
			t.Errorf("%d loading animations in a group: the API has them for one-to-one chats only", n)
		}
		turns, _ := store.RecentTurns(ctx, f.h.SessionID(group), 10, time.Now().Add(-time.Hour))
		if len(turns) != 1 || strings.Contains(turns[0].Question, "小幫手") {
			t.Errorf("group turns %+v: want the question without the mention", turns)
		}
		f.noLeak(t, user, group, drugQuestion)
	})

	t.Run("group: not mentioned, not answered", func(t *testing.T) {
		f := newFixture(t, engine, store)
		group := linetest.NewGroupID()
		f.post(t, f.api.TextFrom(linetest.Group(group, linetest.NewUserID()), drugQuestion),
			f.api.TextFrom(linetest.Room(linetest.NewRoomID(), ""), drugQuestion))
		waitHandled(t, f.h, 2)
		if n := len(f.api.Calls()); n != 0 || f.h.Stats.NotAddressed.Load() != 2 {
			t.Errorf("%d API calls, %d not addressed: want none and 2", n, f.h.Stats.NotAddressed.Load())
		}
	})

	t.Run("join and leave", func(t *testing.T) {
		f := newFixture(t, engine, store)
		group := linetest.NewGroupID()
		f.post(t, f.api.Join(group))
		if c := f.api.WaitDelivered(t, 1)[0]; !strings.Contains(c.Text(), "提及") {
			t.Errorf("join answered %q", c.Text())
		}
		f.post(t, f.api.Mentioning(group, "", "愛心卡遺失怎麼辦？"))
		f.api.WaitDelivered(t, 2)
		f.post(t, linetest.Leave(group))
		waitForgotten(t, store, f.h.SessionID(group))
	})

	t.Run("standby events are not answered", func(t *testing.T) {
		f := newFixture(t, engine, store)
		ev := f.api.Text(linetest.NewUserID(), drugQuestion)
		ev.Mode, ev.ReplyToken = "standby", ""
		f.post(t, ev)
		waitHandled(t, f.h, 1)
		if len(f.api.Calls()) != 0 || f.h.Stats.Ignored.Load() != 1 {
			t.Errorf("calls %+v", f.api.Calls())
		}
	})

	if drugAnswer.Kind == "" {
		t.Fatal("no drug answer")
	}
}

func TestLongAnswerSplit(t *testing.T) {
	para := strings.Repeat("這是一段很長的說明文字，用來測試訊息的切割。", 50) // 1,100 characters
	long := strings.Repeat(para+"\n\n", 11) + "詳見 https://www.fda.gov.tw/TC/siteList.aspx?sid=1"
	engine := fakeEngine(func(context.Context, bot.Request) (bot.Answer, error) {
		return bot.Answer{MessageID: "abc123", Text: long, Mode: conversation.ModeExtractive,
			Sources: []conversation.Source{{Dataset: "tfda_article", Key: "k", Title: "說明", URL: "https://www.fda.gov.tw/", Snapshot: "2025-03-04"}}}, nil
	})
	f := newFixture(t, engine, newMemStore(t))
	f.post(t, f.api.Text(linetest.NewUserID(), "請說明"))
	c := f.api.WaitDelivered(t, 1)[0]
	texts := c.Texts()
	if len(texts) != 3 || len(c.Messages) != 4 {
		t.Fatalf("%d texts in %d messages: want 3 and the cards", len(texts), len(c.Messages))
	}
	for i, s := range texts {
		if n := linetest.Units(s); n > 5000 {
			t.Errorf("text %d: %d units", i, n)
		}
		if i < len(texts)-1 && !strings.HasSuffix(s, "。") {
			t.Errorf("text %d ends %q: want a paragraph or sentence end", i, s[len(s)-12:])
		}
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if squash(strings.Join(texts, "")) != squash(long) {
		t.Error("the texts do not spell the answer")
	}
	if !strings.HasSuffix(texts[2], "https://www.fda.gov.tw/TC/siteList.aspx?sid=1") {
		t.Error("the URL was cut")
	}
}

// TestNoBusy checks that with one worker taken, later events wait in the outbox and
// are all answered (the queue no longer overflows into "busy" replies).
func TestNoBusy(t *testing.T) {
	entered, release := make(chan struct{}, 8), make(chan struct{})
	engine := fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
		entered <- struct{}{}
		<-release
		return bot.Answer{Text: "好的。", Mode: conversation.ModeNoAnswer}, nil
	})
	f := newFixture(t, engine, newMemStore(t), func(c *line.Config) { c.Workers = 1 })
	f.post(t, f.api.Text(linetest.NewUserID(), "一")) // taken by the worker
	<-entered
	for _, q := range []string{"二", "三", "四"} {
		if code := f.post(t, f.api.Text(linetest.NewUserID(), q)); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	if n := len(f.api.Calls()); n != 1 {
		t.Fatalf("calls %+v: want only the loading animation while the worker is busy", f.api.Calls())
	}
	close(release)
	for _, c := range f.api.WaitDelivered(t, 4) {
		if c.Text() != "好的。" {
			t.Errorf("answered %q", c.Text())
		}
	}
	waitHandled(t, f.h, 4)
}

// TestChatOrder checks that a chat's messages are answered in order, one at a time,
// while other chats go on.
func TestChatOrder(t *testing.T) {
	var (
		mu      sync.Mutex
		order   []string
		running = map[string]int{}
		overlap atomic.Bool
	)
	engine := fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
		mu.Lock()
		running[r.SessionID]++
		if running[r.SessionID] > 1 {
			overlap.Store(true)
		}
		order = append(order, r.Message)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		running[r.SessionID]--
		mu.Unlock()
		return bot.Answer{Text: "答：" + r.Message, Mode: conversation.ModeNoAnswer}, nil
	})
	f := newFixture(t, engine, newMemStore(t), func(c *line.Config) { c.Workers = 4 })
	user := linetest.NewUserID()
	var events []linetest.Event
	for _, m := range []string{"m1", "m2", "m3", "m4", "m5"} {
		events = append(events, f.api.Text(user, m))
	}
	f.post(t, events...)
	f.post(t, f.api.Text(user, "m6"))
	f.api.WaitDelivered(t, 6)
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(order, ",") != "m1,m2,m3,m4,m5,m6" || overlap.Load() {
		t.Errorf("answered in order %v, overlapping %v: want m1..m6 one at a time", order, overlap.Load())
	}
}

func TestEngineError(t *testing.T) {
	engine := fakeEngine(func(context.Context, bot.Request) (bot.Answer, error) {
		return bot.Answer{}, errors.New("database down")
	})
	f := newFixture(t, engine, newMemStore(t))
	f.post(t, f.api.Text(linetest.NewUserID(), "普拿疼"), f.api.Text(linetest.NewUserID(), strings.Repeat("長", bot.MaxMessageRunes+1)))
	for _, c := range f.api.WaitDelivered(t, 2) {
		if !strings.Contains(c.Text(), "稍後再試") && !strings.Contains(c.Text(), "精簡") {
			t.Errorf("answered %q", c.Text())
		}
	}
	if f.h.Stats.AskErrors.Load() != 1 {
		t.Errorf("ask errors %d", f.h.Stats.AskErrors.Load())
	}
}

func TestShutdown(t *testing.T) {
	entered, release := make(chan struct{}, 2), make(chan struct{})
	engine := fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
		entered <- struct{}{}
		<-release
		return bot.Answer{Text: "好", Mode: conversation.ModeNoAnswer}, nil
	})
	f := newFixture(t, engine, newMemStore(t))
	f.post(t, f.api.Text(linetest.NewUserID(), "一"), f.api.Text(linetest.NewUserID(), "二"))
	<-entered
	<-entered
	done := make(chan error)
	go func() { done <- f.h.Shutdown(context.Background()) }()
	// Shutdown refuses webhooks from its start: an empty one (LINE's verification
	// request, no events to take) shows when it has begun.
	for deadline := time.Now().Add(20 * time.Second); f.post(t) != http.StatusServiceUnavailable; {
		if time.Now().After(deadline) {
			t.Fatal("the webhook still takes requests 20 s after Shutdown began")
		}
		runtime.Gosched()
	}
	if code := f.post(t, f.api.Text(linetest.NewUserID(), "三")); code != http.StatusServiceUnavailable {
		t.Errorf("status %d while shutting down, want 503", code)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := f.api.Delivered(); n != 2 {
		t.Errorf("%d answered, want the 2 in progress", n)
	}
}

func TestNew(t *testing.T) {
	ok := line.Config{ChannelSecret: "s", AccessToken: "t", Engine: fakeEngine(nil), Store: newMemStore(t)}
	for name, mod := range map[string]func(*line.Config){
		"no secret": func(c *line.Config) { c.ChannelSecret = "" },
		"no token":  func(c *line.Config) { c.AccessToken = "" },
		"no engine": func(c *line.Config) { c.Engine = nil },
		"bad URL":   func(c *line.Config) { c.APIBaseURL = "not a url" },
	} {
		cfg := ok
		mod(&cfg)
		if _, err := line.New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	h, err := line.New(ok)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := h.SessionID("U1"), h.SessionID("U2"); a == b || len(a) != len("line:")+32 {
		t.Errorf("sessions %q %q", a, b)
	}
	other, _ := line.New(line.Config{ChannelSecret: "s", AccessToken: "t", Engine: fakeEngine(nil), Store: newMemStore(t), HashKey: []byte("k")})
	if other.SessionID("U1") == h.SessionID("U1") {
		t.Error("the hash key does not key the session ids")
	}
	reg := prometheus.NewRegistry()
	for _, c := range h.Collectors() {
		if err := reg.Register(c); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	h.Stats.Texts.Add(2)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range families {
		if mf.GetName() == "civicbot_line_events_total" {
			for _, m := range mf.GetMetric() {
				if m.GetLabel()[0].GetValue() == "text" && m.GetCounter().GetValue() == 2 {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("civicbot_line_events_total{type=\"text\"} is not 2")
	}
}

// LINE answers are counted by mode under the web's metric, labelled channel="line".
func TestAnswersCountedByMode(t *testing.T) {
	modes := map[string]conversation.Mode{"藥": conversation.ModeExtractive, "救命": conversation.ModeEmergency}
	engine := fakeEngine(func(_ context.Context, r bot.Request) (bot.Answer, error) {
		return bot.Answer{MessageID: "m" + r.Message, Text: "答", Mode: modes[r.Message]}, nil
	})
	f := newFixture(t, engine, newMemStore(t))
	user := linetest.NewUserID()
	f.post(t, f.api.Text(user, "藥"), f.api.Text(user, "救命"), f.api.Text(user, "藥"))
	f.api.WaitDelivered(t, 3)
	waitHandled(t, f.h, 3)
	reg := prometheus.NewRegistry()
	for _, c := range f.h.Collectors() {
		if err := reg.Register(c); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range families {
		if mf.GetName() != bot.AnswersMetric {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["channel"] != "line" {
				t.Errorf("a LINE answer counted under channel %q", labels["channel"])
			}
			got[labels["mode"]] = m.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"extractive": 2, "emergency": 1, "generated": 0, "curated": 0, "refusal": 0, "no_answer": 0}
	if !maps.Equal(got, want) {
		t.Errorf("answers by mode = %v, want %v", got, want)
	}
}

// TestDeclinedOffersQuestions checks that a declined answer's suggestions are quick
// replies that ask them: one tap sends the record's own question to the engine, a
// title too long for a postback is left out, and a title is sent as text, never as
// markup.
func TestDeclinedOffersQuestions(t *testing.T) {
	hostile := `<img src=x onerror=alert(1)>罰單要怎麼繳？`
	long := strings.Repeat("很長的問題", 80)
	var mu sync.Mutex
	var asked []string
	engine := fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
		mu.Lock()
		asked = append(asked, r.Message)
		mu.Unlock()
		if r.Message == hostile {
			return bot.Answer{Text: "罰單可以在超商繳。", Mode: conversation.ModeExtractive}, nil
		}
		return bot.Answer{Text: "抱歉，我找不到足夠可靠的答案。", Mode: conversation.ModeNoAnswer, Suggestions: []bot.Suggestion{
			{Dataset: "taipei_faq", Key: "GIP_1", Title: hostile},
			{Dataset: "taipei_faq", Key: "GIP_2", Title: long},
			{Dataset: "taipei_faq", Key: "GIP_3", Title: "  我沒有收到罰單，卻收到裁決書？ "},
		}}, nil
	})
	f := newFixture(t, engine, newMemStore(t))
	user := linetest.NewUserID()
	f.post(t, f.api.Text(user, "收到一張紅單，我要去哪裡繳錢"))
	first := f.api.WaitDelivered(t, 1)[0]
	last := first.Messages[len(first.Messages)-1]
	var offered []linetest.Action
	for _, a := range last.QuickReplies() {
		if !strings.HasPrefix(a.Label(), "👍") && !strings.HasPrefix(a.Label(), "👎") {
			offered = append(offered, a)
		}
	}
	if len(offered) != 2 {
		t.Fatalf("quick replies %q: want the two suggestions that fit a postback", quickLabels(last))
	}
	if got := offered[1].Label(); got != "我沒有收到罰單，卻收到裁決書？" {
		t.Errorf("second suggestion labelled %q: want the title, trimmed", got)
	}
	f.post(t, f.api.Postback(user, offered[0].Data()))
	second := f.api.WaitDelivered(t, 2)[1]
	if second.Text() != "罰單可以在超商繳。" {
		t.Errorf("the tapped suggestion was answered %q", second.Text())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || asked[1] != hostile {
		t.Errorf("the engine was asked %q: want the question, then the suggestion's title as it is", asked)
	}
}
