// Package paritytest checks that the two stores answer alike: one retrieval.Search
// over each, on the same data, must give the same documents in the same order.
package paritytest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/store/memstore/memtest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// questions reads the "question" of every line of the JSON Lines files matching the
// patterns (evaluation sets, held-out ones included: they are run, not read).
func questions(tb testing.TB, patterns ...string) []string {
	tb.Helper()
	var out []string
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil {
			tb.Fatal(err)
		}
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				tb.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var c struct {
					Question string `json:"question"`
				}
				if strings.TrimSpace(sc.Text()) == "" {
					continue
				}
				if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
					tb.Fatalf("%s: %v", name, err)
				}
				out = append(out, c.Question)
			}
			f.Close()
			if err := sc.Err(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return out
}

// hostile are inputs that must neither break a store nor make the two differ.
func hostile() []string {
	return []string{
		"", " ", "\x00", "藥\x00品", "\xff\xfe", "a\xc3(b", "'&|!():*\\", "' OR 1=1 --", "a & b | !c", "ibuprofen:*",
		"(((", "<->", "💊💊 白色圓形", "🙂", "？？？！！", "。，、；：", strings.Repeat("藥", 10000),
		strings.Repeat("a", 10000), strings.Repeat("普拿疼 白色 圓形 YSP 52 ", 500), "衛署藥製字第029478號 ' & 000075",
		"ibuprofin", "%_\\%", "$1 $2", "NULL", "\u202e衛署藥製字", "白色圓形 上面寫 'YSP'",
	}
}

func keys(hits []retrieval.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Dataset + "/" + h.Key
	}
	return out
}

// TestParity loads the bundled open data into both stores and asks both every
// evaluation question (held-out ones included), every declined question and hostile
// inputs, without and with a filter: the top 10 must be the same documents in the
// same order.
//
// The dense leg is the one place where the stores may differ by rounding alone:
// PostgreSQL compares half-precision vectors (and, in production, through the
// approximate HNSW index), the embedded store single-precision ones. So that this
// does not count as a difference, PostgreSQL's search takes its dense leg from the
// embedded store; its own dense leg (an exact scan, ExactDense) is compared
// separately, by the documents of its first places, and how often the whole top 10
// would differ with it is logged.
func TestParity(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Bundled(t)
	pg.ExactDense = true
	mem := memtest.Bundled(t)
	sets := map[string][]string{
		"evaluation": questions(t, "../../testdata/eval/*.jsonl"),
		"held-out":   questions(t, "../../testdata/eval/heldout/*.jsonl"),
		"declined":   questions(t, "../../bot/testdata/declined.jsonl", "../../testdata/eval/heldout/declined.jsonl"),
		"hostile":    hostile(),
	}
	if len(sets["evaluation"]) < 100 || len(sets["declined"]) == 0 {
		t.Fatalf("evaluation questions: %d, declined: %d", len(sets["evaluation"]), len(sets["declined"]))
	}
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		t.Run(name, func(t *testing.T) {
			ix := &denseFrom{Index: pg, dense: mem}
			searches, differ, own := 0, 0, 0
			for i, q := range sets[name] {
				for _, query := range []retrieval.Query{
					{Text: q, K: 10},
					{Text: q, K: 10, Datasets: []string{corpus.DatasetDrug}, Statuses: []string{"active"}},
				} {
					searches++
					a, err := retrieval.Search(ctx, ix, query)
					if err != nil {
						t.Fatalf("pgstore: %s: %v", describe(name, q), err)
					}
					b, err := mem.Search(ctx, query)
					if err != nil {
						t.Fatalf("memstore: %s: %v", describe(name, q), err)
					}
					if ka, kb := keys(a), keys(b); !slices.Equal(ka, kb) {
						differ++
						t.Errorf("question %d %s (datasets %v): PostgreSQL %v, embedded %v", i, describe(name, q), query.Datasets, ka, kb)
					}
					c, err := pg.Search(ctx, query)
					if err != nil {
						t.Fatalf("pgstore: %s: %v", describe(name, q), err)
					}
					if !slices.Equal(keys(c), keys(b)) {
						own++
					}
				}
			}
			t.Logf("%d searches: %d differ; with PostgreSQL's own exact dense leg %d differ; dense legs: %d of %d differ, at most %d of the first %d documents",
				searches, differ, own, ix.differ, ix.legs, ix.maxMissing, densePlaces)
			if ix.maxMissing > maxDenseMissing {
				t.Errorf("the dense legs differ in %d of their first %d documents: more than rounding", ix.maxMissing, densePlaces)
			}
		})
	}
}

// densePlaces is how many first places of the dense legs are compared, and
// maxDenseMissing how many of them may differ by rounding.
const (
	densePlaces     = 10
	maxDenseMissing = 2
)

// denseFrom is an index whose dense leg is another's; it compares its own with it.
type denseFrom struct {
	retrieval.Index
	dense retrieval.Index

	legs, differ int
	maxMissing   int // the most of the first densePlaces documents that one has and the other not
}

func (d *denseFrom) Candidates(ctx context.Context, legs []retrieval.Leg, f retrieval.Filter) ([][]retrieval.DocRef, error) {
	out, err := d.Index.Candidates(ctx, legs, f)
	if err != nil {
		return nil, err
	}
	for i, l := range legs {
		if l.Kind != retrieval.LegDense {
			continue
		}
		x, err := d.dense.Candidates(ctx, legs[i:i+1], f)
		if err != nil {
			return nil, err
		}
		d.legs++
		if !slices.Equal(x[0], out[i]) {
			d.differ++
		}
		a, b := x[0][:min(densePlaces, len(x[0]))], out[i][:min(densePlaces, len(out[i]))]
		missing := max(len(a), len(b))
		for _, r := range a {
			if slices.Contains(b, r) {
				missing--
			}
		}
		d.maxMissing = max(d.maxMissing, missing)
		out[i] = x[0]
	}
	return out, nil
}

// describe names a question in a failure: held-out questions by number only, since
// they are not to be read.
func describe(set, q string) string {
	if set == "held-out" {
		return "(held out)"
	}
	r := []rune(q)
	return fmt.Sprintf("%q", string(r[:min(len(r), 60)]))
}
