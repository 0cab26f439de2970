package llmtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/tmc/langchaingo/llms/openai"
)

// post sends body to the fake and decodes its JSON answer.
func post(t *testing.T, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", url, err)
	}
	return resp.StatusCode, v
}

func TestErrors(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{})
	chat := srv.URL + "/chat/completions"
	tests := []struct {
		name, url, auth, body string
		status                int
	}{
		{"no key", chat, "", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, http.StatusUnauthorized},
		{"empty bearer", chat, "Bearer ", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, http.StatusUnauthorized},
		{"bad json", chat, "Bearer k", `{"model":`, http.StatusBadRequest},
		{"no messages", chat, "Bearer k", `{"model":"m","messages":[]}`, http.StatusBadRequest},
		{"no model", chat, "Bearer k", `{"messages":[{"role":"user","content":"hi"}]}`, http.StatusBadRequest},
		{"bad content", chat, "Bearer k", `{"model":"m","messages":[{"role":"user","content":7}]}`, http.StatusBadRequest},
		{"embeddings without input", srv.URL + "/embeddings", "Bearer k", `{"model":"m"}`, http.StatusBadRequest},
		{"unknown route", srv.URL + "/completions", "Bearer k", `{}`, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v := post(t, tt.url, tt.auth, tt.body)
			e, _ := v["error"].(map[string]any)
			if status != tt.status || e == nil || e["message"] == "" || e["type"] == nil {
				t.Errorf("%d %v, want %d with an OpenAI error", status, v, tt.status)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests recorded, want none of the refused ones", n)
	}
}

func TestContentParts(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(req llmtest.ChatRequest) string { return req.Messages[0].Content }})
	status, v := post(t, srv.URL+"/chat/completions", "Bearer k",
		`{"model":"m","max_tokens":9,"messages":[{"role":"user","content":[{"type":"text","text":"第一段"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"第二段"}]}]}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, v)
	}
	msg := v["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if msg["content"] != "第一段\n第二段" || msg["role"] != "assistant" || v["object"] != "chat.completion" {
		t.Errorf("answer %v", v)
	}
	if r := srv.Requests()[0]; r.MaxTokens != 9 || r.Temperature != nil || r.Stream {
		t.Errorf("request %+v", r)
	}
}

func TestStreamWire(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string { return "藥師說好" }, ChunkRunes: 3})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	b, _ := io.ReadAll(resp.Body)
	events := strings.Split(strings.TrimSuffix(string(b), "\n\n"), "\n\n")
	if len(events) != 6 || events[5] != "data: [DONE]" {
		t.Fatalf("events %q, want role, two contents, stop, usage, [DONE]", events)
	}
	var contents []string
	for i, e := range events[:5] {
		var c struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta        map[string]string `json:"delta"`
				FinishReason *string           `json:"finish_reason"`
			} `json:"choices"`
			Usage *struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(e, "data: ")), &c); err != nil || c.Object != "chat.completion.chunk" {
			t.Fatalf("event %d %q: %v", i, e, err)
		}
		switch {
		case i == 0 && (c.Choices[0].Delta["role"] != "assistant" || c.Choices[0].FinishReason != nil):
			t.Errorf("first event %q", e)
		case i == 3 && (len(c.Choices[0].Delta) != 0 || c.Choices[0].FinishReason == nil || *c.Choices[0].FinishReason != "stop"):
			t.Errorf("stop event %q", e)
		case i == 4 && (len(c.Choices) != 0 || c.Usage == nil || c.Usage.TotalTokens != 6):
			t.Errorf("usage event %q", e)
		case i == 1 || i == 2:
			contents = append(contents, c.Choices[0].Delta["content"])
		}
	}
	if !slices.Equal(contents, []string{"藥師說", "好"}) {
		t.Errorf("contents %q", contents)
	}
	if r := srv.Requests()[0]; !r.Stream || !r.HasStreamOptions || !r.IncludeUsage {
		t.Errorf("request %+v", r)
	}
}

func TestEmbeddings(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{EmbeddingDim: 5})
	e, err := openai.New(openai.WithBaseURL(srv.URL), openai.WithToken("k"), openai.WithEmbeddingModel("bge-m3"))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"普拿疼", "ibuprofen", "普拿疼"}
	vs, err := e.CreateEmbedding(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(vs[0]) != 5 || !slices.Equal(vs[0], vs[2]) || slices.Equal(vs[0], vs[1]) {
		t.Errorf("vectors %v: want 3 of 5 dimensions, equal for equal texts only", vs)
	}
	if !slices.Equal(vs[1], llmtest.Vector("ibuprofen", 5)) {
		t.Errorf("vector %v, want llmtest.Vector's", vs[1])
	}

	// A single string, and a requested number of dimensions.
	status, v := post(t, srv.URL+"/embeddings", "Bearer k", `{"model":"m","input":"one","dimensions":3}`)
	data, _ := v["data"].([]any)
	if status != http.StatusOK || len(data) != 1 || len(data[0].(map[string]any)["embedding"].([]any)) != 3 {
		t.Errorf("%d %v", status, v)
	}
}
