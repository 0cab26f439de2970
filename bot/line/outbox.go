package line

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// storeTimeout bounds one call of the store's outbox.
const storeTimeout = 5 * time.Second

// Delivery retries: waits up to inlineWait are slept by the worker; longer ones
// release the event to the outbox until then (the worker goes on with others).
const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 5 * time.Minute
	inlineWait   = 2 * time.Second
	// giveUp is how long after its receipt an answer is still tried: LINE keeps a
	// push's retry key for 24 hours, and an answer a day late helps nobody.
	giveUp = 12 * time.Hour
)

// poke tells the dispatcher that there may be events to claim.
func (h *Handler) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// run claims events from the outbox for the idle workers until Shutdown, then waits
// for the workers to finish.
func (h *Handler) run(ctx context.Context) {
	free := make(chan struct{}, h.workers)
	for range h.workers {
		free <- struct{}{}
	}
	items := make(chan conversation.OutboxItem)
	var wg sync.WaitGroup
	for range h.workers {
		wg.Go(func() {
			for it := range items {
				h.process(ctx, it)
				h.inflight.Add(-1)
				free <- struct{}{}
			}
		})
	}
	renewed := make(chan struct{})
	go h.renew(ctx, renewed)

	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
claim:
	for {
		select {
		case <-free:
		case <-h.stop:
			break claim
		}
		n := 1
	more:
		for n < h.workers {
			select {
			case <-free:
				n++
			default:
				break more
			}
		}
		cctx, cancel := context.WithTimeout(ctx, storeTimeout)
		got, err := h.store.ClaimEvents(cctx, h.owner, n, h.lease)
		cancel()
		if err != nil {
			if failures++; failures == 1 || failures%60 == 0 {
				h.log.Error("line: claiming events from the outbox", "err", err, "failures", failures)
			}
		} else {
			failures = 0
		}
		h.inflight.Add(int64(len(got)))
		for _, it := range got {
			items <- it
		}
		for range n - len(got) {
			free <- struct{}{}
		}
		if len(got) == n {
			continue
		}
		timer.Reset(h.poll + rand.N(h.poll/4+1))
		select {
		case <-h.wake:
		case <-timer.C:
		case <-h.stop:
			break claim
		}
	}
	close(items)
	wg.Wait()
	close(renewed)
	close(h.done)
}

// renew keeps the leases of the events in progress until done is closed.
func (h *Handler) renew(ctx context.Context, done <-chan struct{}) {
	t := time.NewTicker(h.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if h.inflight.Load() == 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		if _, err := h.store.RenewLeases(rctx, h.owner, h.lease); err != nil {
			h.log.Error("line: renewing the leases of the events in progress", "err", err)
		}
		cancel()
	}
}

// process answers one event of the outbox and delivers the answer, or leaves it in
// the outbox (released) when the answer cannot be delivered yet.
func (h *Handler) process(ctx context.Context, it conversation.OutboxItem) {
	ctx, span := h.tracer.Start(ctx, "line.event", trace.WithAttributes(attribute.Int("civicbot.claims", it.Claims)))
	defer span.End()
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("line: panic handling an event", "event", it.ID, "panic", p, "stack", string(debug.Stack()))
			h.finish(ctx, it, true)
		}
	}()
	ev, err := unmarshalEvent(it.Event)
	if err != nil {
		h.Stats.Malformed.Add(1)
		h.log.Error("line: an event in the outbox does not parse; dropped", "event", it.ID)
		h.finish(ctx, it, true)
		return
	}
	j, ok := h.job(ev, it.Received, false)
	if !ok {
		h.finish(ctx, it, true)
		return
	}
	if it.Claims > 1 {
		h.Stats.Resumed.Add(1)
		h.log.Info("line: event taken up again", "event", j.id, "claims", it.Claims, "answered", it.Answer != nil)
	}
	if it.Answer == nil {
		msgs := h.dispatch(ctx, j)
		if ctx.Err() != nil {
			// Stopped mid-answer: left to the next process (Shutdown releases it).
			return
		}
		if len(msgs) == 0 {
			h.finish(ctx, it, true)
			return
		}
		raw, err := json.Marshal(msgs)
		if err != nil {
			h.log.Error("line: encoding the answer", "event", j.id, "err", err)
			h.finish(ctx, it, true)
			return
		}
		it.Answer = raw
		// Kept, so that a crash before delivery does not ask the engine again.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		if err := h.store.SaveEvent(sctx, h.owner, it, false); err != nil {
			h.log.Warn("line: cannot keep the answer in the outbox; delivering it anyway", "event", j.id, "err", err)
		}
		cancel()
	}
	sctx, send := h.tracer.Start(ctx, "line.send")
	h.deliver(sctx, it, j)
	send.End()
}

// finish takes a handled event out of the outbox. The context is not the workers':
// an answer delivered must be recorded as such even when a shutdown cut in.
func (h *Handler) finish(ctx context.Context, it conversation.OutboxItem, handled bool) {
	if handled {
		h.Stats.Handled.Add(1)
	}
	for attempt := 0; attempt < 3; attempt++ {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		err := h.store.FinishEvent(fctx, h.owner, it.ID)
		cancel()
		switch {
		case err == nil:
			h.poke() // the chat's next event may be claimed
			return
		case errors.Is(err, conversation.ErrLeaseLost):
			h.log.Error("line: the event's lease was lost before it was finished", "event", it.ID)
			return
		}
		h.log.Error("line: cannot take a finished event out of the outbox", "event", it.ID, "attempt", attempt+1, "err", err)
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
}

// deliver sends an answer: by reply while the event's reply token is valid (tried
// again on 5xx, 429 and network errors), then by push with the event's retry key.
// It finishes the event, or releases it to the outbox until its next attempt.
func (h *Handler) deliver(ctx context.Context, it conversation.OutboxItem, j job) {
	var raws []json.RawMessage
	if err := json.Unmarshal(it.Answer, &raws); err != nil || len(raws) == 0 {
		h.log.Error("line: the answer in the outbox does not parse; dropped", "event", j.id)
		h.finish(ctx, it, true)
		return
	}
	msgs := make([]messaging_api.MessageInterface, len(raws))
	for i, r := range raws {
		msgs[i] = rawMessage(r)
	}
	late, spent := false, false
	for {
		var r sendResult
		how := "push"
		if j.replyToken != "" && !spent && time.Since(j.sent) < h.replyTimeout {
			how = "reply"
			r = h.reply(ctx, j.replyToken, msgs)
			switch {
			case r.err == nil:
				h.Stats.Replies.Add(1)
				h.finish(ctx, it, true)
				return
			case r.tokenSpent() && it.Uncertain:
				// An earlier attempt failed in flight; the token was spent, so it got
				// through.
				h.log.Info("line: reply token spent after an uncertain attempt: the answer was delivered", "event", j.id)
				h.Stats.Replies.Add(1)
				h.finish(ctx, it, true)
				return
			case r.tokenSpent():
				h.log.Info("line: reply token spent", "event", j.id, "redelivery", j.redelivery)
				r, spent = sendResult{}, true
			case r.status == 0:
				it.Uncertain = true
			}
		}
		if r.err == nil {
			// The reply token is gone: push.
			if !late {
				late = true
				h.Stats.Late.Add(1)
			}
			to := j.src.chat()
			if !h.push || !chatID.MatchString(to) {
				h.Stats.Dropped.Add(1)
				h.log.Warn("line: answer not delivered: no valid reply token and no push", "event", j.id, "chat", h.tag(to), "push", h.push)
				h.finish(ctx, it, true)
				return
			}
			r = h.pushMessages(ctx, to, it.RetryKey, msgs)
			switch {
			case r.err == nil:
				h.Stats.Pushes.Add(1)
				h.finish(ctx, it, true)
				return
			case r.status == http.StatusConflict:
				h.Stats.PushDuplicates.Add(1)
				h.finish(ctx, it, true)
				return
			}
		}
		// Failed.
		h.Stats.SendFailures.Add(1)
		if ctx.Err() != nil {
			h.release(ctx, it, time.Time{})
			return
		}
		if !transient(r.status) || time.Since(it.Received) > giveUp {
			h.log.Error("line: answer not delivered", "event", j.id, "chat", h.tag(j.src.chat()), "how", how, "status", r.status, "sends", it.Sends+1, "err", r.err)
			h.finish(ctx, it, true)
			return
		}
		wait := backoff(it.Sends, r.retryAfter)
		it.Sends++
		h.Stats.Retries.Add(1)
		h.log.Warn("line: delivery failed; trying again", "event", j.id, "how", how, "status", r.status, "sends", it.Sends, "wait", wait.Round(time.Millisecond))
		if wait > inlineWait {
			h.release(ctx, it, time.Now().Add(wait))
			return
		}
		if !sleep(ctx, wait) {
			h.release(ctx, it, time.Time{})
			return
		}
	}
}

// release puts an event back in the outbox, to be claimed from at on (now when zero),
// with what was learnt about it.
func (h *Handler) release(ctx context.Context, it conversation.OutboxItem, at time.Time) {
	it.NotBefore = at
	if at.IsZero() {
		it.NotBefore = time.Now()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := h.store.SaveEvent(sctx, h.owner, it, true); err != nil {
		// The lease ends by itself.
		h.log.Error("line: cannot put the event back in the outbox", "event", it.ID, "err", err)
	}
}

// backoff is the wait before the next attempt after sends failed ones: Retry-After
// when LINE gave one, else exponential with jitter.
func backoff(sends int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := firstBackoff << min(sends, 20)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// rawMessage is a message as kept in the outbox, sent as is.
type rawMessage json.RawMessage

func (m rawMessage) GetType() string {
	var v struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(m, &v)
	return v.Type
}

func (m rawMessage) MarshalJSON() ([]byte, error) { return m, nil }

// newOwner names a handler on the outbox's leases.
func newOwner() string { return "line-" + randomID() }

func randomID() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
