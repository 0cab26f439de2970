package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval/eval"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// evalSets are the repository's development evaluation sets, run by CI against the
// bundled data; heldoutSets are the frozen held-out set (testdata/eval/heldout/README.md),
// whose keys are checked here like theirs but which has no floors to tune to.
const (
	evalSets    = "../../testdata/eval/*.jsonl"
	heldoutSets = "../../testdata/eval/heldout/*.jsonl"
)

func evalFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(evalSets)
	if err != nil || len(files) == 0 {
		tb.Fatalf("no evaluation sets in %s: %v", evalSets, err)
	}
	return files
}

// Every expected key of every evaluation set, development and held-out, must be a
// document of the bundled data that a default search may return (active or cancelled,
// not stale), and the case's dataset must be its first expected key's: otherwise a case
// could never hit, or would be counted under the wrong dataset. A held-out question must
// not also be a development question, or it is not held out. No database is needed.
func TestEvalSetsExpectBundledDocuments(t *testing.T) {
	paths, err := filepath.Glob("../../ingest/opendata/tfda/*")
	if err != nil || len(paths) == 0 {
		t.Fatalf("bundled TFDA files: %v", err)
	}
	paths = append(paths, "../../ingest/opendata/taipei/faq.xml")
	l := &ingest.Loader{Formats: append(tfda.Formats(), taipei.Formats(time.Now)...)}
	batches, err := l.Load(context.Background(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	type docKey struct{ dataset, key string }
	records := map[docKey][]ingest.Record{}
	datasets := map[string][]string{} // key → datasets holding it
	for _, b := range batches {
		for _, r := range b.Records {
			k := docKey{r.Dataset, r.Key}
			if records[k] == nil {
				datasets[r.Key] = append(datasets[r.Key], r.Dataset)
			}
			records[k] = append(records[k], r)
		}
	}

	heldout, err := filepath.Glob(heldoutSets)
	if err != nil || len(heldout) == 0 {
		t.Fatalf("no held-out sets in %s: %v", heldoutSets, err)
	}
	total := map[bool]int{}             // answerable cases, by held-out or not
	unanswerable := map[bool]int{}      // cases expecting no document
	devQuestions := map[string]string{} // question → where
	for _, f := range append(evalFiles(t), heldout...) {
		isHeldout := slices.Contains(heldout, f)
		cases, err := eval.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) == 0 {
			t.Errorf("%s: no cases", f)
		}
		for _, c := range cases {
			if !c.Answerable() {
				unanswerable[isHeldout]++
			} else {
				total[isHeldout]++
			}
			if !isHeldout {
				devQuestions[c.Question] = c.Where()
			} else if dev, ok := devQuestions[c.Question]; ok {
				t.Errorf("%s: %q is also the development question %s", c.Where(), c.Question, dev)
			}
		}
		for _, c := range cases {
			for i, key := range c.Expect {
				ds := datasets[key]
				if len(ds) == 0 {
					t.Errorf("%s: %q expects %q: no such document in the bundled data", c.Where(), c.Question, key)
					continue
				}
				for _, d := range ds {
					if st := ingest.Compose(records[docKey{d, key}]).Status; st != corpus.StatusActive && st != corpus.StatusCancelled {
						t.Errorf("%s: %q expects %s %q, which is %s: search does not return it", c.Where(), c.Question, d, key, st)
					}
				}
				if i == 0 && c.Dataset != "" && !slices.Contains(ds, c.Dataset) {
					t.Errorf("%s: %q: dataset %q, but its first expected key %q is in %v", c.Where(), c.Question, c.Dataset, key, ds)
				}
			}
		}
	}
	if total[false] < 150 {
		t.Errorf("%d cases in the development sets, want at least 150", total[false])
	}
	// The held-out set only grows or is replaced question for question (its README):
	// fewer means files were lost or emptied.
	if total[true] < 220 || unanswerable[true] < 30 {
		t.Errorf("held-out set: %d answerable and %d unanswerable cases, want at least 220 and 30", total[true], unanswerable[true])
	}
}

func TestEvalCommand(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.New(t)}
	if out, errOut, err := civicbot(t, env, "ingest", "../../ingest/opendata/tfda/159.csv"); err != nil {
		t.Fatalf("ingest: %v\n%s%s", err, out, errOut)
	}
	dir := t.TempDir()
	set := filepath.Join(dir, "myths.jsonl")
	os.WriteFile(set, []byte(`{"question": "家中剩藥直接丟馬桶可以嗎？", "expect": ["家中剩藥直接丟馬桶可以嗎？"], "tags": ["exact"]}

{"question": "吃藥時配咖啡應該沒關係吧？", "expect": ["吃藥時配咖啡應該沒關係吧？"], "dataset": "tfda_myth"}
{"question": "一個不存在的問題 zzzz", "expect": ["no such title"], "dataset": "tfda_myth", "note": "always a miss"}
`), 0o644)

	t.Run("text", func(t *testing.T) {
		out, errOut, err := civicbot(t, env, "eval", set)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		for _, want := range []string{"3 cases, k=5", "recall@1 0.667  recall@5 0.667", "latency p50 ", "tfda_myth", "1 misses", "myths.jsonl:4  [tfda_myth]  一個不存在的問題 zzzz", "expected no such title"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("json and k", func(t *testing.T) {
		out, errOut, err := civicbot(t, env, "eval", set, "--json", "-k", "3")
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		var r struct {
			K        int     `json:"k"`
			Cases    int     `json:"cases"`
			Recall5  float64 `json:"recall_at_5"`
			MRR      float64 `json:"mrr"`
			Datasets []struct {
				Name  string `json:"name"`
				Cases int    `json:"cases"`
			} `json:"datasets"`
			Misses []struct {
				Question string `json:"question"`
				Line     int    `json:"line"`
			} `json:"misses"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if r.K != 3 || r.Cases != 3 || r.Recall5 < 0.66 || r.MRR < 0.66 || len(r.Misses) != 1 || r.Misses[0].Line != 4 ||
			len(r.Datasets) != 1 || r.Datasets[0].Name != "tfda_myth" || r.Datasets[0].Cases != 3 {
			t.Errorf("report %+v", r)
		}
	})

	t.Run("floors", func(t *testing.T) {
		_, _, err := civicbot(t, env, "eval", "--min-recall5", "0.6", "--min-mrr", "0.6", set)
		if err != nil {
			t.Errorf("floors met: %v", err)
		}
		out, _, err := civicbot(t, env, "eval", "--min-recall5", "0.9", set)
		if err == nil || !strings.Contains(err.Error(), "recall@5 0.667 is below the floor 0.900") || !strings.Contains(out, "1 misses") {
			t.Errorf("recall floor: %v\n%s", err, out)
		}
		if _, _, err := civicbot(t, env, "eval", "--min-mrr", "0.8", set); err == nil || !strings.Contains(err.Error(), "MRR") {
			t.Errorf("MRR floor: %v", err)
		}
	})

	t.Run("questions the data cannot answer", func(t *testing.T) {
		declined := filepath.Join(dir, "declined.jsonl")
		os.WriteFile(declined, []byte(`{"question": "身分證掉了怎麼補辦", "expect": [], "note": "no such FAQ"}
{"question": "護照過期怎麼辦", "expect": []}
`), 0o644)
		out, errOut, err := civicbot(t, env, "eval", set, declined)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		if !strings.Contains(out, "3 cases, k=5; 2 without an expected document skipped") || !strings.Contains(out, "recall@1 0.667") {
			t.Errorf("output:\n%s", out)
		}
		if _, _, err := civicbot(t, env, "eval", declined); err == nil || !strings.Contains(err.Error(), "none of the 2 cases expects a document") {
			t.Errorf("only questions the data cannot answer: %v", err)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.jsonl")
		os.WriteFile(bad, []byte("{\"question\":\"q\",\"expect\":[\"k\"]}\n# a comment\n"), 0o644)
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"eval"}, "no FILE.jsonl"},
			{[]string{"eval", bad}, "bad.jsonl:2: comments are not JSON"},
			{[]string{"eval", filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
			{[]string{"eval", "-k", "0", set}, "-k 0"},
			{[]string{"eval", "--min-recall5", "2", set}, "--min-recall5 2"},
		} {
			if _, _, err := civicbot(t, env, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
			}
		}
	})
}

// evalFloors are the CI floors of the evaluation sets on the bundled data: a change
// that lowers recall@5 or MRR below them fails the build. They sit a little below the
// figures measured when they were set (see the report of issue 3), to absorb the small
// run-to-run differences of approximate search; raise them as search improves.
var evalFloors = map[string]struct{ recall5, mrr float64 }{
	"citizens.jsonl": {0.84, 0.70}, // measured 0.889, 0.764 (written for issue 15)
	// Written for issue 15's third round: measured 0.875, 0.717 and 0.946, 0.906.
	"colloquial.jsonl":       {0.84, 0.68},
	"colloquial_drugs.jsonl": {0.92, 0.87},
	"drugs.jsonl":            {0.92, 0.89}, // measured 0.961, 0.938
	// English questions written for issue 15's eighth round; see memstore's floors.
	"english.jsonl":  {0.68, 0.50},
	"mixed.jsonl":    {0.94, 0.86}, // 1.000, 0.922
	"myths.jsonl":    {0.94, 0.86}, // 1.000, 0.916
	"pills.jsonl":    {0.94, 0.92}, // 0.976, 0.976
	"services.jsonl": {0.86, 0.73}, // 0.902, 0.788
}

// allFloor is the floor of all the sets together; the hybrid search must also beat
// the dense-only baseline on them by a wide margin.
const allFloor = 0.92 // measured 0.965; 0.948 with the colloquial sets (404 questions)

func TestEvalSetsFloor(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.New(t)}
	if out, errOut, err := civicbot(t, env, append([]string{"ingest"}, bundled(t)...)...); err != nil {
		t.Fatalf("ingest: %v\n%s%s", err, out, errOut)
	}
	for _, f := range evalFiles(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			floor, ok := evalFloors[name]
			if !ok {
				t.Fatalf("no floor for %s: add it to evalFloors", name)
			}
			out, _, err := civicbot(t, env, "eval", "--min-recall5", fmt.Sprint(floor.recall5), "--min-mrr", fmt.Sprint(floor.mrr), f)
			head, _, _ := strings.Cut(out, "\n\n")
			t.Log(head)
			if err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
	t.Run("all sets, against the dense-only baseline", func(t *testing.T) {
		files := evalFiles(t)
		hybrid := recall5(t, env, files, "--min-recall5", fmt.Sprint(allFloor))
		dense := recall5(t, env, files, "--dense-only")
		t.Logf("recall@5: hybrid %.3f, dense only %.3f", hybrid, dense)
		if hybrid < dense+0.2 {
			t.Errorf("hybrid recall@5 %.3f is not well above the dense-only baseline %.3f", hybrid, dense)
		}
	})
}

func recall5(tb testing.TB, env map[string]string, files []string, flags ...string) float64 {
	tb.Helper()
	args := append(append([]string{"eval", "--json"}, flags...), files...)
	out, _, err := civicbot(tb, env, args...)
	if err != nil {
		tb.Fatalf("eval %v: %v", flags, err)
	}
	var r struct {
		Recall5 float64 `json:"recall_at_5"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		tb.Fatalf("eval --json: %v", err)
	}
	return r.Recall5
}

func TestHeldOutPath(t *testing.T) {
	for path, want := range map[string]bool{
		"testdata/eval/heldout/services.jsonl": true,
		"heldout/x.jsonl":                      true,
		"testdata/eval/services.jsonl":         false,
		"testdata/heldout_notes/x.jsonl":       false,
	} {
		if got := heldOut(path); got != want {
			t.Errorf("heldOut(%q) = %v, want %v", path, got, want)
		}
	}
}
