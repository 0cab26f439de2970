// Package llmtest is a fake OpenAI-compatible server that speaks the real wire format, for tests.
package llmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultReply is the assistant's reply when Options.Reply is nil.
const DefaultReply = "This is the fake model's answer."

// Options shape the fake's answers.
type Options struct {
	// Reply computes the assistant's reply from the request; nil means DefaultReply.
	Reply func(req ChatRequest) string
	// ChunkRunes is the number of runes in each streamed content chunk; 0 means 4.
	ChunkRunes int
	// ChunkDelay is the pause between streamed chunks.
	ChunkDelay time.Duration
	// CutAfter, if positive, ends a streamed answer after that many content chunks,
	// without a finish reason or [DONE]: a stream cut off (a proxy's timeout, a
	// crashed worker) that still closes cleanly.
	CutAfter int
	// Hang makes the server take chat requests and never answer, until the client
	// goes away or the test ends: for timeouts.
	Hang bool
	// RejectStreamOptions makes the server refuse, with 400 as vLLM-style servers
	// do, any chat request whose body has a "stream_options" field.
	RejectStreamOptions bool
	// Status, if non-zero, is the HTTP status of every chat answer, with an
	// OpenAI error body.
	Status int
	// EmbeddingDim is the number of dimensions of /v1/embeddings vectors when the
	// request does not ask for a number; 0 means 8.
	EmbeddingDim int
}

// ChatRequest is a chat completion request as the server understood it.
type ChatRequest struct {
	Model            string
	Messages         []Message
	Stream           bool
	HasStreamOptions bool // the body had a "stream_options" field
	IncludeUsage     bool // stream_options.include_usage was true
	Temperature      *float64
	MaxTokens        int // max_completion_tokens, or else max_tokens
}

// Message is one chat message, its content flattened to text whether it came as
// a string or as an array of {"type":"text","text":...} parts (joined by "\n").
type Message struct {
	Role, Content string
}

// Server is a running fake.
type Server struct {
	// URL is the API root to configure clients with, ending in /v1.
	URL string

	opts Options
	srv  *httptest.Server
	done chan struct{} // closed when the test ends, to release hanging handlers

	mu        sync.Mutex
	requests  []ChatRequest
	seq       int
	cancelled int
}

// NewServer starts a fake that is closed when the test ends.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.ChunkRunes <= 0 {
		opts.ChunkRunes = 4
	}
	if opts.EmbeddingDim <= 0 {
		opts.EmbeddingDim = 8
	}
	s := &Server{opts: opts, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("POST /v1/embeddings", s.handleEmbeddings)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", fmt.Sprintf("Unknown request URL: %s %s.", r.Method, r.URL.Path))
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/v1"
	tb.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// Cancelled returns how many chat requests the client gave up on (its context
// cancelled, its connection closed) before the fake had answered them.
func (s *Server) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

func (s *Server) clientGone(r *http.Request) {
	if r.Context().Err() == nil {
		return
	}
	s.mu.Lock()
	s.cancelled++
	s.mu.Unlock()
}

// Requests returns every chat request received, in order, including refused ones.
func (s *Server) Requests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.requests...)
}

// wireChatRequest is the part of OpenAI's chat request the fake reads.
type wireChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream              bool            `json:"stream"`
	StreamOptions       json.RawMessage `json:"stream_options"`
	Temperature         *float64        `json:"temperature"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	if !authorized(w, r) {
		return
	}
	var wire wireChatRequest
	if err := json.NewDecoder(r.Body).Decode(&wire); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return
	}
	// Read the body to its end: only then does net/http watch the connection and
	// cancel the request's context when the client goes away (see Cancelled).
	_, _ = io.Copy(io.Discard, r.Body)
	req, bad := wire.parse()
	if bad != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", bad.param, bad.msg)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.seq++
	id := fmt.Sprintf("chatcmpl-%d", s.seq)
	s.mu.Unlock()

	switch {
	case s.opts.Hang:
		select {
		case <-r.Context().Done():
			s.clientGone(r)
		case <-s.done:
		}
		return
	case s.opts.RejectStreamOptions && req.HasStreamOptions:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "stream_options",
			"Unrecognized request argument supplied: stream_options")
		return
	case s.opts.Status != 0:
		writeError(w, s.opts.Status, "server_error", "", fmt.Sprintf("The fake server answers %d.", s.opts.Status))
		return
	}

	reply := DefaultReply
	if s.opts.Reply != nil {
		reply = s.opts.Reply(req)
	}
	u := usage{CompletionTokens: len([]rune(reply))}
	for _, m := range req.Messages {
		u.PromptTokens += len([]rune(m.Content))
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	created := time.Now().Unix()

	if !req.Stream {
		writeJSON(w, http.StatusOK, map[string]any{
			"id":      id,
			"object":  "chat.completion",
			"created": created,
			"model":   req.Model,
			"choices": []map[string]any{{
				"index":         0,
				"message":       map[string]any{"role": "assistant", "content": reply},
				"logprobs":      nil,
				"finish_reason": "stop",
			}},
			"usage":              u,
			"system_fingerprint": "fp_llmtest",
		})
		return
	}
	s.stream(w, r, req, id, created, reply, u)
}

// stream answers in OpenAI's server-sent events: a chunk with the role, the
// content in chunks, a chunk with the finish reason, the usage if asked for,
// and [DONE].
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req ChatRequest, id string, created int64, reply string, u usage) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(data any) bool {
		b, err := json.Marshal(data)
		if err != nil {
			panic(err) // the fake's own values always marshal
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		c := map[string]any{
			"id":                 id,
			"object":             "chat.completion.chunk",
			"created":            created,
			"model":              req.Model,
			"system_fingerprint": "fp_llmtest",
			"choices":            []map[string]any{{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		}
		if req.IncludeUsage {
			c["usage"] = nil
		}
		return c
	}
	wait := func() bool {
		if s.opts.ChunkDelay <= 0 {
			return true
		}
		t := time.NewTimer(s.opts.ChunkDelay)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
			s.clientGone(r)
		case <-s.done:
		}
		return false
	}

	if !send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
		return
	}
	for i, part := range split(reply, s.opts.ChunkRunes) {
		if s.opts.CutAfter > 0 && i == s.opts.CutAfter {
			return
		}
		if !wait() || !send(chunk(map[string]any{"content": part}, nil)) {
			return
		}
	}
	if !send(chunk(map[string]any{}, "stop")) {
		return
	}
	if req.IncludeUsage {
		if !send(map[string]any{
			"id":                 id,
			"object":             "chat.completion.chunk",
			"created":            created,
			"model":              req.Model,
			"system_fingerprint": "fp_llmtest",
			"choices":            []any{},
			"usage":              u,
		}) {
			return
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// invalid is a request the real API would refuse with 400.
type invalid struct{ param, msg string }

func (wire wireChatRequest) parse() (ChatRequest, *invalid) {
	req := ChatRequest{
		Model:       wire.Model,
		Stream:      wire.Stream,
		Temperature: wire.Temperature,
		MaxTokens:   wire.MaxCompletionTokens,
	}
	if req.MaxTokens == 0 {
		req.MaxTokens = wire.MaxTokens
	}
	if len(wire.StreamOptions) > 0 && string(wire.StreamOptions) != "null" {
		req.HasStreamOptions = true
		var so struct {
			IncludeUsage bool `json:"include_usage"`
		}
		if err := json.Unmarshal(wire.StreamOptions, &so); err != nil {
			return ChatRequest{}, &invalid{"stream_options", "Invalid type for 'stream_options': " + err.Error()}
		}
		req.IncludeUsage = so.IncludeUsage
	}
	if wire.Model == "" {
		return ChatRequest{}, &invalid{"model", "Missing required parameter: 'model'."}
	}
	if len(wire.Messages) == 0 {
		return ChatRequest{}, &invalid{"messages", "Missing required parameter: 'messages'."}
	}
	for i, m := range wire.Messages {
		text, err := flatten(m.Content)
		if err != nil {
			return ChatRequest{}, &invalid{fmt.Sprintf("messages[%d].content", i), fmt.Sprintf("Invalid content in messages[%d]: %v", i, err)}
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: text})
	}
	return req, nil
}

// flatten returns a message's content as text: a string as it is, the text
// parts of an array joined by newlines, null as "".
func flatten(content json.RawMessage) (string, error) {
	if len(content) == 0 || string(content) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(content, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(content, &parts); err != nil {
		return "", errors.New("want a string or an array of parts")
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}

// split cuts s into pieces of n runes, never inside a rune.
func split(s string, n int) []string {
	var out []string
	runes := []rune(s)
	for len(runes) > 0 {
		k := min(n, len(runes))
		out = append(out, string(runes[:k]))
		runes = runes[k:]
	}
	return out
}

func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	if !authorized(w, r) {
		return
	}
	var req struct {
		Model      string          `json:"model"`
		Input      json.RawMessage `json:"input"`
		Dimensions int             `json:"dimensions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return
	}
	var texts []string
	if err := json.Unmarshal(req.Input, &texts); err != nil {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "input", "'input' must be a string or an array of strings.")
			return
		}
		texts = []string{one}
	}
	if req.Model == "" || len(texts) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "input", "'model' and 'input' are required.")
		return
	}
	dim := s.opts.EmbeddingDim
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	data := make([]map[string]any, len(texts))
	tokens := 0
	for i, t := range texts {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Vector(t, dim)}
		tokens += len([]rune(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// Vector is the fake's embedding of text: dim numbers in [-1, 1] drawn from a
// hash of the text, never all zero. The same text always gets the same vector.
func Vector(text string, dim int) []float32 {
	v := make([]float32, dim)
	zero := true
	for i := range v {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s", i, text)
		v[i] = float32(int64(h.Sum64()%2001)-1000) / 1000
		zero = zero && v[i] == 0
	}
	if zero && dim > 0 {
		v[0] = 1
	}
	return v
}

// authorized answers 401 as OpenAI does when the request has no bearer token.
func authorized(w http.ResponseWriter, r *http.Request) bool {
	if strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer")) != "" {
		return true
	}
	writeError(w, http.StatusUnauthorized, "invalid_request_error", "",
		"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
	return false
}

func writeError(w http.ResponseWriter, status int, typ, param, msg string) {
	var p any
	if param != "" {
		p = param
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg,
		"type":    typ,
		"param":   p,
		"code":    nil,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The client may be gone; there is nobody to tell.
	_ = json.NewEncoder(w).Encode(v)
}
