package line

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

// checkSplit checks the invariants of every split: pieces within the limit, valid
// UTF-8, not too many, and — when nothing was shortened — the text kept whole, only
// whitespace between pieces dropped.
func checkSplit(t *testing.T, text string, limit, parts int, got []string) {
	t.Helper()
	if len(got) > parts {
		t.Fatalf("%d pieces, at most %d", len(got), parts)
	}
	for i, p := range got {
		if n := units(p); n > limit || n == 0 {
			t.Errorf("piece %d: %d units, want 1..%d", i, n, limit)
		}
		if !utf8.ValidString(p) || strings.ContainsRune(p, utf8.RuneError) && !strings.Contains(text, string(utf8.RuneError)) {
			t.Errorf("piece %d: broken character: %q", i, p)
		}
	}
	if len(got) > 0 && strings.HasSuffix(got[len(got)-1], ellipsis) && !strings.HasSuffix(strings.TrimSpace(text), ellipsis) {
		return // shortened
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if squash(strings.Join(got, "")) != squash(strings.ToValidUTF8(text, "")) {
		t.Errorf("pieces do not spell the text:\n%q\n%q", got, text)
	}
}

func TestSplit(t *testing.T) {
	url := "https://mcp.fda.gov.tw/im_detail_pdf/%E8%A1%9B%E7%BD%B2%E8%97%A5%E8%A3%BD%E5%AD%97%E7%AC%AC029478%E8%99%9F"
	tests := []struct {
		name        string
		text        string
		limit       int
		parts       int
		want        []string // nil: only the invariants are checked
		noCutInside []string // substrings no piece boundary may fall in
	}{
		{name: "short", text: "普拿疼的成分是乙醯胺酚。", limit: 20, parts: 5, want: []string{"普拿疼的成分是乙醯胺酚。"}},
		{name: "exactly the limit", text: strings.Repeat("藥", 10), limit: 10, parts: 5, want: []string{strings.Repeat("藥", 10)}},
		{name: "empty", text: " \n ", limit: 10, parts: 5, want: nil},
		{name: "sentence end", text: "第一句話在這裡。第二句話比較長一點點。", limit: 12, parts: 5, want: []string{"第一句話在這裡。", "第二句話比較長一點點。"}},
		{name: "paragraph first", text: "第一段第一行\n第一段第二行\n\n第二段", limit: 16, parts: 5, want: []string{"第一段第一行\n第一段第二行", "第二段"}},
		{name: "line end over sentence", text: "甲乙丙。丁戊\n己庚辛壬癸", limit: 8, parts: 5, want: []string{"甲乙丙。丁戊", "己庚辛壬癸"}},
		{name: "english sentences", text: "Take it with water. Ask a pharmacist first.", limit: 25, parts: 5, want: []string{"Take it with water.", "Ask a pharmacist first."}},
		{name: "closing quote after full stop", text: "他說「先問藥師。」然後離開了現場", limit: 10, parts: 5, want: []string{"他說「先問藥師。」", "然後離開了現場"}},
		{name: "no boundary at all", text: strings.Repeat("藥", 25), limit: 10, parts: 5, want: []string{strings.Repeat("藥", 10), strings.Repeat("藥", 10), strings.Repeat("藥", 5)}},
		{name: "emoji straddles the limit", text: strings.Repeat("a", 9) + "😀" + "bc", limit: 10, parts: 5, want: []string{strings.Repeat("a", 9), "😀bc"}},
		{name: "emoji only", text: strings.Repeat("😀", 7), limit: 5, parts: 5, want: []string{"😀😀", "😀😀", "😀😀", "😀"}},
		{name: "family emoji kept whole", text: "好" + "👨‍👩‍👧" + "好", limit: 9, parts: 5, noCutInside: []string{"👨‍👩‍👧"}},
		{name: "flags kept whole", text: "🇹🇼🇯🇵🇺🇸", limit: 5, parts: 5, want: []string{"🇹🇼", "🇯🇵", "🇺🇸"}},
		{name: "skin tone kept whole", text: "讚👍🏽讚👍🏽", limit: 4, parts: 5, noCutInside: []string{"👍🏽"}},
		{name: "combining mark kept whole", text: strings.Repeat("e\u0301", 8), limit: 5, parts: 5, noCutInside: []string{"e\u0301"}},
		{name: "url not cut", text: "仿單（說明書）：" + url + " 請參考。", limit: 140, parts: 5, noCutInside: []string{url}},
		{name: "url moves whole to the next piece", text: strings.Repeat("字", 30) + url, limit: 120, parts: 5, want: []string{strings.Repeat("字", 30), url}},
		{name: "url longer than the limit is cut", text: url, limit: 40, parts: 5},
		{name: "licence number not cut", text: "許可證字號：衛署藥製字第029478號 ABC1234567", limit: 22, parts: 5, noCutInside: []string{"ABC1234567"}},
		{name: "too long: the last piece is shortened", text: strings.Repeat("一二三四五。", 10), limit: 12, parts: 2},
		{name: "invalid UTF-8 dropped", text: "abc\xff\xfedef。ghi", limit: 7, parts: 5, want: []string{"abcdef。", "ghi"}},
		{name: "one part", text: strings.Repeat("長", 30), limit: 10, parts: 1, want: []string{strings.Repeat("長", 9) + "…"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := split(tc.text, tc.limit, tc.parts)
			checkSplit(t, tc.text, tc.limit, tc.parts, got)
			if tc.want != nil && strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("split = %q, want %q", got, tc.want)
			}
			if tc.want == nil && strings.TrimSpace(tc.text) == "" && len(got) != 0 {
				t.Errorf("split of blank text = %q", got)
			}
			for _, whole := range tc.noCutInside {
				for i := 0; i+1 < len(got); i++ {
					joinedAt := got[i] + got[i+1]
					if strings.Contains(joinedAt, whole) && !strings.Contains(got[i], whole) && !strings.Contains(got[i+1], whole) {
						t.Errorf("%q was cut between pieces %d and %d: %q", whole, i, i+1, got)
					}
				}
			}
			if strings.HasPrefix(tc.name, "too long") {
				if len(got) != tc.parts || !strings.HasSuffix(got[len(got)-1], ellipsis) {
					t.Errorf("split = %q: want %d pieces, the last ending with …", got, tc.parts)
				}
			}
		})
	}
}

func TestCut(t *testing.T) {
	tests := []struct{ in, want string }{
		{"短", "短"},
		{"十個字剛剛好的長度喔", "十個字剛剛好的長度喔"},
		{"這是一個超過十個字的標題文字", "這是一個超過十個字…"},
		{"😀😀😀😀😀😀", "😀😀😀😀…"},
		{"好好好好好好好好👨‍👩‍👧", "好好好好好好好好…"},
	}
	for _, tc := range tests {
		if got := cut(tc.in, 10); got != tc.want || units(got) > 10 {
			t.Errorf("cut(%q, 10) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("第一句。第二句！第三句？\n\n第二段 https://example.gov.tw/a?b=1 結束。", 7, 3)
	f.Add("👨‍👩‍👧🇹🇼e\u0301😀", 3, 5)
	f.Add("\xff\xfe藥", 1, 1)
	f.Fuzz(func(t *testing.T, text string, limit, parts int) {
		limit = 2 + abs(limit)%60
		parts = 1 + abs(parts)%5
		checkSplit(t, text, limit, parts, split(text, limit, parts))
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestRetryKey(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := retryKey("01FZ74A0TDDPYRVKNK77XKC3ZR"), retryKey("01FZ74A0TDDPYRVKNK77XKC3ZR")
	if a != b || !uuid.MatchString(a) {
		t.Errorf("retryKey = %q, %q: want the same version-5 UUID", a, b)
	}
	if retryKey("01FZ74A0TDDPYRVKNK77XKC3ZS") == a {
		t.Error("two events share a retry key")
	}
	if r := retryKey(""); r == retryKey("") || len(r) != 36 {
		t.Errorf("retryKey(\"\") = %q: want a random UUID", r)
	}
}

func TestAddressed(t *testing.T) {
	self := webhook.UserMentionee{Index: 0, Length: 6, IsSelf: true}
	tests := []struct {
		name string
		msg  webhook.TextMessageContent
		want string
		ok   bool
	}{
		{"no mention", webhook.TextMessageContent{Text: "普拿疼"}, "", false},
		{"someone else", webhook.TextMessageContent{Text: "@小明 普拿疼", Mention: &webhook.Mention{Mentionees: []webhook.MentioneeInterface{
			webhook.UserMentionee{Index: 0, Length: 3, UserId: "U1"}}}}, "", false},
		{"all is not the bot", webhook.TextMessageContent{Text: "@All 普拿疼", Mention: &webhook.Mention{Mentionees: []webhook.MentioneeInterface{
			webhook.AllMentionee{Index: 0, Length: 4}}}}, "", false},
		{"the bot", webhook.TextMessageContent{Text: "@市政小幫手 普拿疼的成分", Mention: &webhook.Mention{Mentionees: []webhook.MentioneeInterface{self}}}, "普拿疼的成分", true},
		{"the bot and a member", webhook.TextMessageContent{Text: "@小明 你看 @市政小幫手 副作用呢？", Mention: &webhook.Mention{Mentionees: []webhook.MentioneeInterface{
			webhook.UserMentionee{Index: 0, Length: 3}, webhook.UserMentionee{Index: 7, Length: 6, IsSelf: true}}}}, "你看  副作用呢？", true},
		{"emoji before counts two units", webhook.TextMessageContent{Text: "😀@市政小幫手 藥", Mention: &webhook.Mention{Mentionees: []webhook.MentioneeInterface{
			webhook.UserMentionee{Index: 2, Length: 6, IsSelf: true}}}}, "😀 藥", true},
		{"out of range", webhook.TextMessageContent{Text: "@bot", Mention: &webhook.Mention{Mentionees: []webhook.MentioneeInterface{
			webhook.UserMentionee{Index: 3, Length: 60, IsSelf: true}, webhook.UserMentionee{Index: -4, Length: 2, IsSelf: true}}}}, "@bo", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := addressed(tc.msg)
			if got != tc.want || ok != tc.ok {
				t.Errorf("addressed = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestLinkURI(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://www.fda.gov.tw/TC/siteContent.aspx?sid=1", "https://www.fda.gov.tw/TC/siteContent.aspx?sid=1", true},
		{" http://example.gov.tw/a b ", "http://example.gov.tw/a%20b", true},
		{"http://example.gov.tw/\x01", "", false},
		{"https://example.gov.tw/路徑?q=藥", "https://example.gov.tw/%E8%B7%AF%E5%BE%91?q=%E8%97%A5", true},
		{"javascript:alert(1)", "", false},
		{"tel:119", "", false},
		{"/relative/path", "", false},
		{"", "", false},
		{"https://example.gov.tw/" + strings.Repeat("a", 1000), "", false},
	}
	for _, tc := range tests {
		got, ok := linkURI(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("linkURI(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			if err := linetest.ValidURI(got); err != nil {
				t.Errorf("linkURI(%q) = %q: LINE would refuse it: %v", tc.in, got, err)
			}
		}
	}
}

// TestCompose checks that every kind of answer makes messages LINE accepts.
func TestCompose(t *testing.T) {
	many := make([]conversation.Source, 14)
	for i := range many {
		many[i] = conversation.Source{Dataset: "taipei_faq", Key: "k", Title: strings.Repeat("很長的常見問題標題", 20), URL: "https://www.gov.taipei/" + strings.Repeat("x", i*100), Snapshot: "2025-01-02"}
	}
	tests := []struct {
		name  string
		a     bot.Answer
		check func(t *testing.T, msgs []linetest.Message)
	}{
		{"drug", bot.Answer{MessageID: "0123456789abcdef0123456789abcdef", Text: "【普拿疼】\n許可證字號：衛署藥製字第000001號", Mode: conversation.ModeExtractive,
			Sources: []conversation.Source{{Dataset: "tfda_drug", Key: "衛署藥製字第000001號", Title: "普拿疼", URL: "https://example.gov.tw/d?id=1", Snapshot: "2025-01-02"}}},
			func(t *testing.T, msgs []linetest.Message) {
				if len(msgs) != 2 || msgs[1].Type() != "flex" {
					t.Fatalf("messages %v: want a text and a carousel", msgs)
				}
				var labels []string
				for _, a := range msgs[1].QuickReplies() {
					labels = append(labels, a.Label())
				}
				if got := strings.Join(labels, ","); got != "外觀,怎麼保存,副作用,找藥師,👍 有幫助,👎 沒幫助" {
					t.Errorf("quick replies %s", got)
				}
				if !strings.Contains(strings.Join(msgs[1].FlexTexts(), "|"), "食藥署藥品許可證|普拿疼|資料日期：2025-01-02") {
					t.Errorf("card texts %q", msgs[1].FlexTexts())
				}
			}},
		{"many long sources", bot.Answer{MessageID: "m1", Text: strings.Repeat("說明。", 8000), Mode: conversation.ModeExtractive, Sources: many},
			func(t *testing.T, msgs []linetest.Message) {
				if len(msgs) != 5 {
					t.Errorf("%d messages, want 4 texts and the carousel", len(msgs))
				}
				bubbles, _ := msgs[len(msgs)-1].Contents()["contents"].([]any)
				if len(bubbles) != maxBubbles {
					t.Errorf("%d cards, want %d", len(bubbles), maxBubbles)
				}
			}},
		{"emergency", bot.Answer{MessageID: "m2", Text: "這聽起來可能是緊急狀況，請立刻求助：撥 119，或打毒藥物諮詢中心 (02) 2871-7121。", Mode: conversation.ModeEmergency},
			func(t *testing.T, msgs []linetest.Message) {
				var uris []string
				for _, a := range msgs[len(msgs)-1].Actions() {
					uris = append(uris, a.URI())
				}
				if strings.Join(uris, ",") != "tel:119,tel:0228717121,tel:1925" || len(msgs[len(msgs)-1].QuickReplies()) != 0 {
					t.Errorf("call buttons %v, quick replies %v", uris, msgs[len(msgs)-1].QuickReplies())
				}
			}},
		{"english no answer", bot.Answer{MessageID: "m3", Text: "Sorry, I could not find a reliable answer.", Mode: conversation.ModeNoAnswer},
			func(t *testing.T, msgs []linetest.Message) {
				if qr := msgs[0].QuickReplies(); len(qr) != 2 || qr[0].Label() != "👍 Helpful" {
					t.Errorf("quick replies %v", qr)
				}
			}},
		{"empty", bot.Answer{Mode: conversation.ModeNoAnswer}, func(t *testing.T, msgs []linetest.Message) {
			if len(msgs) != 1 || msgs[0].Text() != textError {
				t.Errorf("messages %v", msgs)
			}
		}},
		{"pill with photos", bot.Answer{MessageID: "m4", Mode: conversation.ModeExtractive,
			Text: "1. ＳＴＲＥＳＳ錠（衛署藥製字第010168號）\n   外觀：白色 圓形\n   照片：https://mcp.fda.gov.tw/insert/shapeImg/661b?c=o",
			Sources: []conversation.Source{{Dataset: "tfda_drug", Key: "衛署藥製字第010168號", Title: "ＳＴＲＥＳＳ錠", URL: "https://mcp.fda.gov.tw/im_detail_1/x", Snapshot: "2026-11-28",
				Images: []conversation.Image{{URL: "https://mcp.fda.gov.tw/insert/shapeImg/661b?c=o", Alt: "ＳＴＲＥＳＳ錠，外觀：白色 圓形，標註：YSP 49"}}}}},
			func(t *testing.T, msgs []linetest.Message) {
				if strings.Contains(msgs[0].Text(), "ＳＴＲＥＳＳ") || !strings.Contains(msgs[0].Text(), "STRESS錠") {
					t.Errorf("text %q: want the full-width letters in ordinary width", msgs[0].Text())
				}
				bubbles, _ := msgs[1].Contents()["contents"].([]any)
				b, _ := bubbles[0].(map[string]any)
				hero, _ := b["hero"].(map[string]any)
				if hero["type"] != "image" || hero["url"] != "https://mcp.fda.gov.tw/insert/shapeImg/661b?c=o" {
					t.Errorf("card hero %v, want the pill's photo", b["hero"])
				}
				if got := strings.Join(msgs[1].FlexTexts(), "|"); !strings.Contains(got, "STRESS錠|資料日期：2026-11-28|白色 圓形，標註：YSP 49") {
					t.Errorf("card texts %q: want the title and the appearance in words", got)
				}
			}},
		{"service with phones and related questions", bot.Answer{MessageID: "m5", Mode: conversation.ModeExtractive,
			Text: "愛心悠遊卡遺失怎麼辦？\n請先打電話至412-8880轉7(手機請撥:02-412-8880轉7)掛失，費用100元，2017-08-07 公告。\n聯絡電話：1999\n\n您可能也想問：\n• 愛心悠遊卡借人使用會處罰嗎？\n\n還有疑問可撥 1999 市民當家熱線（外縣市請撥 02-2720-8889）。",
			Sources: []conversation.Source{{Dataset: "taipei_faq", Key: "GIP_1", Title: "愛心悠遊卡遺失怎麼辦？", Snapshot: "2017-08-07"},
				{Dataset: "taipei_faq", Key: "GIP_2", Title: "愛心悠遊卡借人使用會處罰嗎？", Snapshot: "2017-08-07"}}},
			func(t *testing.T, msgs []linetest.Message) {
				var calls []string
				for _, a := range msgs[1].Actions() {
					calls = append(calls, a.Label()+"="+a.URI())
				}
				if got := strings.Join(calls, ","); got != "撥打 412-8880=tel:4128880,撥打 02-412-8880=tel:024128880,撥打 1999=tel:1999" {
					t.Errorf("call buttons %s", got)
				}
				var related []string
				for _, a := range msgs[1].QuickReplies() {
					related = append(related, a.Type()+":"+a.DisplayText())
				}
				if len(related) == 0 || related[0] != "postback:愛心悠遊卡借人使用會處罰嗎？" {
					t.Errorf("quick replies %v: want the related question first", related)
				}
				if !strings.HasPrefix(msgs[1].AltText(), "電話：412-8880、02-412-8880、1999。資料來源：") {
					t.Errorf("alt text %q", msgs[1].AltText())
				}
			}},
		{"no answer with the help line", bot.Answer{MessageID: "m6", Mode: conversation.ModeNoAnswer, Text: "抱歉，找不到可靠的答案。請撥 1999 市民當家熱線（外縣市請撥 02-2720-8889）。"},
			func(t *testing.T, msgs []linetest.Message) {
				var uris []string
				for _, a := range msgs[len(msgs)-1].Actions() {
					uris = append(uris, a.URI())
				}
				if strings.Join(uris, ",") != "tel:1999,tel:0227208889" {
					t.Errorf("call buttons %v", uris)
				}
			}},
		{"bad source", bot.Answer{Text: "x", Mode: conversation.ModeExtractive, Sources: []conversation.Source{{Title: "\xff", URL: "ftp://x"}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(compose(tc.a, "quote-token"))
			if err != nil {
				t.Fatal(err)
			}
			if err := linetest.ValidateMessages(raw); err != nil {
				t.Fatalf("LINE would refuse the messages: %v\n%s", err, raw)
			}
			var msgs []linetest.Message
			if err := json.Unmarshal(raw, &msgs); err != nil {
				t.Fatal(err)
			}
			if msgs[0].Type() == "text" && msgs[0].QuoteToken() != "quote-token" {
				t.Error("the first text does not quote the question")
			}
			if tc.check != nil {
				tc.check(t, msgs)
			}
		})
	}
}
