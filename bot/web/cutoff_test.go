package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/bot/web"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// Through HTTP: a model's stream cut off on the way reaches the widget as the deltas
// of its whole sentences, a reset, then the extractive answer, done as extractive.
func TestChatStreamCutOffLLM(t *testing.T) {
	s := pgtest.Bundled(t)
	const reply = "普拿疼膜衣錠是止痛藥 [1]。它的成分請見許可證資料，服用前請先詢問藥師 [1]。"
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return reply }, CutAfter: 8})
	m, err := llm.New(context.Background(), llm.Config{Provider: "openai", Model: "fake", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e, err := bot.New(bot.Config{Store: s, LLM: m, LLMTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, web.Config{Engine: e})
	events := readSSE(t, ts.post(t, "/api/v1/chat", `{"session_id":"cut-1","message":"普拿疼膜衣錠的成分是什麼？","locale":"zh-TW"}`,
		"Accept", "text/event-stream").Body)
	names := eventNames(events)
	if !strings.HasPrefix(names, "delta reset delta") || !strings.HasSuffix(names, "sources done") {
		t.Fatalf("events %s: want the streamed sentence, a reset, the extractive answer", names)
	}
	var after strings.Builder
	seenReset := false
	for _, ev := range events {
		switch {
		case ev.name == "reset":
			seenReset = true
		case ev.name == "delta" && seenReset:
			var d struct{ Text string }
			if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
				t.Fatal(err)
			}
			after.WriteString(d.Text)
		}
	}
	if strings.Contains(after.String(), "服用前請") || !strings.Contains(after.String(), "許可證字號") {
		t.Errorf("after the reset %q: want the extractive answer, not the half sentence", after.String())
	}
	var done struct{ Mode string }
	if err := json.Unmarshal([]byte(events[len(events)-1].data), &done); err != nil || done.Mode != "extractive" {
		t.Errorf("done %s (%v), want mode extractive", events[len(events)-1].data, err)
	}
}
