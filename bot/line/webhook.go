package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

// busyTimeout bounds the "busy" replies sent from the webhook request itself when the
// queue is full.
const busyTimeout = 3 * time.Second

// maxPendingPerChat bounds the events of one chat waiting behind its answer in
// progress: one user cannot fill the queue.
const maxPendingPerChat = 16

// job is one event to handle.
type job struct {
	ev         webhook.EventInterface
	typ        string
	id         string // webhookEventId
	replyToken string
	src        source
	redelivery bool
	received   time.Time
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
// anything else, acknowledges with 200 at once and queues the events.
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
	events, err := h.parse(body)
	if err != nil {
		h.Stats.Malformed.Add(1)
		// The error is not logged: parse errors can quote the body.
		h.log.Warn("line webhook refused: body is not a webhook", "bytes", len(body))
		http.Error(w, "malformed body", http.StatusBadRequest)
		return
	}

	var overflow []job
	h.mu.RLock()
	if h.closed {
		h.mu.RUnlock()
		// LINE redelivers (when redelivery is on) to a replica still running.
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	for _, ev := range events {
		h.Stats.Events.Add(1)
		j, ok := h.job(ev, received)
		if !ok {
			h.Stats.Handled.Add(1)
			continue
		}
		if !h.chats.enqueue(j, h.queue) {
			overflow = append(overflow, j)
		}
	}
	h.mu.RUnlock()

	w.WriteHeader(http.StatusOK)
	if len(overflow) > 0 {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), busyTimeout)
		defer cancel()
		for _, j := range overflow {
			h.overflow(ctx, j)
		}
	}
}

// parse reads a webhook body. An event that does not parse is skipped, not the
// body: the others are still answered.
func (h *Handler) parse(body []byte) (events []webhook.EventInterface, err error) {
	var env struct {
		Destination string            `json:"destination"`
		Events      []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	for i, raw := range env.Events {
		ev, err := unmarshalEvent(raw)
		if err != nil {
			h.Stats.Malformed.Add(1)
			h.log.Warn("line webhook: skipping an event that does not parse", "index", i)
			continue
		}
		events = append(events, ev)
	}
	return events, nil
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

// job describes an event; false for events the channel ignores.
func (h *Handler) job(ev webhook.EventInterface, received time.Time) (job, bool) {
	j := job{ev: ev, typ: ev.GetType(), received: received}
	var (
		src     webhook.SourceInterface
		mode    webhook.EventMode
		deliver *webhook.DeliveryContext
	)
	switch e := ev.(type) {
	case webhook.MessageEvent:
		src, mode, deliver, j.id, j.replyToken = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken
		if _, ok := e.Message.(webhook.TextMessageContent); ok {
			h.Stats.Texts.Add(1)
		} else {
			h.Stats.NonTexts.Add(1)
		}
	case webhook.PostbackEvent:
		src, mode, deliver, j.id, j.replyToken = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken
		h.Stats.Postbacks.Add(1)
	case webhook.FollowEvent:
		src, mode, deliver, j.id, j.replyToken = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken
		h.Stats.Follows.Add(1)
	case webhook.UnfollowEvent:
		src, mode, deliver, j.id = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId
		h.Stats.Unfollows.Add(1)
	case webhook.JoinEvent:
		src, mode, deliver, j.id, j.replyToken = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId, e.ReplyToken
		h.Stats.Joins.Add(1)
	case webhook.LeaveEvent:
		src, mode, deliver, j.id = e.Source, e.Mode, e.DeliveryContext, e.WebhookEventId
		h.Stats.Leaves.Add(1)
	default:
		h.Stats.Ignored.Add(1)
		return j, false
	}
	j.src = sourceOf(src)
	if deliver != nil {
		j.redelivery = deliver.IsRedelivery
	}
	// In standby mode another channel answers the chat; forgetting a conversation
	// still applies.
	if mode == webhook.EventMode_STANDBY && j.typ != "unfollow" && j.typ != "leave" {
		h.Stats.Ignored.Add(1)
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

// overflow handles an event that found the queue full, within the webhook request:
// a conversation to forget is forgotten (a privacy promise), a message gets a short
// "busy" reply rather than silence.
func (h *Handler) overflow(ctx context.Context, j job) {
	switch j.typ {
	case "unfollow", "leave":
		h.handle(ctx, j)
		return
	}
	defer h.Stats.Handled.Add(1)
	h.Stats.Busy.Add(1)
	h.log.Warn("line: queue full, answering busy", "event", j.id, "type", j.typ, "chat", h.tag(j.src.chat()))
	if j.replyToken == "" {
		return
	}
	// By reply only: a busy notice is not worth a push.
	if err := h.reply(ctx, j.replyToken, texts(textBusy)); err != nil {
		h.Stats.SendFailures.Add(1)
		h.log.Warn("line: busy reply", "event", j.id, "err", err)
		return
	}
	h.Stats.Replies.Add(1)
}

// work runs queued events until the queue is closed. The events of one chat are
// handled in order, one at a time (a follow-up needs the answer before it): the
// worker that has a chat's event takes the chat's next ones too.
func (h *Handler) work(ctx context.Context) {
	for j := range h.queue {
		for ok := true; ok; j, ok = h.chats.next(j.src.chat()) {
			h.handle(ctx, j)
		}
	}
}

// chats orders the events of each chat. A chat with an event queued or in progress
// is active; its later events wait in its list, not in the queue, so that no two
// workers take the same chat and the order of arrival holds.
type chats struct {
	mu   sync.Mutex
	busy map[string][]job // active chat → events waiting behind the one queued or in progress
}

// enqueue queues j, or puts it behind its chat's event; false when the queue (or the
// chat's list) is full.
func (c *chats) enqueue(j job, queue chan<- job) bool {
	key := j.src.chat()
	if key == "" {
		select {
		case queue <- j:
			return true
		default:
			return false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if waiting, active := c.busy[key]; active {
		if len(waiting) >= maxPendingPerChat {
			return false
		}
		c.busy[key] = append(waiting, j)
		return true
	}
	select {
	case queue <- j:
		c.busy[key] = nil
		return true
	default:
		return false
	}
}

// next returns the chat's next waiting event, or makes the chat inactive.
func (c *chats) next(key string) (job, bool) {
	if key == "" {
		return job{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	waiting := c.busy[key]
	if len(waiting) == 0 {
		delete(c.busy, key)
		return job{}, false
	}
	c.busy[key] = waiting[1:]
	return waiting[0], true
}

// handle answers one event; a redelivered event a replica already took is skipped.
func (h *Handler) handle(ctx context.Context, j job) {
	defer h.Stats.Handled.Add(1)
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("line: panic handling an event", "event", j.id, "type", j.typ, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	if j.id != "" {
		first, err := h.store.MarkEvent(ctx, eventKey(j.id))
		switch {
		case err != nil:
			// Better twice than never.
			h.log.Warn("line: cannot record the event; answering anyway", "event", j.id, "err", err)
		case !first:
			h.Stats.Duplicates.Add(1)
			h.log.Info("line: event already taken", "event", j.id, "redelivery", j.redelivery)
			return
		}
	}
	h.dispatch(ctx, j)
}
