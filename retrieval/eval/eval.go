// Package eval measures how well a search finds the documents that answer
// citizens' questions: recall at 1, 5, 10 and k, mean reciprocal rank, latency, and
// the questions it misses.
//
// An evaluation set is a JSON Lines file: one JSON object a line,
//
//	{"question": "白色圓形的藥，上面寫 YSP 52", "expect": ["衛署藥製字第029478號"], "dataset": "tfda_drug", "tags": ["pill"], "note": "..."}
//
// where expect lists the acceptable document keys (許可證字號, a TFDA Q&A title, a city
// FAQ data_id) and a question is answered when any of them is among the top k
// results. dataset (where the expected documents live), tags (for a breakdown:
// "english", "typo"...) and note (why the case is there) are optional.
//
// An empty list, "expect": [], marks a question the data cannot answer: answer-level
// tests count whether it is declined, and Run skips it (search has nothing to find)
// and reports how many it skipped, so that one directory can hold both kinds. A
// missing or null expect is still an error: it is a case that could never be scored.
//
// Lines are strict JSON: blank lines are skipped, but there are no comments (a line
// starting with # or // is an error, not skipped, so that a broken line is never
// silently dropped); annotate a case with its note field instead. Unknown fields are
// errors too, so that a misspelt "expects" does not make a case that can never hit.
package eval

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/retrieval"
)

// Case is one question of an evaluation set.
type Case struct {
	Question string   `json:"question"`
	Expect   []string `json:"expect"`
	Dataset  string   `json:"dataset,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Note     string   `json:"note,omitempty"`

	// File and Line say where the case was read.
	File string `json:"-"`
	Line int    `json:"-"`
}

// Where returns "file:line", or what of it is known.
func (c Case) Where() string {
	switch {
	case c.File != "" && c.Line > 0:
		return fmt.Sprintf("%s:%d", c.File, c.Line)
	case c.Line > 0:
		return fmt.Sprintf("line %d", c.Line)
	}
	return c.File
}

// maxLine is the longest line Read accepts.
const maxLine = 1 << 20

// Read parses an evaluation set; name (the file name) is used in errors and in the
// cases' File. The first malformed line is an error that names its line number.
func Read(r io.Reader, name string) ([]Case, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var cases []Case
	seen := map[string]int{}
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if len(line) == 0 {
			continue
		}
		c, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("eval: %s:%d: %w", name, n, err)
		}
		if prev, ok := seen[c.Question]; ok {
			return nil, fmt.Errorf("eval: %s:%d: question %q repeats line %d", name, n, c.Question, prev)
		}
		seen[c.Question] = n
		c.File, c.Line = name, n
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("eval: %s:%d: line longer than %d bytes", name, n+1, maxLine)
		}
		return nil, fmt.Errorf("eval: %s: %w", name, err)
	}
	return cases, nil
}

func parseLine(line []byte) (Case, error) {
	var c Case
	if line[0] != '{' {
		if line[0] == '#' || bytes.HasPrefix(line, []byte("//")) {
			return c, errors.New("comments are not JSON: put the remark in the case's \"note\" field")
		}
		return c, errors.New(`want one JSON object, {"question": "...", "expect": ["key", ...]}`)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return c, errors.New("text after the JSON object: one case a line")
	}
	c.Question = strings.TrimSpace(c.Question)
	if c.Question == "" {
		return c, errors.New(`"question" is missing or empty`)
	}
	if c.Expect == nil {
		return c, errors.New(`"expect" is missing: list the document keys that answer the question, or [] for a question the data cannot answer`)
	}
	for i, k := range c.Expect {
		if strings.TrimSpace(k) == "" {
			return c, fmt.Errorf(`"expect"[%d] is empty`, i)
		}
		if k != strings.TrimSpace(k) {
			return c, fmt.Errorf(`"expect"[%d] %q has spaces around it: keys are matched exactly`, i, k)
		}
	}
	return c, nil
}

// Answerable reports whether the case expects a document; a case with "expect": []
// is a question the data cannot answer.
func (c Case) Answerable() bool { return len(c.Expect) > 0 }

// ReadFile reads an evaluation set from a file.
func ReadFile(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// MRRDepth is how deep reciprocal rank looks: a first hit below it counts 0.
const MRRDepth = 10

// Unknown is the dataset of a case that names none and whose expected documents
// were not found.
const Unknown = "unknown"

// Report is what an evaluation measured.
type Report struct {
	K        int         `json:"k"`
	Cases    int         `json:"cases"`
	Recall1  float64     `json:"recall_at_1"`
	Recall5  float64     `json:"recall_at_5"`
	Recall10 float64     `json:"recall_at_10"`
	RecallK  float64     `json:"recall_at_k"`
	MRR      float64     `json:"mrr"`
	Latency  Latency     `json:"latency"`
	Datasets []Breakdown `json:"datasets"`
	Tags     []Breakdown `json:"tags,omitempty"`
	Files    []Breakdown `json:"files,omitempty"`
	// Misses are the cases with no expected document among the top K, in file order.
	Misses []Miss `json:"misses"`
	// Results has every case's outcome, in file order, for comparing runs.
	Results []Result `json:"results"`
	// Unanswerable is how many cases expect no document ("expect": []): they are
	// not searched, and not in Cases or the figures.
	Unanswerable int `json:"unanswerable"`
	// Withheld is how many misses Withhold took out of the report.
	Withheld int `json:"withheld_misses,omitempty"`
}

// Withhold takes the questions out of the report (its misses, and the question of
// every result), keeping the figures: a held-out set is measured, never read, and a
// held-out question seen on a screen is no longer held out.
func (r *Report) Withhold() {
	r.Withheld += len(r.Misses)
	r.Misses = []Miss{}
	for i := range r.Results {
		r.Results[i].Question = ""
	}
}

// Latency summarises the time each Search took.
type Latency struct {
	P50 time.Duration `json:"-"`
	P95 time.Duration `json:"-"`
	Max time.Duration `json:"-"`
}

// MarshalJSON writes milliseconds, the unit people read latencies in.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return json.Marshal(struct {
		P50 float64 `json:"p50_ms"`
		P95 float64 `json:"p95_ms"`
		Max float64 `json:"max_ms"`
	}{ms(l.P50), ms(l.P95), ms(l.Max)})
}

// Breakdown is the figures of a subset of the cases: a dataset, tag or file.
type Breakdown struct {
	Name     string  `json:"name"`
	Cases    int     `json:"cases"`
	Recall1  float64 `json:"recall_at_1"`
	Recall5  float64 `json:"recall_at_5"`
	Recall10 float64 `json:"recall_at_10"`
	RecallK  float64 `json:"recall_at_k"`
	MRR      float64 `json:"mrr"`
}

// Result is the outcome of one case.
type Result struct {
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Question string   `json:"question"`
	Dataset  string   `json:"dataset"`
	Tags     []string `json:"tags,omitempty"`
	// Rank is the 1-based position of the first expected document among the
	// max(K, 10) results searched for; 0 when none of them was.
	Rank    int           `json:"rank"`
	Latency time.Duration `json:"latency_ns"`
}

// Miss is a case whose expected documents were not among the top K.
type Miss struct {
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Question string   `json:"question"`
	Expect   []string `json:"expect"`
	Dataset  string   `json:"dataset"`
	// Rank is where the first expected document was found below K, or 0.
	Rank int   `json:"rank"`
	Got  []Got `json:"got"`
}

// Got is one of the top results of a miss.
type Got struct {
	Dataset string  `json:"dataset"`
	Key     string  `json:"key"`
	Title   string  `json:"title"`
	Score   float64 `json:"score"`
}

// missTop is how many results a miss shows.
const missTop = 3

// Run searches every case's question with K = max(k, 10) and measures the results
// against the expected keys. A case's dataset, for the breakdown, is its own
// "dataset" field, else the dataset of the first expected document found, else
// Unknown. Cases that expect no document are skipped and counted in Unanswerable;
// there must be at least one that does. One untimed search of the first question
// warms up the searcher (lazy initialisation, connections) before the measured ones.
//
// A search error ends the run: a failing store is not a miss.
func Run(ctx context.Context, s retrieval.Searcher, given []Case, k int) (*Report, error) {
	if k < 1 {
		return nil, fmt.Errorf("eval: k %d: want at least 1", k)
	}
	if len(given) == 0 {
		return nil, errors.New("eval: no cases")
	}
	cases := make([]Case, 0, len(given))
	for _, c := range given {
		if c.Answerable() {
			cases = append(cases, c)
		}
	}
	unanswerable := len(given) - len(cases)
	if len(cases) == 0 {
		return nil, fmt.Errorf("eval: none of the %d cases expects a document: nothing for search to find", unanswerable)
	}
	depth := max(k, MRRDepth)
	if _, err := s.Search(ctx, retrieval.Query{Text: cases[0].Question, K: depth}); err != nil {
		return nil, fmt.Errorf("eval: %s: search: %w", cases[0].Where(), err)
	}
	r := &Report{K: k, Cases: len(cases), Unanswerable: unanswerable, Misses: []Miss{}, Results: make([]Result, 0, len(cases))}
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		hits, err := s.Search(ctx, retrieval.Query{Text: c.Question, K: depth})
		took := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("eval: %s: search %q: %w", c.Where(), c.Question, err)
		}
		res := Result{File: c.File, Line: c.Line, Question: c.Question, Dataset: c.Dataset, Tags: c.Tags, Latency: took}
		for i, h := range hits {
			if slices.Contains(c.Expect, h.Key) {
				res.Rank = i + 1
				if res.Dataset == "" {
					res.Dataset = h.Dataset
				}
				break
			}
		}
		res.Dataset = cmp.Or(res.Dataset, Unknown)
		r.Results = append(r.Results, res)
		if res.Rank == 0 || res.Rank > k {
			m := Miss{File: c.File, Line: c.Line, Question: c.Question, Expect: c.Expect, Dataset: res.Dataset, Rank: res.Rank, Got: []Got{}}
			for _, h := range hits[:min(missTop, len(hits))] {
				m.Got = append(m.Got, Got{Dataset: h.Dataset, Key: h.Key, Title: h.Title, Score: h.Score})
			}
			r.Misses = append(r.Misses, m)
		}
	}
	all := summarise("all", r.Results, k)
	r.Recall1, r.Recall5, r.Recall10, r.RecallK, r.MRR = all.Recall1, all.Recall5, all.Recall10, all.RecallK, all.MRR
	r.Latency = latency(r.Results)
	r.Datasets = breakdown(r.Results, k, func(res Result) []string { return []string{res.Dataset} })
	r.Tags = breakdown(r.Results, k, func(res Result) []string { return res.Tags })
	if files := breakdown(r.Results, k, func(res Result) []string { return []string{res.File} }); len(files) > 1 {
		r.Files = files
	}
	return r, nil
}

// summarise computes the figures of results.
func summarise(name string, results []Result, k int) Breakdown {
	b := Breakdown{Name: name, Cases: len(results)}
	if len(results) == 0 {
		return b
	}
	var r1, r5, r10, rk int
	var rr float64
	for _, res := range results {
		if res.Rank == 0 {
			continue
		}
		if res.Rank <= 1 {
			r1++
		}
		if res.Rank <= 5 {
			r5++
		}
		if res.Rank <= 10 {
			r10++
		}
		if res.Rank <= k {
			rk++
		}
		if res.Rank <= MRRDepth {
			rr += 1 / float64(res.Rank)
		}
	}
	n := float64(len(results))
	b.Recall1, b.Recall5, b.Recall10, b.RecallK, b.MRR = float64(r1)/n, float64(r5)/n, float64(r10)/n, float64(rk)/n, rr/n
	return b
}

// breakdown summarises the results by the groups keys puts each in, by name.
func breakdown(results []Result, k int, keys func(Result) []string) []Breakdown {
	groups := map[string][]Result{}
	for _, res := range results {
		for _, key := range keys(res) {
			if key != "" {
				groups[key] = append(groups[key], res)
			}
		}
	}
	out := make([]Breakdown, 0, len(groups))
	for name, rs := range groups {
		out = append(out, summarise(name, rs, k))
	}
	slices.SortFunc(out, func(a, b Breakdown) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// latency gives nearest-rank percentiles of the searches' durations.
func latency(results []Result) Latency {
	ds := make([]time.Duration, len(results))
	for i, r := range results {
		ds[i] = r.Latency
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return Latency{P50: at(0.50), P95: at(0.95), Max: ds[len(ds)-1]}
}
