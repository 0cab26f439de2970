package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot/llm"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/tmc/langchaingo/llms"
)

// messages is a system and a human message, as the bot sends them.
func messages(system, human string) []llms.MessageContent {
	return []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, system),
		llms.TextParts(llms.ChatMessageTypeHuman, human),
	}
}

func newModel(t *testing.T, cfg llm.Config) llms.Model {
	t.Helper()
	m, err := llm.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() {
		if c, ok := m.(io.Closer); ok {
			c.Close()
		}
	})
	return m
}

func openAI(t *testing.T, srv *llmtest.Server) llms.Model {
	t.Helper()
	return newModel(t, llm.Config{Provider: "openai", Model: "qwen2.5-7b-instruct", BaseURL: srv.URL})
}

// generate asks m with a system and a human message, streaming if chunks is not nil.
func generate(ctx context.Context, m llms.Model, chunks *[]string) (string, error) {
	var opts []llms.CallOption
	if chunks != nil {
		opts = append(opts, llms.WithStreamingFunc(func(_ context.Context, c []byte) error {
			*chunks = append(*chunks, string(c))
			return nil
		}))
	}
	resp, err := m.GenerateContent(ctx, messages("你是藥師。", "普拿疼一天可以吃幾顆？"), opts...)
	if err != nil {
		return "", err
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("no choices")
	}
	return resp.Choices[0].Content, nil
}

func TestOpenAIGenerate(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(req llmtest.ChatRequest) string {
		return "回覆：" + req.Messages[len(req.Messages)-1].Content
	}})
	m := openAI(t, srv)
	got, err := generate(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "回覆：普拿疼一天可以吃幾顆？"; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	want := []llmtest.Message{{Role: "system", Content: "你是藥師。"}, {Role: "user", Content: "普拿疼一天可以吃幾顆？"}}
	if r.Model != "qwen2.5-7b-instruct" || r.Stream || r.HasStreamOptions || fmt.Sprint(r.Messages) != fmt.Sprint(want) {
		t.Errorf("request %+v, want model qwen2.5-7b-instruct, no streaming, messages %v", r, want)
	}

	// The deprecated half of llms.Model goes the same way.
	if got, err := llms.GenerateFromSinglePrompt(context.Background(), m, "hi", llms.WithTemperature(0.2), llms.WithMaxTokens(50)); err != nil || got != "回覆：hi" {
		t.Errorf("GenerateFromSinglePrompt = %q, %v", got, err)
	}
	r = srv.Requests()[1]
	if r.Temperature == nil || *r.Temperature != 0.2 || r.MaxTokens != 50 {
		t.Errorf("request %+v, want temperature 0.2 and 50 tokens", r)
	}
}

func TestOpenAIStream(t *testing.T) {
	reply := "Take one or two 500 mg tablets every four to six hours."
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return reply }, ChunkRunes: 5})
	m := openAI(t, srv)
	var chunks []string
	got, err := generate(context.Background(), m, &chunks)
	if err != nil {
		t.Fatal(err)
	}
	if got != reply || strings.Join(chunks, "") != reply {
		t.Errorf("reply %q, chunks %q: want both to make %q", got, chunks, reply)
	}
	var nonEmpty int
	for _, c := range chunks {
		if c != "" {
			nonEmpty++
		}
	}
	if want := (len(reply) + 4) / 5; nonEmpty != want {
		t.Errorf("%d non-empty chunks, want %d", nonEmpty, want)
	}
	if r := srv.Requests()[0]; !r.Stream || !r.HasStreamOptions || !r.IncludeUsage {
		t.Errorf("request %+v, want a stream with stream_options.include_usage", r)
	}
}

func TestOpenAIStreamMultibyte(t *testing.T) {
	reply := "每次1至2錠，每4至6小時一次，一天不超過8錠。🙂 如有疑問請洽藥師。"
	srv := llmtest.NewServer(t, llmtest.Options{
		Reply:      func(llmtest.ChatRequest) string { return reply },
		ChunkRunes: 3,
		ChunkDelay: time.Millisecond,
	})
	var chunks []string
	got, err := generate(context.Background(), openAI(t, srv), &chunks)
	if err != nil {
		t.Fatal(err)
	}
	if got != reply || strings.Join(chunks, "") != reply {
		t.Errorf("reply %q, chunks %q: want both to make %q", got, chunks, reply)
	}
}

func TestOpenAIRejectStreamOptions(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{RejectStreamOptions: true})
	m := openAI(t, srv)
	for i := range 3 {
		var chunks []string
		got, err := generate(context.Background(), m, &chunks)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if got != llmtest.DefaultReply || strings.Join(chunks, "") != llmtest.DefaultReply {
			t.Errorf("answer %d: %q, chunks %q", i, got, chunks)
		}
	}
	// Without streaming there is nothing to strip.
	if _, err := generate(context.Background(), m, nil); err != nil {
		t.Fatal(err)
	}

	reqs := srv.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5: one refused, its retry, two more streams and one plain", len(reqs))
	}
	if !reqs[0].HasStreamOptions {
		t.Error("the first request had no stream_options: langchaingo no longer sends it?")
	}
	for i, r := range reqs[1:] {
		if r.HasStreamOptions {
			t.Errorf("request %d still sent stream_options", i+1)
		}
		if i < 3 && !r.Stream {
			t.Errorf("request %d is not streamed", i+1)
		}
		if fmt.Sprint(r.Messages) != fmt.Sprint(reqs[0].Messages) || r.Model != reqs[0].Model {
			t.Errorf("request %d = %+v, want the messages and model of the first", i+1, r)
		}
	}
}

func TestOpenAINoStreamUsage(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{RejectStreamOptions: true})
	m := newModel(t, llm.Config{Provider: "openai", Model: "m", BaseURL: srv.URL, NoStreamUsage: true})
	var chunks []string
	if got, err := generate(context.Background(), m, &chunks); err != nil || got != llmtest.DefaultReply {
		t.Fatalf("generate = %q, %v", got, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].HasStreamOptions || !reqs[0].Stream {
		t.Errorf("requests %+v, want one stream without stream_options", reqs)
	}
}

// A refusal about something else is handed back whole, and not retried.
func TestOpenAIOtherBadRequest(t *testing.T) {
	var calls int
	var mu sync.Mutex
	body := `{"error":{"message":"This model's maximum context length is 8192 tokens` + strings.Repeat(".", 70<<10) + `","type":"invalid_request_error","param":"messages","code":null}}`
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, body)
	}))
	t.Cleanup(fake.Close)
	m := newModel(t, llm.Config{Provider: "openai", BaseURL: fake.URL + "/v1"})
	var chunks []string
	_, err := generate(context.Background(), m, &chunks)
	if err == nil || !strings.Contains(err.Error(), "maximum context length") || !strings.Contains(err.Error(), "400") {
		t.Errorf("err = %.200v, want the server's 400 message", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
}

func TestOpenAIStatus(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Options{Status: status})
			m := openAI(t, srv)
			for _, stream := range []bool{false, true} {
				var chunks *[]string
				if stream {
					chunks = new([]string)
				}
				_, err := generate(context.Background(), m, chunks)
				if err == nil || !strings.Contains(err.Error(), fmt.Sprint(status)) || !strings.HasPrefix(err.Error(), "llm: openai: ") {
					t.Errorf("stream=%v: err = %v, want an llm: openai: error with the status", stream, err)
				}
			}
		})
	}
}

func TestOpenAIHang(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Hang: true})
	m := openAI(t, srv)
	for _, stream := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		var chunks *[]string
		if stream {
			chunks = new([]string)
		}
		_, err := generate(ctx, m, chunks)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stream=%v: err = %v, want one that is context.DeadlineExceeded", stream, err)
		}
	}
}

// Config.Timeout bounds a request even when the caller's context does not.
func TestTimeout(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Hang: true})
	m := newModel(t, llm.Config{Provider: "openai", BaseURL: srv.URL, Timeout: 100 * time.Millisecond})
	if _, err := generate(context.Background(), m, nil); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("err = %v, want a timeout", err)
	}
}

func TestOpenAIKey(t *testing.T) {
	auth := make(chan string, 2)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth <- r.Header.Get("Authorization")
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(fake.Close)
	for key, want := range map[string]string{"sk-test": "Bearer sk-test", "": "Bearer none"} {
		m := newModel(t, llm.Config{Provider: "openai", BaseURL: fake.URL, APIKey: key})
		if _, err := generate(context.Background(), m, nil); err == nil {
			t.Error("no error from a 401")
		}
		if got := <-auth; got != want {
			t.Errorf("key %q: Authorization %q, want %q", key, got, want)
		}
	}
}

// fakeOllama speaks Ollama's POST /api/chat: newline-delimited JSON, streamed
// whether or not the client asked, as Ollama does when "stream" is absent.
func fakeOllama(t *testing.T, reply string) (url string, requests func() []map[string]any) {
	t.Helper()
	var (
		mu   sync.Mutex
		reqs []map[string]any
	)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/chat" {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		now := time.Now().UTC().Format(time.RFC3339Nano)
		runes := []rune(reply)
		for i := 0; i < len(runes); i += 3 {
			part := string(runes[i:min(i+3, len(runes))])
			enc.Encode(map[string]any{"model": req["model"], "created_at": now, "message": map[string]string{"role": "assistant", "content": part}, "done": false})
			w.(http.Flusher).Flush()
		}
		enc.Encode(map[string]any{"model": req["model"], "created_at": now, "message": map[string]string{"role": "assistant", "content": ""},
			"done": true, "done_reason": "stop", "prompt_eval_count": 12, "eval_count": len(runes)})
	}))
	t.Cleanup(fake.Close)
	return fake.URL, func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), reqs...)
	}
}

func TestOllama(t *testing.T) {
	reply := "每次1至2錠，間隔4小時以上。"
	url, requests := fakeOllama(t, reply)
	m := newModel(t, llm.Config{Provider: "ollama", Model: "qwen2.5:7b", BaseURL: url})
	got, err := generate(context.Background(), m, nil)
	if err != nil || got != reply {
		t.Fatalf("generate = %q, %v; want %q", got, err, reply)
	}
	var chunks []string
	got, err = generate(context.Background(), m, &chunks)
	if err != nil || got != reply || strings.Join(chunks, "") != reply {
		t.Fatalf("streamed generate = %q (chunks %q), %v; want %q", got, chunks, err, reply)
	}
	reqs := requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	msgs, _ := json.Marshal(reqs[0]["messages"])
	if reqs[0]["model"] != "qwen2.5:7b" || string(msgs) != `[{"content":"你是藥師。","role":"system"},{"content":"普拿疼一天可以吃幾顆？","role":"user"}]` {
		t.Errorf("request %v", reqs[0])
	}
	if reqs[1]["stream"] != true {
		t.Errorf("second request %v, want stream true", reqs[1])
	}
}

func TestAnthropic(t *testing.T) {
	var (
		mu  sync.Mutex
		got map[string]any
		key string
	)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
			http.Error(w, `{"type":"error","error":{"type":"not_found_error","message":"not found"}}`, http.StatusNotFound)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		key = r.Header.Get("x-api-key")
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"msg_01","type":"message","role":"assistant","model":"claude-test",`+
			`"content":[{"type":"text","text":"請依仿單服用。"}],"stop_reason":"end_turn","stop_sequence":null,`+
			`"usage":{"input_tokens":20,"output_tokens":8}}`)
	}))
	t.Cleanup(fake.Close)
	m := newModel(t, llm.Config{Provider: "anthropic", Model: "claude-test", APIKey: "sk-ant-test", BaseURL: fake.URL + "/v1"})
	reply, err := generate(context.Background(), m, nil)
	if err != nil || reply != "請依仿單服用。" {
		t.Fatalf("generate = %q, %v", reply, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if key != "sk-ant-test" || got["model"] != "claude-test" || got["system"] != "你是藥師。" {
		t.Errorf("x-api-key %q, request %v", key, got)
	}
}

// TestGoogleAI checks that the key, which Google's transport drops when given an
// HTTP client, still goes out, against a fake of the Gemini REST API.
func TestGoogleAI(t *testing.T) {
	var (
		mu     sync.Mutex
		paths  []string
		keys   []string
		bodies []string
	)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		keys = append(keys, r.Header.Get("x-goog-api-key")+r.URL.Query().Get("key"))
		bodies = append(bodies, string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		const part = `{"candidates":[{"content":{"parts":[{"text":%q}],"role":"model"},%s"index":0}]}`
		if strings.HasSuffix(r.URL.Path, ":streamGenerateContent") {
			// A JSON array, sent an element at a time, as Google's REST streams are.
			fmt.Fprintf(w, "["+part+",\r\n", "請詢問", "")
			w.(http.Flusher).Flush()
			fmt.Fprintf(w, part+"]", "藥師。", `"finishReason":1,`)
			return
		}
		fmt.Fprintf(w, part, "請詢問藥師。", `"finishReason":1,`)
	}))
	t.Cleanup(fake.Close)

	m := newModel(t, llm.Config{Provider: "googleai", Model: "gemini-test", APIKey: "g-key", BaseURL: fake.URL})
	reply, err := llms.GenerateFromSinglePrompt(context.Background(), m, "普拿疼？")
	if err != nil || reply != "請詢問藥師。" {
		t.Fatalf("single prompt = %q, %v", reply, err)
	}
	var chunks []string
	reply, err = generate(context.Background(), m, &chunks)
	if err != nil || reply != "請詢問藥師。" || strings.Join(chunks, "") != reply {
		t.Fatalf("system and human, streamed = %q (chunks %q), %v", reply, chunks, err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"POST /v1beta/models/gemini-test:generateContent", "POST /v1beta/models/gemini-test:streamGenerateContent"}
	if fmt.Sprint(paths) != fmt.Sprint(want) || fmt.Sprint(keys) != "[g-key g-key]" {
		t.Errorf("requests %v with keys %v, want %v with the key", paths, keys, want)
	}
	if len(bodies) == 2 && (!strings.Contains(bodies[1], "systemInstruction") || !strings.Contains(bodies[1], "你是藥師。")) {
		t.Errorf("request %s, want the system message as systemInstruction", bodies[1])
	}
}

// New makes no request, and does not even start genai's gRPC channel (which
// would look up Google's address), until the model is first used.
func TestGoogleAIDefault(t *testing.T) {
	noNet := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("request to %s", r.URL)
		return nil, errors.New("no network in tests")
	})}
	newModel(t, llm.Config{Provider: "googleai", APIKey: "g-key", HTTPClient: noNet})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNone(t *testing.T) {
	for _, p := range []string{"", "none", " None "} {
		m, err := llm.New(context.Background(), llm.Config{Provider: p, Model: "x"})
		if !errors.Is(err, llm.ErrNone) || m != nil {
			t.Errorf("%q: %v, %v; want nil, ErrNone", p, m, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  llm.Config
		want string
	}{
		{"unknown provider", llm.Config{Provider: "gpt"}, "none, openai, ollama, googleai, anthropic"},
		{"ollama without model", llm.Config{Provider: "ollama"}, "LLM_MODEL"},
		{"anthropic without model", llm.Config{Provider: "anthropic", APIKey: "k"}, "LLM_MODEL"},
		{"anthropic without key", llm.Config{Provider: "anthropic", Model: "m"}, "LLM_API_KEY"},
		{"googleai without key", llm.Config{Provider: "googleai", Model: "m"}, "LLM_API_KEY"},
		{"openai.com without key", llm.Config{Provider: "openai"}, "LLM_API_KEY"},
		{"bad base url", llm.Config{Provider: "ollama", Model: "m", BaseURL: "127.0.0.1:11434"}, "LLM_BASE_URL"},
		{"negative timeout", llm.Config{Provider: "openai", APIKey: "k", Timeout: -time.Second}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := llm.New(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, llm.ErrNone) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if m != nil {
				t.Error("a model returned with an error")
			}
		})
	}
}

func TestProviders(t *testing.T) {
	for _, p := range llm.Providers() {
		if p == "none" {
			continue
		}
		newModel(t, llm.Config{Provider: p, Model: "m", APIKey: "k", BaseURL: "http://127.0.0.1:1"})
	}
}

// A stream that stops without a finish reason or [DONE] is not taken as the answer.
func TestOpenAIStreamCutOff(t *testing.T) {
	reply := "Take one or two 500 mg tablets every four to six hours."
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return reply }, ChunkRunes: 5, CutAfter: 3})
	m := openAI(t, srv)
	var chunks []string
	got, err := generate(context.Background(), m, &chunks)
	if !errors.Is(err, llm.ErrIncomplete) {
		t.Fatalf("generate = %q, %v; want ErrIncomplete", got, err)
	}
	if s := strings.Join(chunks, ""); s != reply[:15] {
		t.Errorf("streamed %q, want the three chunks sent", s)
	}
}
