package web_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/web"
	"github.com/civicbot/civicbot/conversation"
)

// stubEngine answers with its ask func, or with a short extractive answer.
type stubEngine struct {
	ask func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error)

	mu   sync.Mutex
	reqs []bot.Request
}

func (f *stubEngine) Ask(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	if f.ask != nil {
		return f.ask(ctx, r, emit)
	}
	return stubAnswer(emit, "路邊停車費", "可於超商繳納。\n")
}

func (f *stubEngine) requests() []bot.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Request(nil), f.reqs...)
}

var parkingSource = conversation.Source{Dataset: "taipei_faq", Key: "GIP_1", Title: "路邊停車費繳費方式", URL: "https://example.gov.taipei/faq/1", Snapshot: "2025-01-02"}

// stubAnswer emits deltas, the sources and done, as the engine does.
func stubAnswer(emit func(bot.Event), deltas ...string) (bot.Answer, error) {
	a := bot.Answer{MessageID: "m1", Text: strings.Join(deltas, ""), Mode: conversation.ModeExtractive, Sources: []conversation.Source{parkingSource}}
	if emit != nil {
		for _, d := range deltas {
			emit(bot.Event{Type: bot.EventDelta, Text: d})
		}
		emit(bot.Event{Type: bot.EventSources, Sources: a.Sources})
		emit(bot.Event{Type: bot.EventDone, Answer: &a})
	}
	return a, nil
}

// stubStore keeps feedback for the messages it knows.
type stubStore struct {
	mu       sync.Mutex
	known    map[string]bool
	feedback []conversation.Feedback
	ready    error
}

func (f *stubStore) SaveFeedback(ctx context.Context, fb conversation.Feedback) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.known[fb.MessageID] {
		return conversation.ErrUnknownMessage
	}
	f.feedback = append(f.feedback, fb)
	return nil
}

func (f *stubStore) Ready(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ready
}

func (f *stubStore) setReady(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ready = err
}

func (f *stubStore) last() conversation.Feedback {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.feedback) == 0 {
		return conversation.Feedback{}
	}
	return f.feedback[len(f.feedback)-1]
}

// logBuffer is a log sink safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *logBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type apiServer struct {
	*httptest.Server
	engine *stubEngine
	store  *stubStore
	log    *logBuffer
}

// startServer starts a server with fakes, no rate limits and a slow heartbeat, unless
// cfg says otherwise.
func startServer(tb testing.TB, cfg web.Config, opts ...func(*http.Server)) *apiServer {
	tb.Helper()
	ts := &apiServer{log: &logBuffer{}}
	if cfg.Engine == nil {
		cfg.Engine = &stubEngine{}
	}
	ts.engine, _ = cfg.Engine.(*stubEngine)
	if cfg.Store == nil {
		cfg.Store = &stubStore{known: map[string]bool{"m1": true}}
	}
	ts.store, _ = cfg.Store.(*stubStore)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.RatePerIP == (web.Limit{}) {
		cfg.RatePerIP = web.Limit{PerMinute: -1}
	}
	if cfg.RatePerSession == (web.Limit{}) {
		cfg.RatePerSession = web.Limit{PerMinute: -1}
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = time.Hour
	}
	s, err := web.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ts.Server = httptest.NewUnstartedServer(nil)
	ts.Server.Config = s.HTTPServer()
	for _, o := range opts {
		o(ts.Server.Config)
	}
	ts.Start()
	tb.Cleanup(ts.Close)
	return ts
}

// post sends a JSON body with headers given as name, value pairs.
func (ts *apiServer) post(tb testing.TB, path, body string, header ...string) *http.Response {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), "POST", ts.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (ts *apiServer) get(tb testing.TB, path string, header ...string) *http.Response {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), "GET", ts.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readBody(tb testing.TB, r io.Reader) string {
	tb.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// wantAPIError checks an error response: its status and a message containing want.
func wantAPIError(tb testing.TB, resp *http.Response, status int, want string) {
	tb.Helper()
	body := readBody(tb, resp.Body)
	if resp.StatusCode != status {
		tb.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		tb.Errorf("Content-Type %q", ct)
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error, want) {
		tb.Fatalf("error body %s (%v), want an error containing %q", body, err, want)
	}
}

type sseBlock struct {
	name, data string // name "ping" for a heartbeat comment
}

// readSSE parses a stream strictly: every block is a comment ": ping" or exactly
// "event: NAME" and one "data: JSON" line, and blocks end with a blank line.
func readSSE(tb testing.TB, r io.Reader) []sseBlock {
	tb.Helper()
	var (
		events []sseBlock
		block  []string
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line != "" {
			block = append(block, line)
			continue
		}
		switch {
		case len(block) == 1 && block[0] == ": ping":
			events = append(events, sseBlock{name: "ping"})
		case len(block) == 2 && strings.HasPrefix(block[0], "event: ") && strings.HasPrefix(block[1], "data: "):
			ev := sseBlock{strings.TrimPrefix(block[0], "event: "), strings.TrimPrefix(block[1], "data: ")}
			if !json.Valid([]byte(ev.data)) {
				tb.Fatalf("event %s: data is not JSON: %s", ev.name, ev.data)
			}
			events = append(events, ev)
		default:
			tb.Fatalf("malformed SSE block %q", block)
		}
		block = nil
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(block) > 0 {
		tb.Fatalf("stream ends inside a block %q", block)
	}
	return events
}

func eventNames(events []sseBlock) string {
	var s []string
	for _, e := range events {
		s = append(s, e.name)
	}
	return strings.Join(s, " ")
}

const parkingQuestion = `{"session_id":"abc-123","message":"路邊停車費要怎麼繳","locale":"zh-TW"}`

func TestChatStream(t *testing.T) {
	ts := startServer(t, web.Config{})
	resp := ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", "text/event-stream")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, readBody(t, resp.Body))
	}
	for k, v := range map[string]string{
		"Content-Type":      "text/event-stream; charset=utf-8",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
		"Connection":        "keep-alive",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	got := readBody(t, resp.Body)
	want := "event: delta\ndata: {\"text\":\"路邊停車費\"}\n\n" +
		"event: delta\ndata: {\"text\":\"可於超商繳納。\\n\"}\n\n" +
		"event: sources\ndata: {\"sources\":[{\"dataset\":\"taipei_faq\",\"key\":\"GIP_1\",\"title\":\"路邊停車費繳費方式\",\"url\":\"https://example.gov.taipei/faq/1\",\"snapshot\":\"2025-01-02\"}]}\n\n" +
		"event: done\ndata: {\"message_id\":\"m1\",\"mode\":\"extractive\"}\n\n"
	if got != want {
		t.Errorf("stream:\n%s\nwant:\n%s", got, want)
	}
	if n := eventNames(readSSE(t, strings.NewReader(got))); n != "delta delta sources done" {
		t.Errorf("events %s", n)
	}
}

func TestChatRequestToEngine(t *testing.T) {
	ts := startServer(t, web.Config{})
	for _, tc := range []struct{ body, session, locale string }{
		{parkingQuestion, "web:abc-123", "zh-TW"},
		{`{"message":"How do I pay for parkingQuestion?","locale":"en-US"}`, "", "en"},
		{`{"message":"停車費","locale":"ja"}`, "", ""},
		{`{"message":"停車費","future_field":{"x":1}}`, "", ""},
	} {
		resp := ts.post(t, "/api/v1/chat", tc.body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", tc.body, resp.StatusCode, readBody(t, resp.Body))
		}
		reqs := ts.engine.requests()
		r := reqs[len(reqs)-1]
		if r.Channel != "web" || r.SessionID != tc.session || r.Locale != tc.locale {
			t.Errorf("%s: engine got %+v, want session %q locale %q", tc.body, r, tc.session, tc.locale)
		}
	}
}

func TestChatStreamReset(t *testing.T) {
	engine := &stubEngine{ask: func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
		emit(bot.Event{Type: bot.EventDelta, Text: "generated"})
		emit(bot.Event{Type: bot.EventReset})
		return stubAnswer(emit, "extractive")
	}}
	ts := startServer(t, web.Config{Engine: engine})
	events := readSSE(t, ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", "text/event-stream").Body)
	if n := eventNames(events); n != "delta reset delta sources done" {
		t.Fatalf("events %s", n)
	}
	if events[1].data != "{}" {
		t.Errorf("reset data %s", events[1].data)
	}
}

// TestChatStreamHeartbeat runs the handler in a synctest bubble, on its fake clock:
// an answer that takes 150 ms gets exactly the heartbeats of a 20 ms interval.
func TestChatStreamHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		engine := &stubEngine{ask: func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
			time.Sleep(150 * time.Millisecond)
			return stubAnswer(emit, "slow")
		}}
		s, err := web.New(web.Config{Engine: engine, Store: &stubStore{}, Heartbeat: 20 * time.Millisecond,
			RatePerIP: web.Limit{PerMinute: -1}, RatePerSession: web.Limit{PerMinute: -1}, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/chat", strings.NewReader(parkingQuestion))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		rec := httptest.NewRecorder()
		s.HTTPServer().Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if n := eventNames(readSSE(t, rec.Body)); n != "ping ping ping ping ping ping ping delta sources done" {
			t.Fatalf("events %s, want seven heartbeats (150 ms at one every 20 ms) then the answer", n)
		}
	})
}

func TestChatStreamOutlivesReadTimeout(t *testing.T) {
	// The server's read timeout covers reading the request; an answer taking longer
	// must not be cut off by it (net/http lifts the deadline once the body is read).
	engine := &stubEngine{ask: func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
		if emit != nil {
			emit(bot.Event{Type: bot.EventDelta, Text: "first "})
		}
		select {
		case <-time.After(600 * time.Millisecond):
		case <-ctx.Done():
			return bot.Answer{}, ctx.Err()
		}
		return stubAnswer(emit, "last")
	}}
	ts := startServer(t, web.Config{Engine: engine, Heartbeat: 50 * time.Millisecond}, func(s *http.Server) {
		s.ReadTimeout = 200 * time.Millisecond
	})
	for _, accept := range []string{"text/event-stream", "application/json"} {
		resp := ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", accept)
		body := readBody(t, resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(body, "last") {
			t.Errorf("%s: status %d: %s", accept, resp.StatusCode, body)
		}
	}
}

func TestChatJSON(t *testing.T) {
	ts := startServer(t, web.Config{})
	resp := ts.post(t, "/api/v1/chat", parkingQuestion)
	body := readBody(t, resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	want := `{"answer":"路邊停車費可於超商繳納。\n","mode":"extractive","sources":[{"dataset":"taipei_faq","key":"GIP_1","title":"路邊停車費繳費方式","url":"https://example.gov.taipei/faq/1","snapshot":"2025-01-02"}],"message_id":"m1"}`
	if strings.TrimSpace(body) != want {
		t.Errorf("body\n%s\nwant\n%s", body, want)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestChatEngineError(t *testing.T) {
	failing := func(deltas int) *stubEngine {
		return &stubEngine{ask: func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
			for range deltas {
				emit(bot.Event{Type: bot.EventDelta, Text: "part"})
			}
			return bot.Answer{}, errors.New("pgstore: search: connection refused")
		}}
	}
	for _, deltas := range []int{0, 2} {
		t.Run("stream after "+strconv.Itoa(deltas)+" deltas", func(t *testing.T) {
			ts := startServer(t, web.Config{Engine: failing(deltas)})
			resp := ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", "text/event-stream")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			events := readSSE(t, resp.Body)
			if n := eventNames(events); n != strings.Repeat("delta ", deltas)+"error" {
				t.Fatalf("events %s", n)
			}
			var e struct{ Message string }
			json.Unmarshal([]byte(events[len(events)-1].data), &e)
			if e.Message == "" || strings.Contains(e.Message, "pgstore") {
				t.Errorf("error event %s: want a generic message", events[len(events)-1].data)
			}
			if !strings.Contains(ts.log.String(), "connection refused") {
				t.Errorf("the cause is not logged:\n%s", ts.log)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		ts := startServer(t, web.Config{Engine: failing(0)})
		wantAPIError(t, ts.post(t, "/api/v1/chat", parkingQuestion), 500, "internal error")
		if !strings.Contains(ts.log.String(), "connection refused") {
			t.Errorf("the cause is not logged:\n%s", ts.log)
		}
	})
	t.Run("empty after normalising", func(t *testing.T) {
		engine := &stubEngine{ask: func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
			return bot.Answer{}, bot.ErrEmptyMessage
		}}
		ts := startServer(t, web.Config{Engine: engine})
		wantAPIError(t, ts.post(t, "/api/v1/chat", `{"message":"\u200b"}`, "Accept", "text/event-stream"), 400, "message")
	})
}

func TestChatLogsNoMessageText(t *testing.T) {
	ts := startServer(t, web.Config{})
	readBody(t, ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", "text/event-stream").Body)
	readBody(t, ts.post(t, "/api/v1/chat", parkingQuestion).Body)
	log := ts.log.String()
	if !strings.Contains(log, "mode=extractive") {
		t.Errorf("no answer logged:\n%s", log)
	}
	for _, secret := range []string{"路邊停車費要怎麼繳", "abc-123"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
}

func TestChatClientDisconnectCancelsEngine(t *testing.T) {
	cancelled := make(chan struct{})
	engine := &stubEngine{ask: func(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error) {
		emit(bot.Event{Type: bot.EventDelta, Text: "thinking"})
		select {
		case <-ctx.Done():
			close(cancelled)
			return bot.Answer{}, ctx.Err()
		case <-time.After(10 * time.Second):
			return bot.Answer{}, errors.New("not cancelled")
		}
	}}
	ts := startServer(t, web.Config{Engine: engine})
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/api/v1/chat", strings.NewReader(parkingQuestion))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	if line != "event: delta\n" {
		t.Fatalf("first line %q", line)
	}
	cancel()
	resp.Body.Close()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the engine's context was not cancelled when the client went away")
	}
}

func TestChatRejects(t *testing.T) {
	ts := startServer(t, web.Config{MaxBodyBytes: 4096, MaxMessageRunes: 100})
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		want                    string
	}{
		{"body too large", `{"message":"` + strings.Repeat("a", 5000) + `"}`, "", 413, "over 4096 bytes"},
		{"message too long", `{"message":"` + strings.Repeat("藥", 101) + `"}`, "", 400, "at most 100"},
		{"message missing", `{"session_id":"abc"}`, "", 400, "message: missing or empty"},
		{"message empty", `{"message":""}`, "", 400, "message: missing or empty"},
		{"message blank", `{"message":" \n\t　"}`, "", 400, "message: missing or empty"},
		{"malformed", `{"message":"停車"`, "", 400, "malformed JSON"},
		{"syntax", `{"message":停車}`, "", 400, "malformed JSON at byte"},
		{"wrong type", `{"message":42}`, "", 400, "message: want a string"},
		{"not an object", `["停車"]`, "", 400, "want an object"},
		{"empty body", ``, "", 400, "the body is empty"},
		{"trailing data", `{"message":"停車"} {"message":"again"}`, "", 400, "data after the object"},
		{"trailing garbage", `{"message":"停車"}garbage`, "", 400, "data after the object"},
		{"trailing over the cap", `{"message":"停車"}` + strings.Repeat(" ", 5000), "", 413, "over 4096 bytes"},
		{"session too long", `{"session_id":"` + strings.Repeat("a", 129) + `","message":"停車"}`, "", 400, "session_id: longer than 128"},
		{"session bad characters", `{"session_id":"a b/c","message":"停車"}`, "", 400, "session_id: only letters"},
		{"form post", `message=停車`, "application/x-www-form-urlencoded", 415, "application/json"},
		{"text post", `{"message":"停車"}`, "text/plain", 415, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/json; charset=utf-8"
			}
			before := len(ts.engine.requests())
			wantAPIError(t, ts.post(t, "/api/v1/chat", tc.body, "Content-Type", ct), tc.status, tc.want)
			if len(ts.engine.requests()) != before {
				t.Error("the engine was asked")
			}
		})
	}
	t.Run("largest accepted", func(t *testing.T) {
		resp := ts.post(t, "/api/v1/chat", `{"message":"`+strings.Repeat("藥", 100)+`"}   `)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, readBody(t, resp.Body))
		}
	})
}

func TestChatRateLimit(t *testing.T) {
	t.Run("session", func(t *testing.T) {
		ts := startServer(t, web.Config{RatePerSession: web.Limit{PerMinute: 2, Burst: 2}})
		for i := range 2 {
			if resp := ts.post(t, "/api/v1/chat", parkingQuestion); resp.StatusCode != 200 {
				t.Fatalf("request %d: status %d", i, resp.StatusCode)
			}
		}
		resp := ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", "text/event-stream")
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 30 {
			t.Errorf("Retry-After %q, want about 30 s", resp.Header.Get("Retry-After"))
		}
		wantAPIError(t, resp, 429, "too many requests")
		// Another session, and no session, are not limited by this one.
		if resp := ts.post(t, "/api/v1/chat", `{"session_id":"other","message":"停車"}`); resp.StatusCode != 200 {
			t.Errorf("other session: status %d", resp.StatusCode)
		}
		if resp := ts.post(t, "/api/v1/chat", `{"message":"停車"}`); resp.StatusCode != 200 {
			t.Errorf("no session: status %d", resp.StatusCode)
		}
	})
	t.Run("ip", func(t *testing.T) {
		ts := startServer(t, web.Config{RatePerIP: web.Limit{PerMinute: 1, Burst: 1}})
		if resp := ts.post(t, "/api/v1/chat", `{"session_id":"a","message":"停車"}`); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		resp := ts.post(t, "/api/v1/chat", `{"session_id":"b","message":"停車"}`, "Origin", ts.URL)
		if ra := resp.Header.Get("Retry-After"); ra != "60" {
			t.Errorf("Retry-After %q, want 60", ra)
		}
		if eh := resp.Header.Get("Access-Control-Expose-Headers"); eh != "Retry-After" {
			t.Errorf("the widget cannot read Retry-After: Access-Control-Expose-Headers %q", eh)
		}
		wantAPIError(t, resp, 429, "too many requests")
		wantAPIError(t, ts.post(t, "/api/v1/feedback", `{"message_id":"m1","rating":"up"}`), 429, "too many requests")
	})
	t.Run("metrics", func(t *testing.T) {
		ts := startServer(t, web.Config{RatePerIP: web.Limit{PerMinute: 1, Burst: 1}})
		ts.post(t, "/api/v1/chat", parkingQuestion)
		ts.post(t, "/api/v1/chat", parkingQuestion)
		if m := readBody(t, ts.get(t, "/metrics").Body); !strings.Contains(m, `civicbot_rate_limited_total{scope="ip"} 1`) {
			t.Errorf("metrics:\n%s", m)
		}
	})
}

func TestFeedback(t *testing.T) {
	ts := startServer(t, web.Config{})
	t.Run("ok", func(t *testing.T) {
		resp := ts.post(t, "/api/v1/feedback", `{"message_id":"m1","rating":"up"}`)
		if resp.StatusCode != 204 {
			t.Fatalf("status %d: %s", resp.StatusCode, readBody(t, resp.Body))
		}
		if f := ts.store.last(); f.MessageID != "m1" || f.Rating != "up" || f.Comment != "" || f.CreatedAt.IsZero() {
			t.Errorf("stored %+v", f)
		}
	})
	t.Run("comment redacted", func(t *testing.T) {
		resp := ts.post(t, "/api/v1/feedback", `{"message_id":"m1","rating":"down","comment":"答案不對，請打給我 0912-345-678"}`)
		if resp.StatusCode != 204 {
			t.Fatalf("status %d: %s", resp.StatusCode, readBody(t, resp.Body))
		}
		f := ts.store.last()
		if f.Rating != "down" || strings.Contains(f.Comment, "345") || !strings.Contains(f.Comment, "答案不對") {
			t.Errorf("stored %+v, want the phone number redacted", f)
		}
	})
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"unknown message", `{"message_id":"nope","rating":"up"}`, 404, "unknown message_id"},
		{"bad rating", `{"message_id":"m1","rating":"meh"}`, 400, `rating: want "up" or "down"`},
		{"missing id", `{"rating":"up"}`, 400, "message_id: missing"},
		{"bad id", `{"message_id":"m1;drop","rating":"up"}`, 400, "message_id: only letters"},
		{"comment too long", `{"message_id":"m1","rating":"up","comment":"` + strings.Repeat("好", 1001) + `"}`, 400, "at most 1000"},
		{"malformed", `{"message_id":`, 400, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, ts.post(t, "/api/v1/feedback", tc.body), tc.status, tc.want)
		})
	}
}

func TestCORS(t *testing.T) {
	ts := startServer(t, web.Config{AllowedOrigins: []string{"https://www.gov.taipei"}})
	for _, tc := range []struct {
		name, origin string
		granted      bool
	}{
		{"allowed", "https://www.gov.taipei", true},
		{"other", "https://evil.example", false},
		{"allowed host, other scheme", "http://www.gov.taipei", false},
		{"same origin", ts.URL, true},
		{"no origin", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var header []string
			if tc.origin != "" {
				header = []string{"Origin", tc.origin}
			}
			resp := ts.post(t, "/api/v1/chat", parkingQuestion, header...)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: not refused, the browser decides", resp.StatusCode)
			}
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if tc.granted && got != tc.origin || !tc.granted && got != "" {
				t.Errorf("Access-Control-Allow-Origin %q", got)
			}
			if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary %q", resp.Header.Values("Vary"))
			}
		})
	}
	preflight := func(t *testing.T, ts *apiServer, path, origin string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), "OPTIONS", ts.URL+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	t.Run("preflight allowed", func(t *testing.T) {
		for _, path := range []string{"/api/v1/chat", "/api/v1/feedback"} {
			resp := preflight(t, ts, path, "https://www.gov.taipei")
			if resp.StatusCode != 204 {
				t.Errorf("%s: status %d", path, resp.StatusCode)
			}
			for k, v := range map[string]string{
				"Access-Control-Allow-Origin":  "https://www.gov.taipei",
				"Access-Control-Allow-Methods": "POST, OPTIONS",
				"Access-Control-Allow-Headers": "Content-Type, Accept",
				"Access-Control-Max-Age":       "600",
			} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %s %q, want %q", path, k, got, v)
				}
			}
		}
	})
	t.Run("preflight other origin", func(t *testing.T) {
		resp := preflight(t, ts, "/api/v1/chat", "https://evil.example")
		if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("granted: %v", resp.Header)
		}
	})
	t.Run("any origin", func(t *testing.T) {
		ts := startServer(t, web.Config{AllowedOrigins: []string{"*"}})
		resp := preflight(t, ts, "/api/v1/chat", "https://any.example.gov.tw")
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://any.example.gov.tw" {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
	})
	t.Run("bad origin in config", func(t *testing.T) {
		if _, err := web.New(web.Config{Engine: &stubEngine{}, Store: &stubStore{}, AllowedOrigins: []string{"www.gov.taipei/path"}}); err == nil {
			t.Error("no error")
		}
	})
}

func TestHealthz(t *testing.T) {
	ts := startServer(t, web.Config{})
	resp := ts.get(t, "/healthz")
	if body := readBody(t, resp.Body); resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("status %d %q", resp.StatusCode, body)
	}
}

func TestReadyz(t *testing.T) {
	store := &stubStore{}
	ts := startServer(t, web.Config{Store: store})
	resp := ts.get(t, "/readyz")
	if body := readBody(t, resp.Body); resp.StatusCode != 200 {
		t.Errorf("status %d %q", resp.StatusCode, body)
	}
	store.setReady(errors.New("pgstore: migrations pending: run `civicbot migrate`"))
	resp = ts.get(t, "/readyz")
	if body := readBody(t, resp.Body); resp.StatusCode != 503 || !strings.Contains(body, "migrations pending") {
		t.Errorf("status %d %q", resp.StatusCode, body)
	}
}

func TestServerAssets(t *testing.T) {
	ts := startServer(t, web.Config{})
	t.Run("widget", func(t *testing.T) {
		plainResp := ts.get(t, "/widget.js", "Accept-Encoding", "identity")
		plain := readBody(t, plainResp.Body)
		if plainResp.StatusCode != 200 || plain == "" {
			t.Fatalf("status %d, %d bytes", plainResp.StatusCode, len(plain))
		}
		for k, v := range map[string]string{
			"Content-Type":                 "application/javascript; charset=utf-8",
			"Cache-Control":                "public, max-age=300",
			"Cross-Origin-Resource-Policy": "cross-origin",
			"X-Content-Type-Options":       "nosniff",
		} {
			if got := plainResp.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		etag := plainResp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		resp := ts.get(t, "/widget.js", "If-None-Match", etag, "Accept-Encoding", "identity")
		if resp.StatusCode != 304 {
			t.Errorf("If-None-Match: status %d", resp.StatusCode)
		}

		resp = ts.get(t, "/widget.js", "Accept-Encoding", "gzip, deflate, br")
		body := readBody(t, resp.Body)
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body = readBody(t, zr)
			if resp.Header.Get("ETag") == etag {
				t.Error("the gzipped widget has the plain one's ETag")
			}
		} else if len(plain) > 1024 {
			t.Error("the widget is not gzipped for a client that accepts it")
		}
		if body != plain {
			t.Error("the gzipped widget differs from the plain one")
		}
	})
	t.Run("demo page", func(t *testing.T) {
		resp := ts.get(t, "/")
		readBody(t, resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("status %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		if resp.Header.Get("Referrer-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers %v", resp.Header)
		}
	})
	for _, path := range []string{"/nope", "/index.html", "/static/widget.js", "/api/v1/nope"} {
		if resp := ts.get(t, path); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	if resp := ts.get(t, "/api/v1/chat"); resp.StatusCode != 405 {
		t.Errorf("GET /api/v1/chat: status %d, want 405", resp.StatusCode)
	}
}

func TestServerMount(t *testing.T) {
	ts := startServer(t, web.Config{Mount: func(mux *http.ServeMux) {
		mux.HandleFunc("POST /line/webhook", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	}})
	if resp := ts.post(t, "/line/webhook", "{}"); resp.StatusCode != 202 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, web.Config{})
	readBody(t, ts.post(t, "/api/v1/chat", parkingQuestion, "Accept", "text/event-stream").Body)
	readBody(t, ts.post(t, "/api/v1/chat", `{"message":""}`).Body)
	readBody(t, ts.post(t, "/api/v1/feedback", `{"message_id":"m1","rating":"up"}`).Body)
	ts.get(t, "/nope")
	resp := ts.get(t, "/metrics")
	body := readBody(t, resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`civicbot_http_requests_total{code="200",route="POST /api/v1/chat"} 1`,
		`civicbot_http_requests_total{code="400",route="POST /api/v1/chat"} 1`,
		`civicbot_http_requests_total{code="204",route="POST /api/v1/feedback"} 1`,
		`civicbot_http_requests_total{code="404",route="unmatched"} 1`,
		`civicbot_http_request_duration_seconds_bucket{route="POST /api/v1/chat",le="+Inf"} 2`,
		`civicbot_answers_total{channel="web",mode="extractive"} 1`,
		`civicbot_answers_total{channel="web",mode="emergency"} 0`,
		`civicbot_chat_first_delta_seconds_count 1`,
		`civicbot_sse_streams_open 0`,
		`civicbot_feedback_total{rating="up"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in\n%s", want, body)
		}
	}
}
