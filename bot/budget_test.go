package bot_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fakeEngine(t *testing.T, s bot.Store, opts llmtest.Options, timeout time.Duration, log *slog.Logger) (*bot.Engine, *llmtest.Server) {
	t.Helper()
	e, srv, _ := fakeEngineLogged(t, s, opts, timeout, log)
	return e, srv
}

// fakeEngineLogged is fakeEngine with a log of the model calls as the client made them.
func fakeEngineLogged(t *testing.T, s bot.Store, opts llmtest.Options, timeout time.Duration, log *slog.Logger) (*bot.Engine, *llmtest.Server, *callLog) {
	t.Helper()
	srv := llmtest.NewServer(t, opts)
	calls := &callLog{}
	m, err := llm.New(context.Background(), llm.Config{Provider: "openai", Model: "fake", BaseURL: srv.URL,
		HTTPClient: &http.Client{Transport: calls}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := bot.New(bot.Config{Store: s, LLM: m, LLMTimeout: timeout, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return e, srv, calls
}

// callLog records, for every call to the model, whether it ended because its context
// was done (deadline or cancellation).
type callLog struct {
	mu        sync.Mutex
	cancelled []bool
}

func (c *callLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelled = append(c.cancelled, err != nil && r.Context().Err() != nil)
	return resp, err
}

func (c *callLog) calls() []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bool(nil), c.cancelled...)
}

// A follow-up with a hung model: the rewrite and the answer share one budget
// (LLMTimeout), so the rewrite that used it up leaves no second call, and the citizen
// gets the extractive answer.
func TestOneLLMBudgetPerTurn(t *testing.T) {
	s := pgtest.Bundled(t)
	e, srv, calls := fakeEngineLogged(t, s, llmtest.Options{Hang: true}, 300*time.Millisecond, nil)

	first := ask(t, e, "s-budget", "固胃必朗錠是治什麼的")
	wantMode(t, first, "first question", conversation.ModeExtractive)
	if first.Fallback != "timeout" {
		t.Fatalf("first question: fallback %q, want timeout", first.Fallback)
	}
	if c := calls.calls(); len(c) != 1 || !c[0] {
		t.Fatalf("first question: calls %v, want one, cancelled", c)
	}
	before := len(srv.Requests())

	const q = "那它長什麼樣子？"
	start := time.Now()
	a := ask(t, e, "s-budget", q)
	took := time.Since(start)
	wantMode(t, a, q, conversation.ModeExtractive)
	if a.Fallback != "timeout" {
		t.Errorf("fallback %q, want timeout", a.Fallback)
	}
	if len(a.Sources) == 0 || a.Sources[0].Key != "內衛藥製字第000373號" {
		t.Errorf("sources %+v, want the topic carried over", a.Sources)
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 1 || !strings.Contains(reqs[0].Messages[len(reqs[0].Messages)-1].Content, "Rewrite the citizen's last question") {
		t.Errorf("%d calls reached the model after the rewrite used the budget, want only the rewrite", len(reqs))
	}
	// The rewrite was cancelled when the budget ran out, and the answer was never asked
	// for: on a budget of its own it would have been a second cancelled call.
	if c := calls.calls(); len(c) != 2 || !c[1] {
		t.Errorf("calls (cancelled or not) %v, want the first question's and the rewrite, both cancelled", c)
	}
	t.Logf("the follow-up took %v with a budget of 300ms", took)
}

// A failed check is logged with its reasons (never the text), wherever it failed: a
// streamed sentence, the last words flushed (the reasons joined), the whole answer.
func TestCheckFailureLogged(t *testing.T) {
	s := pgtest.Bundled(t)
	for name, tc := range map[string]struct{ reply, reason string }{
		"streamed sentence": {"普拿疼是止痛藥 [1]。詳情見 https://evil.example.com/buy [1]。\n好 [1]。", bot.ErrUnknownURL.Error()},
		"last words":        {"普拿疼是止痛藥 [1]。詳情見 https://evil.example.com/buy [1]", bot.ErrUnknownURL.Error()},
		"whole answer":      {"普拿疼是止痛藥，請詢問藥師。", bot.ErrNoCitation.Error()},
	} {
		t.Run(name, func(t *testing.T) {
			var buf syncBuffer
			log := slog.New(slog.NewTextHandler(&buf, nil))
			e, _ := fakeEngine(t, s, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return tc.reply }}, 10*time.Second, log)
			const q = "普拿疼膜衣錠的成分是什麼？"
			a := ask(t, e, "", q)
			wantMode(t, a, q, conversation.ModeExtractive)
			out := buf.String()
			if !strings.Contains(out, "check_failed") || !strings.Contains(out, tc.reason) {
				t.Errorf("log lacks the failed check's reason %q:\n%s", tc.reason, out)
			}
			if strings.Contains(out, "evil.example") || strings.Contains(out, "止痛藥") {
				t.Errorf("the log holds the answer's text:\n%s", out)
			}
		})
	}
}
