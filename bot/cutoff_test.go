package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// CutOffReply is a model's answer whose first sentence is whole and whose stream is cut
// (CutOffChunks chunks of 4 runes) inside the second.
const (
	cutOffReply  = "普拿疼膜衣錠是止痛藥 [1]。它的成分請見許可證資料，服用前請先詢問藥師 [1]。"
	cutOffChunks = 8
)

// A stream cut off on the way (no finish reason, no [DONE]) is not served as a
// generated answer: what streamed is reset and the extractive answer follows.
func TestGeneratedCutOffFallsBack(t *testing.T) {
	s := pgtest.Bundled(t)
	e, _ := fakeEngine(t, s, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return cutOffReply }, CutAfter: cutOffChunks}, 10*time.Second, nil)
	const q = "普拿疼膜衣錠的成分是什麼？"
	a := ask(t, e, "", q)
	wantMode(t, a, q, conversation.ModeExtractive)
	if a.Fallback != "llm_error" {
		t.Errorf("fallback %q, want llm_error", a.Fallback)
	}
	var before strings.Builder
	reset := false
	for _, ev := range a.events {
		if ev.Type == bot.EventReset {
			reset = true
			break
		}
		before.WriteString(ev.Text)
	}
	if !reset || !strings.Contains(before.String(), "是止痛藥") {
		t.Errorf("streamed %q before a reset (%v): want the first sentence, then a reset", before.String(), reset)
	}
	half := string([]rune(cutOffReply)[:cutOffChunks*4])
	if i := strings.Index(half, "。"); strings.Contains(a.Text, half[i+len("。"):]) {
		t.Errorf("the half sentence is in the answer:\n%s", a.Text)
	}
	wantText(t, a, q, "許可證字號")
}
