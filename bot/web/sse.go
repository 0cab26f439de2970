package web

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
)

// SSE event payloads.
type (
	deltaData struct {
		Text string `json:"text"`
	}
	sourcesData struct {
		Sources []conversation.Source `json:"sources"`
	}
	doneData struct {
		MessageID   string            `json:"message_id"`
		Mode        conversation.Mode `json:"mode"`
		Suggestions []bot.Suggestion  `json:"suggestions,omitempty"`
	}
	errorData struct {
		Message string `json:"message"`
	}
)

// streamFailed is what a citizen reads when an answer fails half way; the cause is
// logged, never shown.
const (
	streamFailed   = "抱歉，系統暫時無法回答，請稍後再試，或撥打 1999 市民熱線。"
	streamFailedEn = "Sorry, the answer could not be made. Please try again later, or call 1999."
)

// streamChat answers as Server-Sent Events: the engine's deltas, resets, sources and
// done, with a heartbeat comment while the answer is being made.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, req bot.Request, start time.Time) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s.metrics.streams.Inc()
	defer s.metrics.streams.Dec()

	sw := &sseWriter{w: w, rc: http.NewResponseController(w), onError: cancel}
	stop := sw.heartbeat(s.heartbeat)
	var first sync.Once
	a, err := s.engine.Ask(ctx, req, func(ev bot.Event) {
		switch ev.Type {
		case bot.EventDelta:
			first.Do(func() { s.metrics.firstDelta.Observe(time.Since(start).Seconds()) })
			sw.event("delta", deltaData{ev.Text})
		case bot.EventReset:
			sw.event("reset", struct{}{})
		case bot.EventSources:
			sw.event("sources", sourcesData{nonNil(ev.Sources)})
		case bot.EventDone:
			if ev.Answer != nil {
				sw.event("done", doneData{ev.Answer.MessageID, ev.Answer.Mode, ev.Answer.Suggestions})
			}
		}
	})
	stop()
	switch {
	case err == nil:
		s.answered(r.Context(), req.SessionID, a, start, true)
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		s.log.Debug("chat: the client went away", "ms", time.Since(start).Milliseconds())
	default:
		_, _, internal := status(err)
		if !internal && !sw.started {
			// A client's mistake found before anything was sent keeps its status.
			s.writeError(w, r, err)
			return
		}
		s.log.Error("chat stream failed", "err", err)
		msg := streamFailed
		if req.Locale == "en" {
			msg = streamFailedEn
		}
		sw.event("error", errorData{msg})
	}
}

// sseWriter writes the events of one stream. The response starts with the first
// event, so that an error found before any is sent keeps its HTTP status.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	onError func() // called once when a write fails: the client is gone

	mu      sync.Mutex
	started bool
	err     error
}

func (sw *sseWriter) event(name string, data any) {
	b, err := marshal(data)
	if err != nil { // only plain structs are sent
		panic(err)
	}
	// marshal never writes a newline, so the payload is one data line.
	sw.write(append(append(append([]byte("event: "+name+"\ndata: "), b...), '\n'), '\n'))
}

func (sw *sseWriter) write(p []byte) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.err != nil {
		return
	}
	if !sw.started {
		sw.started = true
		h := sw.w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		h.Set("Connection", "keep-alive")
		sw.w.WriteHeader(http.StatusOK)
	}
	_ = sw.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := sw.w.Write(p)
	if err == nil {
		err = sw.rc.Flush()
	}
	if err != nil {
		sw.err = err
		sw.onError()
	}
}

// heartbeat writes a comment every interval until stop is called.
func (sw *sseWriter) heartbeat(every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sw.write([]byte(": ping\n\n"))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
