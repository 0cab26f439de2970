package line

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

// Postback data the channel puts on its buttons.
const (
	postbackQuestion   = "q="             // q=<question>: ask it (follow-ups, related questions, rich menus)
	postbackPharmacist = "act=pharmacist" // how to reach a pharmacist
	postbackFeedback   = "fb=%s&m=%s"     // fb=up|down&m=<message id>
)

// messageID is the form of the engine's message ids (32 hex digits), with room to
// spare: anything else in a feedback postback is not ours.
var messageID = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// eventKey is what the Store records for an event id: the id, or its hash when it is
// longer than any ULID.
func eventKey(id string) string {
	if len(id) <= 64 {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// dispatch handles an event and returns the messages to send (none: nothing to say).
func (h *Handler) dispatch(ctx context.Context, j job) []messaging_api.MessageInterface {
	switch ev := j.ev.(type) {
	case webhook.MessageEvent:
		return h.onMessage(ctx, j, ev)
	case webhook.PostbackEvent:
		return h.onPostback(ctx, j, ev)
	case webhook.FollowEvent:
		text, err := greeting(h.retention)
		if err != nil {
			h.log.Error("line: greeting", "err", err)
			return nil
		}
		return withQuickReply(texts(text), examples())
	case webhook.JoinEvent:
		return texts(textJoin)
	case webhook.UnfollowEvent, webhook.LeaveEvent:
		h.forget(ctx, j)
	}
	return nil
}

func (h *Handler) onMessage(ctx context.Context, j job, ev webhook.MessageEvent) []messaging_api.MessageInterface {
	m, ok := ev.Message.(webhook.TextMessageContent)
	if !ok {
		// In a group, pictures and stickers are for the members, not the bot.
		if j.src.kind == "user" {
			return texts(textNonText)
		}
		return nil
	}
	text, quote := m.Text, ""
	if j.src.kind != "user" {
		t, ok := addressed(m)
		if !ok {
			return nil
		}
		// Quoting the question shows whom the answer is for.
		text, quote = t, m.QuoteToken
	}
	return h.answer(ctx, j, text, quote)
}

// addressed returns a group message's text without its mentions, and whether it
// mentions the bot. Mentions count UTF-16 code units.
func addressed(m webhook.TextMessageContent) (string, bool) {
	if m.Mention == nil {
		return "", false
	}
	units := utf16.Encode([]rune(m.Text))
	keep := make([]bool, len(units))
	for i := range keep {
		keep[i] = true
	}
	self := false
	for _, me := range m.Mention.Mentionees {
		var at, n int32
		switch v := me.(type) {
		case webhook.UserMentionee:
			at, n = v.Index, v.Length
			self = self || v.IsSelf
		case webhook.AllMentionee:
			at, n = v.Index, v.Length
		default:
			continue
		}
		// Every mention goes: members' names are not part of the question.
		for i := int(at); n > 0 && at >= 0 && i < int(at)+int(n) && i < len(units); i++ {
			keep[i] = false
		}
	}
	if !self {
		return "", false
	}
	out := make([]uint16, 0, len(units))
	for i, u := range units {
		if keep[i] {
			out = append(out, u)
		}
	}
	return strings.TrimSpace(string(utf16.Decode(out))), true
}

// answer asks the engine and returns the answer; nil when ctx ended first.
func (h *Handler) answer(ctx context.Context, j job, text, quote string) []messaging_api.MessageInterface {
	text = strings.TrimSpace(text)
	if text == "" {
		msg := textEmpty
		if j.src.kind != "user" {
			msg = textGroupEmpty
		}
		return texts(msg)
	}
	if utf8.RuneCountInString(text) > bot.MaxMessageRunes {
		return texts(textTooLong)
	}
	if j.src.kind == "user" {
		h.loading(ctx, j.src.userID)
	}
	actx, cancel := context.WithTimeout(ctx, h.answerTimeout)
	a, err := h.engine.Ask(actx, bot.Request{SessionID: h.SessionID(j.src.chat()), Message: text, Channel: "line"}, nil)
	cancel()
	switch {
	case errors.Is(err, bot.ErrEmptyMessage):
		return texts(textEmpty)
	case err != nil && ctx.Err() != nil:
		// Stopped (a shutdown): the event stays in the outbox for the next process.
		h.log.Info("line: answer cut short", "event", j.id, "chat", h.tag(j.src.chat()))
		return nil
	case err != nil:
		h.Stats.AskErrors.Add(1)
		h.log.Error("line: answer", "event", j.id, "chat", h.tag(j.src.chat()), "err", err)
		return texts(textError)
	}
	h.log.Info("line: answered", "event", j.id, "chat", h.tag(j.src.chat()), "mode", string(a.Mode),
		"sources", len(a.Sources), "message_id", a.MessageID, "wait", time.Since(j.received).Round(time.Millisecond))
	h.answers.WithLabelValues("line", string(a.Mode)).Inc()
	return compose(a, quote)
}

func (h *Handler) onPostback(ctx context.Context, j job, ev webhook.PostbackEvent) []messaging_api.MessageInterface {
	if ev.Postback == nil {
		return nil
	}
	data := ev.Postback.Data
	switch {
	case strings.HasPrefix(data, postbackQuestion):
		return h.answer(ctx, j, data[len(postbackQuestion):], "")
	case data == postbackPharmacist:
		return texts(textPharmacist)
	}
	v, err := url.ParseQuery(data)
	rating, id := v.Get("fb"), v.Get("m")
	if err != nil || (rating != conversation.RatingUp && rating != conversation.RatingDown) || !messageID.MatchString(id) {
		// Data is not logged: a rich menu could carry anything.
		h.log.Info("line: unknown postback ignored", "event", j.id, "bytes", len(data))
		return nil
	}
	switch err := h.store.SaveFeedback(ctx, conversation.Feedback{MessageID: id, Rating: rating, CreatedAt: time.Now()}); {
	case errors.Is(err, conversation.ErrUnknownMessage):
		// The answer was purged, or the data forged: nothing to rate.
		h.log.Info("line: feedback on an unknown message ignored", "event", j.id, "message_id", id)
	case err != nil:
		h.log.Error("line: save feedback", "event", j.id, "err", err)
	default:
		h.Stats.Feedback.Add(1)
	}
	return texts(textThanks)
}

// forget deletes the conversation of a user who blocked the account, or of a group
// the account left.
func (h *Handler) forget(ctx context.Context, j job) {
	chat := j.src.chat()
	if chat == "" {
		return
	}
	n, err := h.store.DeleteSession(ctx, h.SessionID(chat))
	if err != nil {
		h.log.Error("line: forget the conversation", "event", j.id, "chat", h.tag(chat), "err", err)
		return
	}
	h.log.Info("line: conversation forgotten", "event", j.id, "type", j.typ, "chat", h.tag(chat), "turns", n)
}
