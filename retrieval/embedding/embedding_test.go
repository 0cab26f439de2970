package embedding

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeOpenAI is an OpenAI-compatible server speaking the wire format of
// POST /v1/embeddings. Each text's vector encodes the text's length and its
// position in the whole test, so a test can tell which text a vector belongs to.
type fakeOpenAI struct {
	dim    int
	status int // if non-zero, every request fails with this status

	mu       sync.Mutex
	models   []string
	inputs   [][]string // per request
	auth     []string
	dimsSent []int
}

type embeddingRequest struct {
	Input      []string `json:"input"`
	Model      string   `json:"model"`
	Dimensions int      `json:"dimensions"`
}

type embeddingResponse struct {
	Object string `json:"object"`
	Data   []struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
	Model string `json:"model"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

// vectorFor is the fake's embedding of text: element 0 is the text's length in
// bytes, element 1 a checksum of its bytes, the rest 1.
func vectorFor(text string, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = 1
	}
	v[0] = float32(len(text))
	var sum int
	for _, b := range []byte(text) {
		sum = (sum*31 + int(b)) % 100003
	}
	v[1] = float32(sum)
	return v
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var req embeddingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.models = append(f.models, req.Model)
	f.inputs = append(f.inputs, req.Input)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.dimsSent = append(f.dimsSent, req.Dimensions)
	status := f.status
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch status {
	case 0:
	case http.StatusUnauthorized:
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	default:
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":{"message":"The server had an error while processing your request","type":"server_error"}}`)
		return
	}
	resp := embeddingResponse{Object: "list", Model: req.Model}
	for i, text := range req.Input {
		resp.Data = append(resp.Data, struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}{"embedding", i, vectorFor(text, f.dim)})
		resp.Usage.PromptTokens += len(text)
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens
	json.NewEncoder(w).Encode(resp)
}

func (f *fakeOpenAI) setStatus(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

func newFake(tb testing.TB, f *fakeOpenAI) string {
	tb.Helper()
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func TestHash(t *testing.T) {
	for _, provider := range []string{"", "hash", "HASH"} {
		e, info, err := New(context.Background(), Config{Provider: provider, Dim: 128})
		if err != nil {
			t.Fatalf("%q: %v", provider, err)
		}
		if info != (Info{Name: "hash-v1-128", Dim: 128}) {
			t.Errorf("%q: info = %+v", provider, info)
		}
		v, err := e.EmbedQuery(context.Background(), "普拿疼")
		if err != nil || len(v) != 128 {
			t.Errorf("%q: EmbedQuery: %d dimensions, %v", provider, len(v), err)
		}
	}
	if _, info, _ := New(context.Background(), Config{}); info.Dim != 256 {
		t.Errorf("default hash dimension %d, want 256", info.Dim)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"unknown provider", Config{Provider: "word2vec"}, "hash, openai, ollama"},
		{"model missing", Config{Provider: "openai", BaseURL: "http://127.0.0.1:1/v1"}, "model is required"},
		{"bad base url", Config{Provider: "ollama", Model: "m", BaseURL: "127.0.0.1:11434"}, "not an http(s) URL"},
		{"openai without key or base url", Config{Provider: "openai", Model: "m"}, "API key is required"},
		{"hash too large", Config{Provider: "hash", Dim: 20000}, "more than"},
		{"unreachable", Config{Provider: "openai", Model: "m", BaseURL: "http://127.0.0.1:1/v1"}, "probe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, err := New(context.Background(), tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if e != nil {
				t.Error("an embedder returned with an error")
			}
		})
	}
}

func TestOpenAI(t *testing.T) {
	fake := &fakeOpenAI{dim: 8}
	url := newFake(t, fake)
	ctx := context.Background()
	e, info, err := New(ctx, Config{Provider: "openai", Model: "bge-m3", BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	if info != (Info{Name: "openai:bge-m3", Dim: 8}) {
		t.Errorf("info = %+v, want openai:bge-m3 with the probed 8 dimensions", info)
	}

	texts := make([]string, 2*BatchSize+5)
	for i := range texts {
		texts[i] = fmt.Sprintf("第%d筆\n普拿疼 %s", i, strings.Repeat("x", i))
	}
	orig := slices.Clone(texts)
	vs, err := e.EmbedDocuments(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(texts) {
		t.Fatalf("got %d vectors for %d texts", len(vs), len(texts))
	}
	for i, v := range vs {
		if !slices.Equal(v, vectorFor(texts[i], 8)) {
			t.Fatalf("vector %d is not the vector of text %d", i, i)
		}
	}
	if !slices.Equal(texts, orig) {
		t.Error("EmbedDocuments changed the caller's texts")
	}

	q, err := e.EmbedQuery(ctx, "愛心卡")
	if err != nil || !slices.Equal(q, vectorFor("愛心卡", 8)) {
		t.Errorf("EmbedQuery = %v, %v", q, err)
	}

	fake.mu.Lock()
	defer fake.mu.Unlock()
	// The probe, three batches, the query.
	if len(fake.inputs) != 5 {
		t.Fatalf("server got %d requests, want 5", len(fake.inputs))
	}
	var got []string
	for i, in := range fake.inputs[1:4] {
		if len(in) > BatchSize {
			t.Errorf("request %d had %d inputs, more than the batch size %d", i+1, len(in), BatchSize)
		}
		got = append(got, in...)
	}
	if !slices.Equal(got, texts) {
		t.Error("the server did not receive the texts in order")
	}
	if fake.inputs[4][0] != "愛心卡" {
		t.Errorf("query input = %q", fake.inputs[4])
	}
	for i, m := range fake.models {
		if m != "bge-m3" {
			t.Errorf("request %d: model %q, want bge-m3", i, m)
		}
		if fake.auth[i] != "Bearer "+placeholderKey {
			t.Errorf("request %d: Authorization %q, want the placeholder key", i, fake.auth[i])
		}
		if fake.dimsSent[i] != 0 {
			t.Errorf("request %d: asked for %d dimensions; none were configured", i, fake.dimsSent[i])
		}
	}
}

func TestOpenAIKeyAndDimensions(t *testing.T) {
	fake := &fakeOpenAI{dim: 16}
	url := newFake(t, fake)
	_, info, err := New(context.Background(), Config{Provider: "openai", Model: "text-embedding-3-small", BaseURL: url, APIKey: "sk-test", Dim: 16})
	if err != nil {
		t.Fatal(err)
	}
	if info.Dim != 16 {
		t.Errorf("Dim = %d, want 16", info.Dim)
	}
	fake.mu.Lock()
	if fake.auth[0] != "Bearer sk-test" || fake.dimsSent[0] != 16 {
		t.Errorf("server got Authorization %q and dimensions %d", fake.auth[0], fake.dimsSent[0])
	}
	fake.mu.Unlock()

	// A server that ignores the requested dimensions is caught at start-up.
	_, _, err = New(context.Background(), Config{Provider: "openai", Model: "m", BaseURL: url, Dim: 32})
	if err == nil || !strings.Contains(err.Error(), "want 32") {
		t.Errorf("dimension mismatch: err = %v", err)
	}
}

func TestOpenAIServerErrors(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusUnauthorized} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			fake := &fakeOpenAI{dim: 4}
			url := newFake(t, fake)
			ctx := context.Background()

			fake.setStatus(status)
			if e, _, err := New(ctx, Config{Provider: "openai", Model: "m", BaseURL: url}); err == nil || e != nil {
				t.Fatalf("New against a failing server: %v, %v", e, err)
			} else if !strings.Contains(err.Error(), fmt.Sprint(status)) {
				t.Errorf("error %q does not give the status", err)
			} else {
				t.Log(err)
			}

			// A server that fails after start-up.
			fake.setStatus(0)
			e, _, err := New(ctx, Config{Provider: "openai", Model: "m", BaseURL: url})
			if err != nil {
				t.Fatal(err)
			}
			fake.setStatus(status)
			if vs, err := e.EmbedDocuments(ctx, []string{"a", "b"}); err == nil || vs != nil {
				t.Errorf("EmbedDocuments: %v, %v; want an error and no vectors", vs, err)
			}
			if v, err := e.EmbedQuery(ctx, "a"); err == nil || v != nil {
				t.Errorf("EmbedQuery: %v, %v; want an error and no vector", v, err)
			}
		})
	}
}

func TestMalformedVectors(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string
	}{
		{"zero vector", `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0,0,0]}],"model":"m"}`},
		{"no data", `{"object":"list","data":[],"model":"m"}`},
		{"empty vector", `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[]}],"model":"m"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			if _, _, err := New(context.Background(), Config{Provider: "openai", Model: "m", BaseURL: srv.URL}); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestOllama(t *testing.T) {
	var mu sync.Mutex
	var models, inputs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/embed" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Model string `json:"model"`
			Input string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		models, inputs = append(models, req.Model), append(inputs, req.Input)
		mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": [][]float32{vectorFor(req.Input, 6)}})
	}))
	t.Cleanup(srv.Close)
	e, info, err := New(context.Background(), Config{Provider: "ollama", Model: "nomic-embed-text", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if info != (Info{Name: "ollama:nomic-embed-text", Dim: 6}) {
		t.Errorf("info = %+v", info)
	}
	vs, err := e.EmbedDocuments(context.Background(), []string{"a", "bb", "ccc"})
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"a", "bb", "ccc"} {
		if !slices.Equal(vs[i], vectorFor(text, 6)) {
			t.Errorf("vector %d is not the vector of %q", i, text)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(inputs[1:], []string{"a", "bb", "ccc"}) || models[0] != "nomic-embed-text" {
		t.Errorf("server got models %q inputs %q", models, inputs)
	}
}
