package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

// job is one event to handle.
type job struct {
	ev         webhook.EventInterface
	typ        string
	id         string // webhookEventId
	replyToken string
	src        source
	redelivery bool
	received   time.Time
	// sent is the event's timestamp (when LINE sent it, and so when its reply token
	// was issued), or received when it has none.
	sent time.Time
}

// source is where an event came from.
type source struct {
	kind    string // "user", "group", "room"; "" when the event has none
	userID  string
	groupID string
	roomID  string
}

// chat is the id of the conversation: the user of a one-to-one chat, or the group or
// room. Answers go there; its hash is the session.
func (s source) chat() string {
	switch s.kind {
	case "group":
		return s.groupID
	case "room":
		return s.roomID
	}
	return s.userID
}

// ServeHTTP is the webhook (POST /line/webhook). It verifies the signature before
// anything else, writes the events to the outbox and then acknowledges with 200; when
// the store cannot record them it answers 500, and LINE delivers them again.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	sig := r.Header.Get("X-Line-Signature")
	if sig == "" {
		h.Stats.BadSignatures.Add(1)
		h.log.Warn("line webhook refused: no signature")
		http.Error(w, "missing signature", http.StatusBadRequest)
		return
	}
	// The body is capped before it is read: LINE's SDK would read it all.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.Stats.TooLarge.Add(1)
			h.log.Warn("line webhook refused: body too large", "limit", h.maxBody)
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.log.Warn("line webhook: reading the body", "err", err)
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if !webhook.ValidateSignature(h.secret, sig, body) {
		h.Stats.BadSignatures.Add(1)
		h.log.Warn("line webhook refused: bad signature", "bytes", len(body))
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	received := time.Now()
	events, raws, err := h.parse(body)
	if err != nil {
		h.Stats.Malformed.Add(1)
		// The error is not logged: parse errors can quote the body.
		h.log.Warn("line webhook refused: body is not a webhook", "bytes", len(body))
		http.Error(w, "malformed body", http.StatusBadRequest)
		return
	}
	if h.closed.Load() {
		// LINE redelivers (when redelivery is on) to a replica still running.
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}

	var items []conversation.OutboxItem
	var jobs []job
	for i, ev := range events {
		h.Stats.Events.Add(1)
		j, ok := h.job(ev, received, true)
		if ok {
			ok = h.wanted(j)
		}
		if !ok {
			h.Stats.Handled.Add(1)
			continue
		}
		id := j.id
		if id == "" {
			// LINE always sends one; an event without is still answered, once.
			id = "local:" + randomID()
		}
		chat := j.src.chat()
		if chat == "" {
			chat = id
		}
		items = append(items, conversation.OutboxItem{ID: eventKey(id), Chat: h.hash(chat), Event: raws[i], Received: received, RetryKey: retryKey(id)})
		jobs = append(jobs, j)
	}
	if len(items) > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
		fresh, err := h.store.AcceptEvents(ctx, items)
		cancel()
		if err != nil {
			// Not acknowledged, so LINE delivers the events again: never answered
			// without a record that they were (which could answer them twice).
			h.Stats.Unrecorded.Add(1)
			h.log.Error("line webhook: cannot record the events; answering 500 so that LINE redelivers them", "events", len(items), "err", err)
			http.Error(w, "cannot record the events", http.StatusInternalServerError)
			return
		}
		for i, f := range fresh {
			if !f {
				h.Stats.Duplicates.Add(1)
				h.Stats.Handled.Add(1)
				h.log.Info("line: event already taken", "event", jobs[i].id, "redelivery", jobs[i].redelivery)
			}
		}
		h.poke()
	}
	w.WriteHeader(http.StatusOK)
}

// parse reads a webhook body. An event that does not parse is skipped, not the
// body: the others are still answered.
func (h *Handler) parse(body []byte) (events []webhook.EventInterface, raws [][]byte, err error) {
	var env struct {
		Destination string            `json:"destination"`
		Events      []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, err
	}
	for i, raw := range env.Events {
		ev, err := unmarshalEvent(raw)
		if err != nil {
			h.Stats.Malformed.Add(1)
			h.log.Warn("line webhook: skipping an event that does not parse", "index", i)
			continue
		}
		events = append(events, ev)
		raws = append(raws, raw)
	}
	return events, raws, nil
}

// unmarshalEvent is the SDK's, guarded: a webhook must never take the server down.
func unmarshalEvent(raw []byte) (ev webhook.EventInterface, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("line: parsing an event: panic %v", p)
		}
	}()
	return webhook.UnmarshalEvent(raw)
}

// job describes an event; false for events the channel ignores. count counts the
// event in the Stats (at the webhook, not again when a worker reads it back).
func (h *Handler) job(ev webhook.EventInterface, received time.Time, count bool) (job, bool) {
	j := job{ev: ev, typ: ev.GetType(), received: received}
	add := func(c *atomic.Int64) {
		if count {
			c.Add(1)
		}
	}
	var (
		src     webhook.SourceInterface
		mode    webhook.EventMode
		deliver *webhook.DeliveryContext
		ts      int64
	)
	switch e := ev.(type) {
	case webhook.MessageEvent:
		src, mode, deliver, j.id, j.replyToken, ts = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken, e.Timestamp
		if _, ok := e.Message.(webhook.TextMessageContent); ok {
			add(&h.Stats.Texts)
		} else {
			add(&h.Stats.NonTexts)
		}
	case webhook.PostbackEvent:
		src, mode, deliver, j.id, j.replyToken, ts = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken, e.Timestamp
		add(&h.Stats.Postbacks)
	case webhook.FollowEvent:
		src, mode, deliver, j.id, j.replyToken, ts = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken, e.Timestamp
		add(&h.Stats.Follows)
	case webhook.UnfollowEvent:
		src, mode, deliver, j.id, ts = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.Timestamp
		add(&h.Stats.Unfollows)
	case webhook.JoinEvent:
		src, mode, deliver, j.id, j.replyToken, ts = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken, e.Timestamp
		add(&h.Stats.Joins)
	case webhook.LeaveEvent:
		src, mode, deliver, j.id, ts = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.Timestamp
		add(&h.Stats.Leaves)
	default:
		add(&h.Stats.Ignored)
		return j, false
	}
	j.src = sourceOf(src)
	j.sent = received
	// A timestamp in the future (a skewed clock) would keep a dead token in use.
	if t := time.UnixMilli(ts); ts > 0 && !t.After(received) {
		j.sent = t
	}
	if deliver != nil {
		j.redelivery = deliver.IsRedelivery
	}
	// In standby mode another channel answers the chat; forgetting a conversation
	// still applies.
	if mode == webhook.EventMode_STANDBY && j.typ != "unfollow" && j.typ != "leave" {
		add(&h.Stats.Ignored)
		return j, false
	}
	return j, true
}

func sourceOf(s webhook.SourceInterface) source {
	switch s := s.(type) {
	case webhook.UserSource:
		return source{kind: "user", userID: s.UserId}
	case webhook.GroupSource:
		return source{kind: "group", groupID: s.GroupId, userID: s.UserId}
	case webhook.RoomSource:
		return source{kind: "room", roomID: s.RoomId, userID: s.UserId}
	}
	return source{}
}

// wanted says whether an event is for the bot: a group's or room's messages are only
// when they mention it, and its pictures and stickers never are.
func (h *Handler) wanted(j job) bool {
	ev, ok := j.ev.(webhook.MessageEvent)
	if !ok || j.src.kind == "user" {
		return true
	}
	m, ok := ev.Message.(webhook.TextMessageContent)
	if !ok {
		return false
	}
	if _, ok := addressed(m); !ok {
		h.Stats.NotAddressed.Add(1)
		return false
	}
	return true
}
