package linetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

func call(t *testing.T, s *linetest.Server, path, token, retryKey, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if retryKey != "" {
		req.Header.Set("X-Line-Retry-Key", retryKey)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

const text = `[{"type":"text","text":"好"}]`

func TestReplyTokens(t *testing.T) {
	s := linetest.New(t, linetest.Options{})
	reply := func(tok string) int {
		return call(t, s, "/v2/bot/message/reply", s.Token, "", fmt.Sprintf(`{"replyToken":%q,"messages":%s}`, tok, text))
	}
	tok := s.IssueToken()
	if got := reply(tok); got != 200 {
		t.Errorf("first use: %d", got)
	}
	if got := reply(tok); got != 400 {
		t.Errorf("second use: %d, want 400", got)
	}
	expired := s.IssueToken()
	s.ExpireToken(expired)
	if got := reply(expired); got != 400 {
		t.Errorf("expired: %d, want 400", got)
	}
	if got := reply("never-issued"); got != 400 {
		t.Errorf("unknown: %d, want 400", got)
	}
	if s.Delivered() != 1 {
		t.Errorf("delivered %d, want 1", s.Delivered())
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("spent tokens are LINE's answer, not violations: %v", v)
	}
}

func TestPushRetryKey(t *testing.T) {
	s := linetest.New(t, linetest.Options{AllowViolations: true})
	to := linetest.NewUserID()
	push := func(key string) int {
		return call(t, s, "/v2/bot/message/push", s.Token, key, fmt.Sprintf(`{"to":%q,"messages":%s}`, to, text))
	}
	const key = "123e4567-e89b-12d3-a456-426614174000"
	if got := push(key); got != 200 {
		t.Errorf("push: %d", got)
	}
	if got := push(key); got != http.StatusConflict {
		t.Errorf("same key: %d, want 409", got)
	}
	if got := push(strings.ToUpper(key)); got != http.StatusConflict {
		t.Errorf("same key in capitals: %d, want 409", got)
	}
	if s.Delivered() != 1 {
		t.Errorf("delivered %d: a duplicate must not count", s.Delivered())
	}
	if got := push(""); got != 400 || len(s.Violations()) != 1 {
		t.Errorf("no key: %d, violations %v", got, s.Violations())
	}
	if got := push("not-a-uuid"); got != 400 {
		t.Errorf("bad key: %d", got)
	}
}

func TestLimits(t *testing.T) {
	msgs := func(n int, m string) string { return "[" + strings.TrimSuffix(strings.Repeat(m+",", n), ",") + "]" }
	qr := func(n int, action string) string {
		return fmt.Sprintf(`[{"type":"text","text":"x","quickReply":{"items":[%s]}}]`,
			strings.TrimSuffix(strings.Repeat(`{"type":"action","action":`+action+`},`, n), ","))
	}
	bubble := `{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"x"}]}}`
	carousel := func(n int) string {
		return fmt.Sprintf(`[{"type":"flex","altText":"x","contents":{"type":"carousel","contents":[%s]}}]`,
			strings.TrimSuffix(strings.Repeat(bubble+",", n), ","))
	}
	button := func(uri string) string {
		return fmt.Sprintf(`[{"type":"flex","altText":"x","contents":{"type":"bubble","footer":{"type":"box","layout":"vertical","contents":[{"type":"button","action":{"type":"uri","label":"go","uri":%q}}]}}}]`, uri)
	}
	hero := func(h string) string {
		return fmt.Sprintf(`[{"type":"flex","altText":"x","contents":{"type":"bubble","hero":%s,"body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"x"}]}}}]`, h)
	}
	postback := func(data string) string {
		return fmt.Sprintf(`{"type":"postback","label":"x","data":%q}`, data)
	}
	tests := []struct {
		name     string
		messages string
		ok       bool
	}{
		{"five messages", msgs(5, `{"type":"text","text":"x"}`), true},
		{"six messages", msgs(6, `{"type":"text","text":"x"}`), false},
		{"no message", `[]`, false},
		{"text at the limit", fmt.Sprintf(`[{"type":"text","text":%q}]`, strings.Repeat("藥", 5000)), true},
		{"text over the limit in UTF-16", fmt.Sprintf(`[{"type":"text","text":%q}]`, strings.Repeat("藥", 4999)+"😀"), false},
		{"empty text", `[{"type":"text","text":""}]`, false},
		{"text cut inside a character", `[{"type":"text","text":"ab\ufffd"}]`, false},
		{"lone surrogate", `[{"type":"text","text":"ab\ud83d"}]`, false},
		{"surrogate pair", `[{"type":"text","text":"ab\ud83d\ude00"}]`, true},
		{"escaped backslash before ufffd", `[{"type":"text","text":"a\\ufffd"}]`, true},
		{"alt text over the limit", fmt.Sprintf(`[{"type":"flex","altText":%q,"contents":%s}]`, strings.Repeat("a", 401), bubble), false},
		{"thirteen quick replies", qr(13, postback("d")), true},
		{"fourteen quick replies", qr(14, postback("d")), false},
		{"label over 20", qr(1, `{"type":"message","label":"`+strings.Repeat("字", 21)+`","text":"x"}`), false},
		{"postback data over 300", qr(1, postback(strings.Repeat("d", 301))), false},
		{"twelve bubbles", carousel(12), true},
		{"thirteen bubbles", carousel(13), false},
		{"https button", button("https://www.fda.gov.tw/"), true},
		{"tel button", button("tel:0228717121"), true},
		{"javascript button", button("javascript:alert(1)"), false},
		{"raw non-ASCII in a URI", button("https://example.gov.tw/藥"), false},
		{"URI over 1000", button("https://example.gov.tw/" + strings.Repeat("a", 1000)), false},
		{"unknown message type", `[{"type":"hologram"}]`, false},
		{"hero photo", hero(`{"type":"image","url":"https://mcp.fda.gov.tw/insert/shapeImg/a?c=o","size":"full","aspectRatio":"4:3","aspectMode":"fit"}`), true},
		{"hero photo over http", hero(`{"type":"image","url":"http://mcp.fda.gov.tw/a"}`), false},
		{"hero photo URL over 2000", hero(`{"type":"image","url":"https://example.gov.tw/` + strings.Repeat("a", 2000) + `"}`), false},
		{"hero photo too tall", hero(`{"type":"image","url":"https://example.gov.tw/a","aspectRatio":"1:4"}`), false},
		{"hero photo bad aspect mode", hero(`{"type":"image","url":"https://example.gov.tw/a","aspectMode":"stretch"}`), false},
		{"hero photo URL of 1500", hero(`{"type":"image","url":"https://example.gov.tw/` + strings.Repeat("a", 1500) + `"}`), true},
		{"hero photo URL not ASCII", hero(`{"type":"image","url":"https://example.gov.tw/藥"}`), false},
		{"hero text", hero(`{"type":"text","text":"x"}`), false},
		{"call quick reply", qr(1, `{"type":"uri","label":"撥打 1999","uri":"tel:1999"}`), true},
		{"message quick reply", qr(1, `{"type":"message","label":"愛心悠遊卡借人使用會處罰嗎？","text":"愛心悠遊卡借人使用會處罰嗎？"}`), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := linetest.New(t, linetest.Options{AllowViolations: true})
			got := call(t, s, "/v2/bot/message/reply", s.Token, "", fmt.Sprintf(`{"replyToken":%q,"messages":%s}`, s.IssueToken(), tc.messages))
			if (got == 200) != tc.ok || (len(s.Violations()) == 0) != tc.ok {
				t.Errorf("status %d, violations %v; want ok=%v", got, s.Violations(), tc.ok)
			}
		})
	}
}

func TestAuthAndLoading(t *testing.T) {
	s := linetest.New(t, linetest.Options{AllowViolations: true})
	if got := call(t, s, "/v2/bot/chat/loading/start", "wrong", "", `{"chatId":"`+linetest.NewUserID()+`"}`); got != 401 {
		t.Errorf("wrong token: %d", got)
	}
	if got := call(t, s, "/v2/bot/chat/loading/start", s.Token, "", `{"chatId":"`+linetest.NewUserID()+`","loadingSeconds":20}`); got != 202 {
		t.Errorf("loading: %d", got)
	}
	if got := call(t, s, "/v2/bot/chat/loading/start", s.Token, "", `{"chatId":"`+linetest.NewGroupID()+`"}`); got != 400 {
		t.Errorf("loading in a group: %d, want 400", got)
	}
	if got := call(t, s, "/v2/bot/chat/loading/start", s.Token, "", `{"chatId":"`+linetest.NewUserID()+`","loadingSeconds":7}`); got != 400 {
		t.Errorf("7 seconds: %d, want 400", got)
	}
	if n := len(s.Violations()); n != 3 {
		t.Errorf("%d violations, want 3: %v", n, s.Violations())
	}
}

// TestWebhookBodies checks that the bodies the fake builds are what LINE's SDK reads,
// signed as LINE signs them.
func TestWebhookBodies(t *testing.T) {
	s := linetest.New(t, linetest.Options{})
	user, group := linetest.NewUserID(), linetest.NewGroupID()
	events := []linetest.Event{
		s.Text(user, "普拿疼"), s.Mentioning(group, user, "副作用？"), s.Media(user, "sticker"), s.Media(user, "image"),
		s.Media(user, "location"), s.Media(user, "file"), s.Follow(user), linetest.Unfollow(user),
		s.Postback(user, "fb=up&m=1"), s.Join(group), linetest.Leave(group), s.Text(user, "x").Redelivered(),
	}
	body := linetest.Marshal(events...)
	if !webhook.ValidateSignature(s.Secret, linetest.Sign(s.Secret, body), body) {
		t.Fatal("the SDK refuses the signature")
	}
	var env struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	ulid := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)
	for i, raw := range env.Events {
		ev, err := webhook.UnmarshalEvent(raw)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if ev.GetType() != events[i].Type || !ulid.MatchString(events[i].WebhookEventID) {
			t.Errorf("event %d: type %s, id %s", i, ev.GetType(), events[i].WebhookEventID)
		}
		switch e := ev.(type) {
		case webhook.MessageEvent:
			if e.Mode != webhook.EventMode_ACTIVE || e.DeliveryContext == nil || e.ReplyToken == "" {
				t.Errorf("event %d: %+v", i, e)
			}
			if m, ok := e.Message.(webhook.TextMessageContent); ok && m.Mention != nil {
				u, ok := m.Mention.Mentionees[0].(webhook.UserMentionee)
				if !ok || !u.IsSelf || m.Text[:len(linetest.BotName)] != linetest.BotName {
					t.Errorf("mention %+v", m.Mention.Mentionees[0])
				}
			}
		case webhook.UnfollowEvent:
			if src, ok := e.Source.(webhook.UserSource); !ok || src.UserId != user {
				t.Errorf("unfollow source %+v", e.Source)
			}
		}
	}
	if !strings.Contains(string(body), `"isRedelivery":true`) {
		t.Error("no redelivered event")
	}
}
