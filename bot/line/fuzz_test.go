package line_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line"
	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/conversation"
)

// echoEngine answers with the message itself, as the answer, the sources' fields and
// the mode: whatever a message holds, the channel must turn the answer into messages
// LINE accepts.
var echoEngine = fakeEngine(func(_ context.Context, r bot.Request) (bot.Answer, error) {
	if strings.TrimSpace(r.Message) == "" {
		return bot.Answer{}, bot.ErrEmptyMessage
	}
	sum := sha256.Sum256([]byte(r.Message))
	modes := conversation.Modes[:]
	a := bot.Answer{MessageID: hex.EncodeToString(sum[:16]), Text: r.Message, Mode: modes[sum[0]%6]}
	datasets := []string{"tfda_drug", "tfda_myth", "taipei_faq", r.Message, ""}
	for i := range int(sum[1] % 14) {
		a.Sources = append(a.Sources, conversation.Source{Dataset: datasets[(int(sum[2])+i)%len(datasets)], Key: r.Message, Title: strings.Repeat(r.Message, i),
			URL: "https://example.gov.tw/" + r.Message, Snapshot: r.Message})
	}
	return a, nil
})

// FuzzWebhook posts correctly signed random bodies: the webhook must never panic,
// answer only 200 or 400, and never call the API with an invalid request (the fake
// checks every one).
func FuzzWebhook(f *testing.F) {
	api := linetest.New(f, linetest.Options{})
	h := newHandler(f, api, echoEngine, newMemStore(f), &logs{}, func(c *line.Config) { c.Workers = 4 })
	user, group := linetest.NewUserID(), linetest.NewGroupID()
	long := strings.Repeat("這是一句很長的回答。😀👨‍👩‍👧🇹🇼 https://example.gov.tw/路徑?q=1 ", 120)
	for _, events := range [][]linetest.Event{
		{api.Text(user, "普拿疼的成分是什麼？")},
		{api.Text(user, long)},
		{api.Text(user, "   ")},
		{api.Mentioning(group, user, "副作用呢？")},
		{api.Mentioning(group, user, "")},
		{api.TextFrom(linetest.Group(group, user), "沒有提到機器人")},
		{api.Media(user, "sticker"), api.Media(user, "location")},
		{api.Postback(user, "q=外觀呢？"), api.Postback(user, "fb=up&m=abc"), api.Postback(user, "act=pharmacist"), api.Postback(user, "%zz")},
		{api.Follow(user), linetest.Unfollow(user), api.Join(group), linetest.Leave(group)},
		{api.Text(user, "重送").Redelivered()},
	} {
		f.Add(linetest.Marshal(events...))
	}
	f.Add([]byte(`{"destination":"x","events":[{"type":"message","mode":"active","source":{"type":"user","userId":"U0"},"replyToken":"t","message":{"type":"text","id":"1","text":"@bot \ud83d","mention":{"mentionees":[{"type":"user","index":-5,"length":99999,"isSelf":true}]}}}]}`))
	f.Add([]byte(`{"events":[{"type":"postback","source":{"type":"group","groupId":"C0"},"postback":null},{"type":"unknown"},{"type":"message","message":{"type":"text"}},null,7]}`))
	f.Add([]byte(`{"events":[{"type":"message","source":{"type":"room","roomId":"R00000000000000000000000000000000"},"replyToken":"x","message":{"type":"text","id":"1","text":"@a ab","mention":{"mentionees":[{"type":"user","index":0,"length":2,"isSelf":true}]}}}]}`))
	f.Add([]byte(`not json`))

	if fz := flag.Lookup("test.fuzz"); fz == nil || fz.Value.String() == "" {
		// Running the seeds only: they must reach the API, or the target tests nothing.
		f.Cleanup(func() {
			if api.Delivered() < 10 {
				f.Errorf("the seeds got %d answers", api.Delivered())
			}
		})
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, api.Request(webhookURL, body))
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", rec.Code)
		}
		// Wait for the answers, then look at what reached the API.
		deadline := time.Now().Add(10 * time.Second)
		for h.Stats.Handled.Load() < h.Stats.Events.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("events not handled: %d of %d", h.Stats.Handled.Load(), h.Stats.Events.Load())
			}
			time.Sleep(time.Millisecond)
		}
		if v := api.Violations(); len(v) > 0 {
			t.Fatalf("invalid request to the LINE API: %s", v[len(v)-1])
		}
	})
}
