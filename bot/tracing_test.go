package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTraces: one trace per answer, rooted at the answer, with a child span for each
// step (triage, search, the LLM, the store write), and nothing the citizen wrote in
// any attribute.
func TestTraces(t *testing.T) {
	ctx := t.Context()
	e := hashembed.New(64)
	s, err := pgstore.Open(ctx, pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	faq := &ingest.Batch{Source: "test", Format: "test", Files: []string{"faq.csv"}, Seen: 1,
		Snapshot: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Digest: "1",
		Records: []ingest.Record{{Dataset: corpus.DatasetCityFAQ, Key: "GIP_1", Facet: corpus.FacetMain, Title: "路邊停車費要怎麼繳？",
			URL: "https://www.gov.taipei/1", Text: "問：路邊停車費要怎麼繳？\n答：可於超商、悠遊卡或線上繳費。\n承辦機關：停車管理工程處", Status: corpus.StatusActive}}}
	if _, err := s.Sync(ctx, []*ingest.Batch{faq}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return "路邊停車費可於超商或線上繳費 [1]。" }})
	m, err := llm.New(ctx, llm.Config{Provider: "openai", Model: "fake", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	engine, err := bot.New(bot.Config{Store: s, LLM: m, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close(context.Background()) })

	const question = "我的手機0912345678，路邊停車費要怎麼繳"
	a, err := engine.Ask(ctx, bot.Request{SessionID: "web:s1", Message: question, Channel: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.MessageID == "" {
		t.Fatalf("answer %+v: not kept", a)
	}
	spans := rec.Ended()
	var root sdktrace.ReadOnlySpan
	for _, sp := range spans {
		if sp.Name() == bot.SpanAnswer {
			root = sp
		}
	}
	if root == nil || root.Parent().IsValid() {
		t.Fatalf("no root %q span among %d", bot.SpanAnswer, len(spans))
	}
	children := map[string]int{}
	var search trace.SpanID
	for _, sp := range spans {
		if sp.Name() == bot.SpanSearch {
			search = sp.SpanContext().SpanID()
		}
	}
	for _, sp := range spans {
		if sp == root {
			continue
		}
		parent := root.SpanContext().SpanID()
		if strings.HasPrefix(sp.Name(), "search.") {
			// The search's own steps: words, candidates (an event per leg), load.
			parent = search
		}
		if sp.SpanContext().TraceID() != root.SpanContext().TraceID() || sp.Parent().SpanID() != parent {
			t.Errorf("span %q is not where it belongs in the answer's trace", sp.Name())
		}
		children[sp.Name()]++
	}
	for _, name := range []string{"search.candidates", "search.load"} {
		if children[name] == 0 {
			t.Errorf("no %q span; spans: %v", name, children)
		}
	}
	for _, name := range []string{bot.SpanTriage, bot.SpanSearch, bot.SpanLLM, bot.SpanSaveTurn} {
		if children[name] == 0 {
			t.Errorf("no %q span; spans: %v", name, children)
		}
	}
	attrs := map[string]string{}
	for _, sp := range spans {
		for _, kv := range sp.Attributes() {
			v := kv.Value.String()
			attrs[sp.Name()+" "+string(kv.Key)] = v
			for _, secret := range []string{question, "0912345678", "路邊停車", "停車費"} {
				if strings.Contains(v, secret) {
					t.Errorf("span %q attribute %s holds what the citizen wrote: %q", sp.Name(), kv.Key, v)
				}
			}
		}
		legs := 0
		for _, ev := range sp.Events() {
			// Only the legs of a search, which carry kinds and counts.
			if sp.Name() != "search.candidates" || ev.Name != "leg" {
				t.Errorf("span %q has an event %q: events may carry error texts", sp.Name(), ev.Name)
				continue
			}
			legs++
			for _, kv := range ev.Attributes {
				if k := string(kv.Key); k != "leg.kind" && k != "leg.weight" && k != "leg.found" {
					t.Errorf("a leg event carries %s", k)
				}
			}
		}
		if sp.Name() == "search.candidates" && legs < 2 {
			t.Errorf("search.candidates has %d leg events, want one per leg", legs)
		}
	}
	for k, want := range map[string]string{
		bot.SpanAnswer + " civicbot.channel":  "web",
		bot.SpanAnswer + " civicbot.mode":     string(a.Mode),
		bot.SpanAnswer + " civicbot.redacted": "1",
		bot.SpanTriage + " civicbot.triage":   "none",
		bot.SpanSaveTurn + " civicbot.saved":  "true",
	} {
		if attrs[k] != want {
			t.Errorf("%s = %q, want %q", k, attrs[k], want)
		}
	}

	// The next answer is a trace of its own.
	rec2 := len(spans)
	if _, err := engine.Ask(ctx, bot.Request{Message: "停車費", Channel: "web"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, sp := range rec.Ended()[rec2:] {
		if sp.SpanContext().TraceID() == root.SpanContext().TraceID() {
			t.Errorf("span %q of the second answer is in the first one's trace", sp.Name())
		}
	}
}
