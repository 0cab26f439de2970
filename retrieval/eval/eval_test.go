package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/civicbot/civicbot/retrieval"
)

// fakeSearcher answers with search.
type fakeSearcher struct {
	search func(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error)
}

func (f fakeSearcher) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	return f.search(ctx, q)
}

// ranked returns a searcher that answers each question with these keys, in order.
func ranked(answers map[string][]string) fakeSearcher {
	return fakeSearcher{search: func(_ context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
		var hits []retrieval.Hit
		for _, k := range answers[q.Text] {
			ds, key, _ := strings.Cut(k, "/")
			hits = append(hits, retrieval.Hit{Dataset: ds, Key: key, Title: "title of " + key})
		}
		return hits[:min(len(hits), q.K)], nil
	}}
}

func keys(prefix string, n int, hit int, hitKey string) []string {
	var out []string
	for i := 1; i <= n; i++ {
		if i == hit {
			out = append(out, hitKey)
			continue
		}
		out = append(out, prefix+"/noise"+string(rune('a'+i)))
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRun(t *testing.T) {
	cases := []Case{
		{Question: "q1", Expect: []string{"A"}, Tags: []string{"pill"}, File: "f.jsonl", Line: 1},       // rank 1
		{Question: "q2", Expect: []string{"B", "B2"}, Tags: []string{"pill"}, File: "f.jsonl", Line: 2}, // B2 at rank 3
		{Question: "q3", Expect: []string{"C"}, Dataset: "taipei_faq", File: "f.jsonl", Line: 3},        // rank 7
		{Question: "q4", Expect: []string{"D"}, File: "g.jsonl", Line: 1},                               // not found
		{Question: "q5", Expect: []string{"E"}, File: "g.jsonl", Line: 2},                               // rank 12, beyond 10
	}
	s := ranked(map[string][]string{
		"q1": keys("tfda_drug", 12, 1, "tfda_drug/A"),
		"q2": keys("tfda_drug", 12, 3, "tfda_drug/B2"),
		"q3": keys("taipei_faq", 12, 7, "taipei_faq/C"),
		"q4": keys("tfda_myth", 12, 0, ""),
		"q5": keys("tfda_myth", 12, 12, "tfda_myth/E"),
	})

	t.Run("k=5", func(t *testing.T) {
		r, err := Run(context.Background(), s, cases, 5)
		if err != nil {
			t.Fatal(err)
		}
		// q5 is searched with K=10 and so not found at all.
		if r.Cases != 5 || !near(r.Recall1, 0.2) || !near(r.Recall5, 0.4) || !near(r.Recall10, 0.6) || !near(r.RecallK, 0.4) {
			t.Errorf("recalls: %+v", r)
		}
		if want := (1 + 1.0/3 + 1.0/7) / 5; !near(r.MRR, want) {
			t.Errorf("MRR %v, want %v", r.MRR, want)
		}
		var misses []string
		for _, m := range r.Misses {
			misses = append(misses, m.Question)
		}
		if !slices.Equal(misses, []string{"q3", "q4", "q5"}) {
			t.Errorf("misses %v", misses)
		}
		m := r.Misses[0]
		if m.Rank != 7 || len(m.Got) != 3 || m.Got[0].Key != "noiseb" || m.File != "f.jsonl" || m.Line != 3 {
			t.Errorf("miss q3: %+v", m)
		}
		if r.Misses[1].Rank != 0 || r.Misses[1].Dataset != Unknown {
			t.Errorf("miss q4: %+v", r.Misses[1])
		}
		wantDatasets := []Breakdown{
			{Name: "taipei_faq", Cases: 1, Recall10: 1, MRR: 1.0 / 7},
			{Name: "tfda_drug", Cases: 2, Recall1: 0.5, Recall5: 1, Recall10: 1, RecallK: 1, MRR: (1 + 1.0/3) / 2},
			{Name: Unknown, Cases: 2},
		}
		if len(r.Datasets) != len(wantDatasets) {
			t.Fatalf("datasets %+v", r.Datasets)
		}
		for i, want := range wantDatasets {
			got := r.Datasets[i]
			if got.Name != want.Name || got.Cases != want.Cases || !near(got.Recall1, want.Recall1) || !near(got.Recall5, want.Recall5) ||
				!near(got.Recall10, want.Recall10) || !near(got.RecallK, want.RecallK) || !near(got.MRR, want.MRR) {
				t.Errorf("dataset %d: %+v, want %+v", i, got, want)
			}
		}
		if len(r.Tags) != 1 || r.Tags[0].Name != "pill" || r.Tags[0].Cases != 2 || !near(r.Tags[0].Recall5, 1) {
			t.Errorf("tags %+v", r.Tags)
		}
		if len(r.Files) != 2 || r.Files[0].Name != "f.jsonl" || r.Files[0].Cases != 3 {
			t.Errorf("files %+v", r.Files)
		}
	})

	t.Run("k=15 searches deeper", func(t *testing.T) {
		var asked []int
		deep := s
		deep.search = func(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
			asked = append(asked, q.K)
			return s.search(ctx, q)
		}
		r, err := Run(context.Background(), deep, cases, 15)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(asked, func(k int) bool { return k != 15 }) {
			t.Errorf("searched with K %v, want 15", asked)
		}
		// q5 at rank 12 is a hit at k=15, but counts nothing to MRR (depth 10).
		if !near(r.RecallK, 0.8) || !near(r.Recall10, 0.6) || !near(r.MRR, (1+1.0/3+1.0/7)/5) {
			t.Errorf("k=15: %+v", r)
		}
		if len(r.Misses) != 1 || r.Misses[0].Question != "q4" {
			t.Errorf("misses %+v", r.Misses)
		}
	})

	t.Run("k=1 still searches 10", func(t *testing.T) {
		var asked []int
		shallow := s
		shallow.search = func(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
			asked = append(asked, q.K)
			return s.search(ctx, q)
		}
		r, err := Run(context.Background(), shallow, cases, 1)
		if err != nil {
			t.Fatal(err)
		}
		if asked[0] != 10 || !near(r.Recall10, 0.6) || len(r.Misses) != 4 {
			t.Errorf("k=1: asked %v, %+v", asked, r)
		}
	})
}

// TestRunLatency runs in a synctest bubble: on its fake clock a search lasts exactly
// the time it sleeps, and the percentiles are exact.
func TestRunLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cases []Case
		delays := map[string]time.Duration{}
		for i := range 20 {
			q := string(rune('a' + i))
			cases = append(cases, Case{Question: q, Expect: []string{"x"}})
			delays[q] = time.Duration(i+1) * time.Millisecond
		}
		calls := 0
		s := fakeSearcher{search: func(_ context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
			calls++
			time.Sleep(delays[q.Text])
			return nil, nil
		}}
		r, err := Run(context.Background(), s, cases, 5)
		if err != nil {
			t.Fatal(err)
		}
		if calls != 21 {
			t.Errorf("%d searches, want 20 and one warm-up", calls)
		}
		// Nearest rank: the 10th and the 19th of 1..20 ms.
		if r.Latency.P50 != 10*time.Millisecond || r.Latency.P95 != 19*time.Millisecond || r.Latency.Max != 20*time.Millisecond {
			t.Errorf("latency %+v, want p50 10 ms, p95 19 ms, max 20 ms", r.Latency)
		}
		for i, res := range r.Results {
			if want := delays[res.Question]; res.Latency != want {
				t.Errorf("case %d latency %v, want %v", i, res.Latency, want)
			}
		}
	})
}

func TestRunErrors(t *testing.T) {
	boom := errors.New("store down")
	failing := fakeSearcher{search: func(context.Context, retrieval.Query) ([]retrieval.Hit, error) { return nil, boom }}
	cases := []Case{{Question: "q", Expect: []string{"k"}, File: "f.jsonl", Line: 4}}
	if _, err := Run(context.Background(), failing, cases, 5); !errors.Is(err, boom) || !strings.Contains(err.Error(), "f.jsonl:4") {
		t.Errorf("search error: %v", err)
	}
	ok := ranked(nil)
	if _, err := Run(context.Background(), ok, nil, 5); err == nil {
		t.Error("no cases must fail")
	}
	if _, err := Run(context.Background(), ok, cases, 0); err == nil {
		t.Error("k=0 must fail")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, ok, cases, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRead(t *testing.T) {
	in := "\ufeff" + `{"question": "白色圓形 YSP 52", "expect": ["衛署藥製字第029478號"], "dataset": "tfda_drug", "tags": ["pill"], "note": "imprint"}

  {"question":"愛心卡弄丟了","expect":["GIP_1","GIP_2"]}  
`
	cases, err := Read(strings.NewReader(in), "x.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 || cases[0].Line != 1 || cases[1].Line != 3 || cases[1].File != "x.jsonl" ||
		cases[0].Dataset != "tfda_drug" || !slices.Equal(cases[1].Expect, []string{"GIP_1", "GIP_2"}) {
		t.Errorf("cases %+v", cases)
	}

	bad := []struct{ name, in, want string }{
		{"comment", "# pills\n", `x.jsonl:1: comments are not JSON`},
		{"slash comment", `{"question":"q","expect":["k"]}` + "\n// more\n", `x.jsonl:2: comments are not JSON`},
		{"not an object", `["q"]`, `x.jsonl:1: want one JSON object`},
		{"broken JSON", "\n\n" + `{"question": "q", "expect": ["k"]`, `x.jsonl:3: invalid JSON`},
		{"unknown field", `{"question":"q","expects":["k"]}`, `x.jsonl:1: invalid JSON: json: unknown field "expects"`},
		{"two objects", `{"question":"q","expect":["k"]} {"question":"r","expect":["k"]}`, `x.jsonl:1: text after the JSON object`},
		{"no question", `{"question":"  ","expect":["k"]}`, `x.jsonl:1: "question" is missing or empty`},
		{"no expect", `{"question":"q"}`, `x.jsonl:1: "expect" is missing`},
		{"null expect", `{"question":"q","expect":null}`, `x.jsonl:1: "expect" is missing`},
		{"empty key", `{"question":"q","expect":["k",""]}`, `x.jsonl:1: "expect"[1] is empty`},
		{"spaced key", `{"question":"q","expect":[" k"]}`, `has spaces around it`},
		{"wrong type", `{"question":"q","expect":"k"}`, `x.jsonl:1: invalid JSON`},
		{"repeated question", `{"question":"q","expect":["k"]}` + "\n" + `{"question":"q","expect":["j"]}`, `x.jsonl:2: question "q" repeats line 1`},
		{"long line", `{"question":"` + strings.Repeat("x", maxLine) + `"}`, `x.jsonl:1: line longer than`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in), "x.jsonl")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// A question the data cannot answer ("expect": []) reads as a case that is not
// answerable; Run skips it, whatever search returns for it, and counts it.
func TestUnanswerable(t *testing.T) {
	in := `{"question": "身分證掉了怎麼補辦", "expect": [], "tags": ["service"], "note": "no FAQ on it"}
{"question": "q1", "expect": ["A"]}
{"question": "q2", "expect": ["B"]}
{"question": "護照過期怎麼辦", "expect": []}
`
	cases, err := Read(strings.NewReader(in), "x.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var answerable []bool
	for _, c := range cases {
		answerable = append(answerable, c.Answerable())
	}
	if !slices.Equal(answerable, []bool{false, true, true, false}) || cases[0].Expect == nil {
		t.Fatalf("answerable %v, cases %+v", answerable, cases)
	}

	var searched []string
	s := fakeSearcher{search: func(_ context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
		searched = append(searched, q.Text)
		return []retrieval.Hit{{Dataset: "tfda_drug", Key: "A"}, {Dataset: "taipei_faq", Key: "X"}}, nil
	}}
	r, err := Run(context.Background(), s, cases, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.Cases != 2 || r.Unanswerable != 2 || !near(r.Recall5, 0.5) || !near(r.MRR, 0.5) || len(r.Results) != 2 || len(r.Misses) != 1 {
		t.Errorf("report: cases %d, unanswerable %d, recall@5 %.3f, MRR %.3f, %d results, %d misses",
			r.Cases, r.Unanswerable, r.Recall5, r.MRR, len(r.Results), len(r.Misses))
	}
	for _, q := range searched {
		if q != "q1" && q != "q2" {
			t.Errorf("searched %q, which expects no document", q)
		}
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "2 cases, k=5; 2 without an expected document skipped\n") {
		t.Errorf("text output:\n%s", out)
	}
	js, _ := json.Marshal(r)
	if !strings.Contains(string(js), `"unanswerable":2`) {
		t.Errorf("JSON: %s", js)
	}

	onlyUnanswerable := []Case{cases[0], cases[3]}
	if _, err := Run(context.Background(), s, onlyUnanswerable, 5); err == nil || !strings.Contains(err.Error(), "none of the 2 cases expects a document") {
		t.Errorf("only unanswerable cases: %v", err)
	}
}

func TestReportOutput(t *testing.T) {
	cases := []Case{
		{Question: "q1", Expect: []string{"A"}, File: "f.jsonl", Line: 1},
		{Question: "q2", Expect: []string{"Z"}, File: "f.jsonl", Line: 2, Dataset: "taipei_faq"},
	}
	s := ranked(map[string][]string{
		"q1": {"tfda_drug/A"},
		"q2": {"taipei_faq/GIP_9", "taipei_faq/GIP_8"},
	})
	r, err := Run(context.Background(), s, cases, 5)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"2 cases, k=5",
		"recall@1 0.500  recall@5 0.500  recall@10 0.500  MRR 0.500",
		"latency p50 ",
		"taipei_faq  1",
		"1 misses (no expected document in the top 5)",
		"f.jsonl:2  [taipei_faq]  q2",
		"expected Z",
		"1. taipei_faq GIP_9  title of GIP_9",
		"2. taipei_faq GIP_8",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "skipped") {
		t.Errorf("text output mentions skipped cases, but none was:\n%s", out)
	}

	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"recall_at_1", "recall_at_5", "recall_at_10", "recall_at_k", "mrr", "latency", "datasets", "misses", "results"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, js)
		}
	}
	if lat, _ := back["latency"].(map[string]any); lat["p95_ms"] == nil {
		t.Errorf("latency in JSON: %v", back["latency"])
	}
}

func TestReportOutputOtherK(t *testing.T) {
	r, err := Run(context.Background(), ranked(map[string][]string{"q": {"tfda_drug/x", "tfda_drug/A"}}), []Case{{Question: "q", Expect: []string{"A"}}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.WriteText(&b)
	if out := b.String(); !strings.Contains(out, "recall@10 1.000  recall@3 1.000  MRR 0.500") || !strings.Contains(out, "r@3") || !strings.Contains(out, "no misses in the top 3") {
		t.Errorf("k=3 output:\n%s", out)
	}
}

// TestWithhold: a held-out report keeps its figures and shows no question.
func TestWithhold(t *testing.T) {
	r := &Report{K: 5, Cases: 2, Recall5: 0.5,
		Misses:  []Miss{{File: "heldout/x.jsonl", Line: 2, Question: "祕密的問題", Expect: []string{"k"}}},
		Results: []Result{{Question: "看得見的問題", Rank: 1}, {Question: "祕密的問題"}}}
	r.Withhold()
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "問題") || len(r.Misses) != 0 || r.Withheld != 1 || r.Results[0].Question != "" || r.Results[0].Rank != 1 {
		t.Errorf("withheld report shows a question or lost a figure: %+v\n%s", r, out)
	}
	if !strings.Contains(out, "1 misses in the top 5, not listed") || !strings.Contains(out, "0.500") {
		t.Errorf("withheld report: %s", out)
	}
}
