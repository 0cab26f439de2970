package line

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	mapi "github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// Limits of the Messaging API, in UTF-16 code units.
const (
	maxText         = 5000 // a text message
	maxMessages     = 5    // messages in one reply or push
	maxAltText      = 400  // a Flex message's alternative text
	maxBubbles      = 10   // source cards (a carousel takes 12)
	maxQuickReplies = 13
	maxLabel        = 20   // a button's label
	maxData         = 300  // a postback's data and display text
	maxURI          = 1000 // a URI action's address
	maxTitle        = 120  // a source card's title, in characters: a card is not a page
	maxRelated      = 3    // related questions offered as quick replies
	maxImageURL     = 2000 // an image component's address
	maxCalls        = 3    // call buttons on an answer
)

// Colours of the cards.
const (
	colorDataset = "#1B7F5B"
	colorMuted   = "#8A8A8A"
	colorUrgent  = "#C62828"
)

// datasetLabels name the datasets as citizens know them.
var datasetLabels = map[string][2]string{ // zh-TW, en
	corpus.DatasetDrug:    {"食藥署藥品許可證", "TFDA drug licences"},
	corpus.DatasetMyth:    {"食藥署闢謠專區", "TFDA myth busting"},
	corpus.DatasetArticle: {"食藥好文網", "TFDA health articles"},
	corpus.DatasetCityFAQ: {"臺北市政府常見問答", "Taipei City FAQ"},
	corpus.DatasetPage:    {"機關網頁", "Agency page"},
}

// texts are text messages of fixed texts.
func texts(ss ...string) []mapi.MessageInterface {
	out := make([]mapi.MessageInterface, 0, len(ss))
	for _, s := range ss {
		out = append(out, &mapi.TextMessage{Text: s})
	}
	return out
}

// withQuickReply puts the quick reply buttons on the last message: LINE shows them
// only there.
func withQuickReply(msgs []mapi.MessageInterface, qr *mapi.QuickReply) []mapi.MessageInterface {
	if qr == nil || len(msgs) == 0 {
		return msgs
	}
	switch m := msgs[len(msgs)-1].(type) {
	case *mapi.TextMessage:
		m.QuickReply = qr
	case *mapi.FlexMessage:
		m.QuickReply = qr
	}
	return msgs
}

// compose turns an answer into at most five messages: the text, split to LINE's
// limit, then the sources as cards (or, for an emergency, a card with call buttons),
// with quick replies on the last. quote, if set, quotes the question.
func compose(a bot.Answer, quote string) []mapi.MessageInterface {
	english := isEnglish(a.Text)
	var tail []mapi.MessageInterface
	switch {
	case a.Mode == conversation.ModeEmergency:
		tail = append(tail, emergencyCard(a.Text, english))
	case len(a.Sources) > 0:
		tail = append(tail, sourceCards(a.Sources, phones(a.Text), english))
	case len(phones(a.Text)) > 0:
		tail = append(tail, &mapi.FlexMessage{AltText: callAlt(phones(a.Text), english), Contents: callBubble(phones(a.Text), english)})
	}
	parts := split(wide(a.Text), maxText, maxMessages-len(tail))
	if len(parts) == 0 && len(tail) == 0 {
		parts = []string{textError}
	}
	msgs := make([]mapi.MessageInterface, 0, len(parts)+len(tail))
	for i, p := range parts {
		m := &mapi.TextMessage{Text: p}
		if i == 0 && quote != "" {
			m.QuoteToken = quote
		}
		msgs = append(msgs, m)
	}
	msgs = append(msgs, tail...)
	if a.Mode == conversation.ModeEmergency {
		// Nothing should compete with the call buttons.
		return msgs
	}
	return withQuickReply(msgs, quickReplies(a, english))
}

// isEnglish says whether an answer is in English (the engine answers in the
// question's language).
func isEnglish(s string) bool {
	latin := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			return false
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			latin++
		}
	}
	return latin > 0
}

func pick(english bool, zh, en string) string {
	if english {
		return en
	}
	return zh
}

// sourceCards shows sources as a carousel: per source its dataset, title, the date
// of the data, its photo when it has one and a button to the page when it has a web
// address; the answer's phone numbers, if any, come first as call buttons.
func sourceCards(srcs []conversation.Source, tels []phone, english bool) mapi.MessageInterface {
	bubbles := make([]mapi.FlexBubble, 0, min(len(srcs), maxBubbles)+1)
	titles := make([]string, 0, len(bubbles))
	alt := ""
	if len(tels) > 0 {
		bubbles = append(bubbles, callBubble(tels, english))
		alt = callAlt(tels, english) + pick(english, "。", ". ")
	}
	for _, s := range srcs[:min(len(srcs), maxBubbles)] {
		title := cardTitle(s)
		titles = append(titles, title)
		bubbles = append(bubbles, sourceBubble(s, title, english))
	}
	alt += pick(english, "資料來源：", "Sources: ") + strings.Join(titles, pick(english, "、", "; "))
	return &mapi.FlexMessage{AltText: cut(alt, maxAltText), Contents: &mapi.FlexCarousel{Contents: bubbles}}
}

// phone is a number of the answer, as written and as dialled.
type phone struct{ shown, tel string }

// phoneRE finds the phone numbers an answer gives. The output check has already let
// through only the numbers of its sources and the help lines; three- and four-digit
// numbers count only as help lines. The widget (bot/web/static/widget.js, TEL) finds
// the same numbers.
var phoneRE = regexp.MustCompile(`\(0\d{1,2}\)\s?\d{3,4}-?\d{4}|0\d{1,3}-\d{3,4}-\d{3,4}|\d{3,4}-\d{4}|09\d{2}-?\d{3}-?\d{3}|\d+`)

var helpLines = map[string]bool{"119": true, "110": true, "113": true, "165": true, "1919": true, "1925": true, "1955": true, "1957": true, "1999": true}

// phones returns the distinct numbers of a text in their order, at most maxCalls.
func phones(text string) []phone {
	var out []phone
	seen := map[string]bool{}
	for _, loc := range phoneRE.FindAllStringIndex(text, -1) {
		m := text[loc[0]:loc[1]]
		before, after := text[:loc[0]], text[loc[1]:]
		if strings.HasSuffix(before, "-") || strings.HasPrefix(after, "-") || (loc[0] > 0 && isDigit(before[len(before)-1])) {
			continue
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if !strings.ContainsAny(m, "-()") && !helpLines[m] {
			continue // a bare number: a fee, a year, a count
		}
		if y := dateLike.MatchString(m); y || seen[digits] {
			continue
		}
		seen[digits] = true
		out = append(out, phone{shown: m, tel: "tel:" + digits})
		if len(out) == maxCalls {
			break
		}
	}
	return out
}

var dateLike = regexp.MustCompile(`^(?:19|20)\d\d-(?:19|20)\d\d$`)

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// callBubble is a card of call buttons for the numbers an answer gives.
func callBubble(tels []phone, english bool) mapi.FlexBubble {
	buttons := make([]mapi.FlexComponentInterface, 0, len(tels))
	for _, p := range tels {
		buttons = append(buttons, &mapi.FlexButton{Style: mapi.FlexButtonSTYLE_SECONDARY, Height: mapi.FlexButtonHEIGHT_SM,
			Action: &mapi.UriAction{Label: cut(pick(english, "撥打 ", "Call ")+p.shown, maxLabel), Uri: p.tel}})
	}
	return mapi.FlexBubble{
		Size: mapi.FlexBubbleSIZE_KILO,
		Body: &mapi.FlexBox{Layout: mapi.FlexBoxLAYOUT_VERTICAL, Contents: []mapi.FlexComponentInterface{
			&mapi.FlexText{Text: pick(english, "打電話問", "Call"), Size: "md", Weight: mapi.FlexTextWEIGHT_BOLD, Wrap: true},
		}},
		Footer: &mapi.FlexBox{Layout: mapi.FlexBoxLAYOUT_VERTICAL, Spacing: "sm", Contents: buttons},
	}
}

func callAlt(tels []phone, english bool) string {
	shown := make([]string, 0, len(tels))
	for _, p := range tels {
		shown = append(shown, p.shown)
	}
	return pick(english, "電話：", "Phone: ") + strings.Join(shown, pick(english, "、", ", "))
}

// wide shows the data's full-width ASCII letters and digits (ＳＴＲＥＳＳ, ５００) in
// their ordinary width; the record itself is unchanged.
func wide(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' {
			return r - 0xFEE0
		}
		return r
	}, s)
}

func cardTitle(s conversation.Source) string {
	t := strings.Join(strings.Fields(wide(strings.ToValidUTF8(s.Title, ""))), " ")
	if t == "" {
		t = strings.TrimSpace(strings.ToValidUTF8(s.Key, ""))
	}
	if t == "" {
		t = "—"
	}
	return cutRunes(t, maxTitle)
}

func sourceBubble(s conversation.Source, title string, english bool) mapi.FlexBubble {
	label := strings.ToValidUTF8(s.Dataset, "")
	if l, ok := datasetLabels[s.Dataset]; ok {
		label = pick(english, l[0], l[1])
	}
	if strings.TrimSpace(label) == "" {
		label = pick(english, "政府公開資料", "Government open data")
	}
	date := strings.ToValidUTF8(s.Snapshot, "")
	if strings.TrimSpace(date) == "" {
		date = pick(english, "未載明", "not stated")
	}
	b := mapi.FlexBubble{
		Size: mapi.FlexBubbleSIZE_KILO,
		Body: &mapi.FlexBox{
			Layout:  mapi.FlexBoxLAYOUT_VERTICAL,
			Spacing: "sm",
			Contents: []mapi.FlexComponentInterface{
				&mapi.FlexText{Text: cutRunes(label, 40), Size: "xs", Color: colorDataset, Weight: mapi.FlexTextWEIGHT_BOLD, Wrap: true},
				&mapi.FlexText{Text: title, Size: "md", Weight: mapi.FlexTextWEIGHT_BOLD, Wrap: true, MaxLines: 4},
				&mapi.FlexText{Text: pick(english, "資料日期：", "Data date: ") + cutRunes(date, 20), Size: "xs", Color: colorMuted, Wrap: true},
			},
		},
	}
	for _, img := range s.Images {
		if u, ok := imageURL(img.URL); ok {
			// The pill's photo, and its appearance in words under the title.
			b.Hero = &mapi.FlexImage{Url: u, Size: "full", AspectRatio: "4:3", AspectMode: mapi.FlexImageASPECT_MODE_FIT, BackgroundColor: "#F4F6F8"}
			if alt := strings.TrimSpace(wide(strings.ToValidUTF8(img.Alt, ""))); alt != "" {
				_, look, _ := strings.Cut(alt, "外觀：")
				if look == "" {
					_, look, _ = strings.Cut(alt, "appearance: ")
				}
				if look == "" {
					look = alt
				}
				b.Body.Contents = append(b.Body.Contents, &mapi.FlexText{Text: cutRunes(look, 120), Size: "xs", Wrap: true, MaxLines: 3})
			}
			break
		}
	}
	if u, ok := linkURI(s.URL); ok {
		b.Footer = &mapi.FlexBox{
			Layout: mapi.FlexBoxLAYOUT_VERTICAL,
			Contents: []mapi.FlexComponentInterface{
				&mapi.FlexButton{Style: mapi.FlexButtonSTYLE_LINK, Height: mapi.FlexButtonHEIGHT_SM,
					Action: &mapi.UriAction{Label: pick(english, "查看來源", "Open source"), Uri: u}},
			},
		}
	}
	return b
}

// linkURI returns a source's address as LINE takes it in a button: an absolute http
// or https URL of at most 1000 characters, non-ASCII percent-encoded. false: no
// button.
func linkURI(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	s := b.String()
	if len(s) > maxURI {
		return "", false
	}
	if _, err := url.Parse(s); err != nil {
		return "", false
	}
	return s, true
}

// imageURL returns a photo's address as LINE takes it in an image component: https,
// at most 2000 characters. false: no photo.
func imageURL(raw string) (string, bool) {
	u, ok := linkURI(raw)
	if !ok || !strings.HasPrefix(u, "https://") || len(u) > maxImageURL {
		return "", false
	}
	return u, true
}

// emergencyCard is a card with call buttons for the help lines of the emergency
// answer, which the text message before it spells out.
func emergencyCard(text string, english bool) mapi.MessageInterface {
	type helpLine struct{ zh, en, tel string }
	ambulance := helpLine{"撥打 119", "Call 119", "tel:119"}
	poison := helpLine{"毒藥物諮詢中心", "Poison Control", "tel:0228717121"}
	talk := helpLine{"安心專線 1925", "1925 helpline", "tel:1925"}
	lines := []helpLine{ambulance, poison, talk}
	if strings.Contains(text, "1925") {
		// Self-harm: the helpline to talk to comes before the poison centre.
		lines = []helpLine{ambulance, talk, poison}
	}
	buttons := make([]mapi.FlexComponentInterface, 0, len(lines))
	for i, l := range lines {
		btn := &mapi.FlexButton{Style: mapi.FlexButtonSTYLE_SECONDARY, Height: mapi.FlexButtonHEIGHT_SM,
			Action: &mapi.UriAction{Label: pick(english, l.zh, l.en), Uri: l.tel}}
		if i == 0 {
			btn.Style, btn.Color = mapi.FlexButtonSTYLE_PRIMARY, colorUrgent
		}
		buttons = append(buttons, btn)
	}
	return &mapi.FlexMessage{
		AltText: pick(english,
			"緊急求助：撥 119；毒藥物諮詢中心 (02) 2871-7121；安心專線 1925",
			"Emergency: call 119; Poison Control Center (02) 2871-7121; 1925 Mental Health Hotline"),
		Contents: &mapi.FlexBubble{
			Body: &mapi.FlexBox{
				Layout:  mapi.FlexBoxLAYOUT_VERTICAL,
				Spacing: "sm",
				Contents: []mapi.FlexComponentInterface{
					&mapi.FlexText{Text: pick(english, "立即求助", "Get help now"), Size: "lg", Weight: mapi.FlexTextWEIGHT_BOLD, Color: colorUrgent},
					&mapi.FlexText{Wrap: true, Size: "sm", Text: pick(english,
						"有生命危險請立刻撥 119。吃錯藥或誤食：毒藥物諮詢中心 (02) 2871-7121（24 小時）。想找人談談：安心專線 1925（24 小時）。",
						"If a life is in danger, call 119 now. Wrong medicine or poisoning: Poison Control Center (02) 2871-7121 (24 hours). To talk to someone: 1925 (24 hours).")},
				},
			},
			Footer: &mapi.FlexBox{Layout: mapi.FlexBoxLAYOUT_VERTICAL, Spacing: "sm", Contents: buttons},
		},
	}
}

// quickReplies offers what a citizen may want next: for a medicine, its look, storage,
// side effects and a pharmacist; for other answers, the related questions; for a
// declined one, the questions it offers (bot.Suggestion); and 👍/👎
// on every stored answer.
func quickReplies(a bot.Answer, english bool) *mapi.QuickReply {
	var items []mapi.QuickReplyItem
	answered := a.Mode == conversation.ModeExtractive || a.Mode == conversation.ModeGenerated || a.Mode == conversation.ModeCurated
	switch {
	case answered && len(a.Sources) > 0 && a.Sources[0].Dataset == corpus.DatasetDrug:
		// Follow-ups are postbacks, not messages: in a group a typed message would
		// need a mention to reach the bot.
		if english {
			items = append(items,
				ask("Appearance", "What does it look like?"),
				ask("Storage", "Storage?"),
				ask("Side effects", "Side effects?"),
				postback("Ask a pharmacist", postbackPharmacist, "Ask a pharmacist"))
		} else {
			items = append(items,
				ask("外觀", "外觀呢？"),
				ask("怎麼保存", "怎麼保存？"),
				ask("副作用", "副作用呢？"),
				postback("找藥師", postbackPharmacist, "找藥師"))
		}
	case a.Mode == conversation.ModeNoAnswer && len(a.Suggestions) > 0:
		// A declined answer offers the records' own questions found: one tap asks one.
		for _, sg := range a.Suggestions {
			t := strings.TrimSpace(strings.ToValidUTF8(sg.Title, ""))
			if t == "" || units(postbackQuestion+t) > maxData {
				continue
			}
			items = append(items, ask(t, t))
			if len(items) == maxRelated {
				break
			}
		}
	case answered && len(a.Sources) > 1:
		seen := map[string]bool{cardTitle(a.Sources[0]): true}
		for _, s := range a.Sources[1:] {
			t := strings.TrimSpace(strings.ToValidUTF8(s.Title, ""))
			if t == "" || seen[t] || units(postbackQuestion+t) > maxData {
				continue
			}
			seen[t] = true
			items = append(items, ask(t, t))
			if len(items) == maxRelated {
				break
			}
		}
	}
	if messageID.MatchString(a.MessageID) {
		up, down := pick(english, "👍 有幫助", "👍 Helpful"), pick(english, "👎 沒幫助", "👎 Not helpful")
		items = append(items,
			postback(up, fmt.Sprintf(postbackFeedback, conversation.RatingUp, a.MessageID), up),
			postback(down, fmt.Sprintf(postbackFeedback, conversation.RatingDown, a.MessageID), down))
	}
	if len(items) == 0 {
		return nil
	}
	return &mapi.QuickReply{Items: items[:min(len(items), maxQuickReplies)]}
}

// examples are questions to try, offered with the greeting.
func examples() *mapi.QuickReply {
	return &mapi.QuickReply{Items: []mapi.QuickReplyItem{
		ask("普拿疼的成分", "普拿疼的成分是什麼？"),
		ask("用外觀找藥", "白色圓形藥丸，上面寫 YSP"),
		ask("愛心卡遺失", "愛心卡遺失怎麼辦？"),
	}}
}

// ask is a button that asks a question, shown in the chat as the user's message.
func ask(label, question string) mapi.QuickReplyItem {
	return postback(label, postbackQuestion+question, question)
}

func postback(label, data, display string) mapi.QuickReplyItem {
	return mapi.QuickReplyItem{Type: "action", Action: &mapi.PostbackAction{
		Label: cut(label, maxLabel), Data: data, DisplayText: cut(display, maxData),
	}}
}

// cutRunes shortens s to n characters, ending with "…" when it was shortened.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	end, k := 0, 0
	for i := range s {
		if k == n-1 {
			end = i
			break
		}
		k++
	}
	for end > 0 && joined(s, end) {
		_, size := utf8.DecodeLastRuneInString(s[:end])
		end -= size
	}
	return strings.TrimRightFunc(s[:end], unicode.IsSpace) + ellipsis
}
