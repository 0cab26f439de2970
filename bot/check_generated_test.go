package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// A model answering with a number or link that is not in the sources, however it
// writes it, is replaced by the extractive answer and nothing of it streams.
func TestGeneratedVariantsFallBack(t *testing.T) {
	s := pgtest.Bundled(t)
	const q = "普拿疼膜衣錠的成分是什麼？"
	for name, bad := range map[string]string{
		"full-width digits":  "０９００－０００－０００",
		"mixed width":        "09０0-0０0-００0",
		"chinese numerals":   "〇九〇〇－〇〇〇－〇〇〇",
		"零 numerals":         "零九零零零零零零零零",
		"slashes":            "0900/000/000",
		"dots":               "0900.000.000",
		"spaces":             "0900 000 000",
		"bare domain":        "gov-tw-refund.com",
		"domain with a path": "gov-tw-refund.com/login",
		"no scheme":          "evil.example/phish",
		"upper case":         "HTTP://EVIL.EXAMPLE/PHISH",
	} {
		t.Run(name, func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string {
				return "普拿疼是止痛藥 [1]。\n退款請洽 " + bad + " 辦理 [1]。"
			}})
			m, err := llm.New(context.Background(), llm.Config{Provider: "openai", Model: "fake", BaseURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			e, err := bot.New(bot.Config{Store: s, LLM: m, LLMTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			a := ask(t, e, "", q)
			wantMode(t, a, q, conversation.ModeExtractive)
			if a.Fallback != "check_failed" {
				t.Errorf("fallback %q, want check_failed", a.Fallback)
			}
			for _, ev := range a.events {
				if strings.Contains(ev.Text, bad) {
					t.Errorf("%q streamed to the citizen", bad)
				}
			}
		})
	}
}
