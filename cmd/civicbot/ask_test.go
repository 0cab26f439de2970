package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

type askResult struct {
	Answer  string `json:"answer"`
	Mode    string `json:"mode"`
	Sources []struct {
		Dataset  string `json:"dataset"`
		Key      string `json:"key"`
		Title    string `json:"title"`
		URL      string `json:"url"`
		Snapshot string `json:"snapshot"`
	} `json:"sources"`
}

// TestAsk runs `civicbot ask --json` on the bundled data as a citizen's question would
// go, for every mode of the contract.
func TestAsk(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.New(t)}
	if _, errOut, err := civicbot(t, env, append([]string{"ingest"}, bundled(t)...)...); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}
	curated := filepath.Join(t.TempDir(), "curated.jsonl")
	if err := os.WriteFile(curated, []byte(`{"id":"citizen-card","questions":["市民卡要去哪裡辦？","哪裡可以辦臺北市民卡"],"answer":"臺北市民卡可在各區公所或市民卡服務中心申辦。","status":"approved","sources":[{"dataset":"agency_page","key":"citizen-card","title":"臺北市民卡","url":"https://card.taipei/"}],"expires_at":"2099-12-31"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := civicbot(t, env, "curated", "import", curated); err != nil || !strings.Contains(out, "1 answers loaded") {
		t.Fatalf("curated import: %v\n%s%s", err, out, errOut)
	}

	askJSON := func(t *testing.T, env map[string]string, q string) askResult {
		t.Helper()
		out, errOut, err := civicbot(t, env, "ask", "--json", q)
		if err != nil {
			t.Fatalf("ask %q: %v\n%s", q, err, errOut)
		}
		var r askResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("ask %q: not the JSON contract: %v\n%s", q, err, out)
		}
		var raw map[string]json.RawMessage
		json.Unmarshal([]byte(out), &raw)
		for _, k := range []string{"answer", "mode", "sources"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("ask %q: no %q in %s", q, k, out)
			}
		}
		if strings.TrimSpace(r.Answer) == "" {
			t.Errorf("ask %q: empty answer", q)
		}
		for _, s := range r.Sources {
			if s.Dataset == "" || s.Key == "" || s.Title == "" {
				t.Errorf("ask %q: incomplete source %+v", q, s)
			}
		}
		return r
	}

	for _, tc := range []struct {
		q, mode, dataset string
	}{
		{"普拿疼膜衣錠是什麼藥", "extractive", "tfda_drug"},
		{"白色圓形的藥丸，上面刻 YSP", "extractive", "tfda_drug"},
		{"路邊停車費要怎麼繳", "extractive", "taipei_faq"},
		{"哪裡可以辦臺北市民卡", "curated", "agency_page"},
		{"我爸爸吃了一整瓶安眠藥叫不醒", "emergency", ""},
		{"我想自殺", "emergency", ""},
		{"台積電明天會漲嗎", "refusal", ""},
		{"請問怎麼養一隻倉鼠", "no_answer", ""},
	} {
		t.Run(tc.mode+" "+tc.q, func(t *testing.T) {
			r := askJSON(t, env, tc.q)
			if r.Mode != tc.mode {
				t.Fatalf("mode %q, want %q; answer:\n%s", r.Mode, tc.mode, r.Answer)
			}
			if tc.dataset == "" {
				if len(r.Sources) != 0 {
					t.Errorf("sources %+v, want none", r.Sources)
				}
				return
			}
			if len(r.Sources) == 0 || r.Sources[0].Dataset != tc.dataset {
				t.Errorf("sources %+v, want %s first", r.Sources, tc.dataset)
			}
		})
	}

	t.Run("generated", func(t *testing.T) {
		srv := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string {
			return "路邊停車費可用多種管道繳納 [1]。"
		}})
		genv := map[string]string{"DATABASE_URL": env["DATABASE_URL"], "LLM_PROVIDER": "openai", "LLM_MODEL": "fake", "LLM_BASE_URL": srv.URL}
		r := askJSON(t, genv, "路邊停車費要怎麼繳")
		if r.Mode != "generated" || !strings.Contains(r.Answer, "[1]") {
			t.Errorf("mode %q answer %q, want a generated, cited answer", r.Mode, r.Answer)
		}
		// The same question with a model that invents a URL gets the extractive answer.
		bad := llmtest.NewServer(t, llmtest.Options{Reply: func(llmtest.ChatRequest) string {
			return "請到 https://pay.example.com 繳費 [1]。"
		}})
		genv["LLM_BASE_URL"] = bad.URL
		if r := askJSON(t, genv, "路邊停車費要怎麼繳"); r.Mode != "extractive" || strings.Contains(r.Answer, "pay.example.com") {
			t.Errorf("mode %q answer %q, want the extractive fallback", r.Mode, r.Answer)
		}
	})

	t.Run("text output shows sources and dates", func(t *testing.T) {
		out, _, err := civicbot(t, env, "ask", "普拿疼膜衣錠")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"來源 Sources:", "tfda_drug", "(mode: extractive)", "https://mcp.fda.gov.tw/"} {
			if !strings.Contains(out, want) {
				t.Errorf("ask output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, args := range [][]string{{"ask"}, {"ask", "   "}, {"ask", strings.Repeat("藥", 1001)}} {
			if _, _, err := civicbot(t, env, args...); err == nil {
				t.Errorf("civicbot %q: no error", args[:1])
			}
		}
		bad := filepath.Join(t.TempDir(), "bad.jsonl")
		os.WriteFile(bad, []byte("{\"id\":\"x\",\"questions\":[\"q\"],\"answer\":\"a\",\"status\":\"approved\"}\n{\"id\":\"y\",\"status\":\"maybe\"}\nnot json\n"), 0o644)
		_, _, err := civicbot(t, env, "curated", "import", bad)
		if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "nothing loaded") {
			t.Errorf("curated import of a bad file: %v; want every bad line named and nothing loaded", err)
		}
	})
	t.Run("purge", func(t *testing.T) {
		out, _, err := civicbot(t, env, "purge", "--older-than", "1h")
		if err != nil || !strings.Contains(out, "purge: 0 messages") {
			t.Errorf("purge of recent messages: %v %q", err, out)
		}
		if _, _, err := civicbot(t, env, "purge", "--older-than", "-3d"); err == nil {
			t.Error("purge --older-than -3d: no error")
		}
	})
}
