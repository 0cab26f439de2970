package bot_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// outcomeCase is a question with the documents that answer it; none for a question the
// bundled data cannot answer, which must be declined.
type outcomeCase struct {
	Question string   `json:"question"`
	Expect   []string `json:"expect"`
	Dataset  string   `json:"dataset"`
	Tags     []string `json:"tags"`
	// Set is the name of the file it was read from, without .jsonl.
	Set string `json:"-"`
}

func readCases(t *testing.T, pattern string) []outcomeCase {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s: %v", pattern, err)
	}
	var out []outcomeCase
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var c outcomeCase
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			c.Set = strings.TrimSuffix(filepath.Base(f), ".jsonl")
			out = append(out, c)
		}
		fh.Close()
	}
	return out
}

// outcome is what a citizen got for a question that the bundled data answers.
type outcome int

const (
	outcomeRight    outcome = iota // answered, the first source a right document
	outcomeAmong                   // answered, a right document among the other sources
	outcomeWrong                   // answered from no right document
	outcomeDeclined                // no answer or a refusal
)

// offers tallies what declined answers offered (bot.Suggestion): of the answerable
// questions declined, how many were offered a right record and how many only others;
// of the questions the data cannot answer that were declined, how many were offered
// anything (noise a citizen has to read past).
type offers struct {
	declined, right, others    int
	unanswerable, unansOffered int
}

func (o *offers) add(a bot.Answer, expect []string) {
	if !isDeclined(a) {
		return
	}
	offered := len(a.Suggestions) > 0
	if len(expect) == 0 {
		o.unanswerable++
		if offered {
			o.unansOffered++
		}
		return
	}
	o.declined++
	switch {
	case slices.ContainsFunc(a.Suggestions, func(s bot.Suggestion) bool { return slices.Contains(expect, s.Key) }):
		o.right++
	case offered:
		o.others++
	}
}

func (o offers) String() string {
	return fmt.Sprintf("declined %d: a right record offered %d, only others %d; declined without a source %d: something offered %d",
		o.declined, o.right, o.others, o.unanswerable, o.unansOffered)
}

func isDeclined(a bot.Answer) bool {
	return a.Mode == conversation.ModeNoAnswer || a.Mode == conversation.ModeRefusal
}

func outcomeOf(a bot.Answer, expect []string) outcome {
	switch {
	case isDeclined(a):
		return outcomeDeclined
	case len(a.Sources) > 0 && slices.Contains(expect, a.Sources[0].Key):
		return outcomeRight
	case slices.ContainsFunc(a.Sources, func(s conversation.Source) bool { return slices.Contains(expect, s.Key) }):
		return outcomeAmong
	}
	return outcomeWrong
}

// TestAnswerOutcomes measures what citizens get, not what search finds: of the
// evaluation questions, how many are answered from a right document, answered from a
// wrong one, or declined; and of questions the bundled data cannot answer, how many
// are declined rather than answered from noise. A wrong answer about a medicine is the
// failure that matters most, so its share has a ceiling.
func TestAnswerOutcomes(t *testing.T) {
	onBothStores(t, answerOutcomes)
}

func answerOutcomes(t *testing.T, e *bot.Engine) {
	ask := func(q string) bot.Answer {
		a, err := e.Ask(context.Background(), bot.Request{Message: q}, nil)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		return a
	}
	var right, near, wrong, declined int
	var offered offers
	answerable := readCases(t, "../testdata/eval/*.jsonl")
	for _, c := range answerable {
		a := ask(c.Question)
		offered.add(a, c.Expect)
		switch outcomeOf(a, c.Expect) {
		case outcomeDeclined:
			declined++
			t.Logf("declined: %q", c.Question)
		case outcomeRight:
			right++
		case outcomeAmong:
			near++
		default:
			wrong++
			first := ""
			if len(a.Sources) > 0 {
				first = a.Sources[0].Title
			}
			t.Logf("wrong: %q answered from %q (%s)", c.Question, first, a.Mode)
		}
	}
	unanswerable := readCases(t, "testdata/declined.jsonl")
	answered := 0
	for _, c := range unanswerable {
		a := ask(c.Question)
		offered.add(a, nil)
		if !isDeclined(a) {
			answered++
			first := ""
			if len(a.Sources) > 0 {
				first = a.Sources[0].Title
			}
			t.Logf("answered without a source: %q from %q (%s)", c.Question, first, a.Mode)
		}
	}
	n := float64(len(answerable))
	// Floors below the measured figures, with room for the approximate search. Issue 15's
	// third round added 128 questions phrased as citizens talk and 30 questions the data
	// cannot answer close to what it does answer. On the 404 and 51 with its changes:
	// right 0.817 + 0.072 among the sources, wrong 0.040, 9 of 51 answered without a
	// source (main's code on the same questions: 0.765 + 0.072, wrong 0.040, 10 of 51;
	// on the 276 and 21 before them: 0.826 + 0.065, wrong 0.011, none). Its fifth round
	// (siblings ordered by the title match): 0.827 + 0.069, wrong 0.030, 9 of 51.
	// Its eighth round added english.jsonl (25 English questions, on which the glossary
	// alone answered few): 0.818 + 0.068, wrong 0.021, 10 of 51. Its tenth round (the
	// questions citizens ask each record in, ingest/asked, and asksAlike), on 430:
	// 0.909 + 0.060, wrong 0.019, declined 0.012, 8 of 51.
	if r := float64(right+near) / n; r < 0.875 {
		t.Errorf("answered from a right document: %.3f, want ≥ 0.875", r)
	}
	if w := float64(wrong) / n; w > 0.04 {
		t.Errorf("answered from a wrong document: %.3f, want ≤ 0.04", w)
	}
	if answered > 9 {
		t.Errorf("%d of %d questions without a source were answered, want ≤ 9", answered, len(unanswerable))
	}
	t.Logf("answerable %d: right %.3f, right among the sources %.3f, wrong %.3f, declined %.3f; unanswerable %d: answered %d",
		len(answerable), float64(right)/n, float64(near)/n, float64(wrong)/n, float64(declined)/n, len(unanswerable), answered)
	t.Logf("offered with declined answers: %v", offered)
	unlikeOutcomes(t, ask)
}

// unlikeOutcomes measures the answer layer on development questions phrased unlike the
// data, apart from the sets it was tuned on (they live in testdata beside declined.jsonl
// rather than in testdata/eval, whose sets are retrieval's too and whose floors are per
// file): the gate's false declines and its false answers, and with "expect": [],
// questions near the data's topics that it cannot answer. It lists what failed: these
// are development questions.
//
// unlike.jsonl was written for issue 15's sixth round from randomly drawn records in
// words unlike the records' own (self-introductions, everyday words, English,
// Simplified Chinese). Measured when it was written (embedded store): right 0.646,
// among 0.092, wrong 0.092, declined 0.169 of 65; 9 of 20 without a source answered.
// With a brand held whole (namesBrand), both stores: right 0.662, declined 0.154.
//
// formerheldout.jsonl is the first held-out set's 123 city-service questions, read in
// issue 15's tenth round and so development questions since (the held-out README):
// right 0.463 + 0.041 among, wrong 0.081, declined 0.415 when it was read; with the
// questions citizens ask each record in (ingest/asked), right 0.797 + 0.098, wrong 0.016.
func unlikeOutcomes(t *testing.T, ask func(string) bot.Answer) {
	for _, set := range []struct {
		file   string
		floors unlikeFloors
	}{
		{"testdata/unlike.jsonl", unlikeFloors{rightOrAmong: 0.73, wrong: 0.11, unanswerableAnswered: 10}},
		{"testdata/formerheldout.jsonl", unlikeFloors{rightOrAmong: 0.87, wrong: 0.03}},
	} {
		unlikeSetOutcomes(t, ask, set.file, set.floors)
	}
}

func unlikeSetOutcomes(t *testing.T, ask func(string) bot.Answer, file string, floors unlikeFloors) {
	var n, unanswerable, answered int
	counts := map[outcome]int{}
	var offered offers
	for _, c := range readCases(t, file) {
		a := ask(c.Question)
		offered.add(a, c.Expect)
		if len(c.Expect) == 0 {
			unanswerable++
			if !isDeclined(a) {
				answered++
				t.Logf("%s: answered without a source: %q from %q (%s)", file, c.Question, firstSource(a), a.Mode)
			}
			continue
		}
		n++
		o := outcomeOf(a, c.Expect)
		counts[o]++
		switch o {
		case outcomeDeclined:
			t.Logf("%s: declined: %q", file, c.Question)
		case outcomeWrong:
			t.Logf("%s: wrong: %q answered from %q (%s)", file, c.Question, firstSource(a), a.Mode)
		}
	}
	share := func(o outcome) float64 { return float64(counts[o]) / float64(max(n, 1)) }
	t.Logf("%s, answerable %d: right %.3f, right among the sources %.3f, wrong %.3f, declined %.3f; unanswerable %d: answered %d",
		file, n, share(outcomeRight), share(outcomeAmong), share(outcomeWrong), share(outcomeDeclined), unanswerable, answered)
	t.Logf("%s, offered with declined answers: %v", file, offered)
	if r := share(outcomeRight) + share(outcomeAmong); r < floors.rightOrAmong {
		t.Errorf("%s: answered from a right document %.3f, want ≥ %.2f", file, r, floors.rightOrAmong)
	}
	if w := share(outcomeWrong); w > floors.wrong {
		t.Errorf("%s: answered from a wrong document %.3f, want ≤ %.2f", file, w, floors.wrong)
	}
	if answered > floors.unanswerableAnswered {
		t.Errorf("%s: %d of %d questions without a source answered, want ≤ %d", file, answered, unanswerable, floors.unanswerableAnswered)
	}
}

// firstSource is the title of an answer's first source, or "".
func firstSource(a bot.Answer) string {
	if len(a.Sources) == 0 {
		return ""
	}
	return a.Sources[0].Title
}

// unlikeFloors are the floors of one set of unlikeOutcomes, just below what was measured.
type unlikeFloors struct {
	rightOrAmong, wrong  float64
	unanswerableAnswered int
}

// heldoutFloors are the regression floors of TestAnswerOutcomesHeldOut: just below, or
// above for the ceilings, what was measured (in the comments), so that a regression
// fails without their being something to tune to. The city-service questions were
// replaced in issue 15's tenth round by 110 new ones and 15 more the data cannot
// answer (the held-out README); on main's code then (6363e8a) the set gave right
// 0.667 + 0.037 among, wrong 0.067, declined 0.230, services 0.418 + 0.064, 5 of 49
// answered without a source. With the questions citizens ask each record in
// (ingest/asked, asksAlike), the figures in the comments. Raise them only when a change
// has raised the measured figures for good.
var heldoutFloors = struct {
	rightOrAmong         float64            // all answerable questions
	rightOrAmongBy       map[string]float64 // by kind: services, medicines
	wrong                float64            // ceiling, all answerable questions
	unanswerableAnswered float64            // ceiling, share of the questions the data cannot answer
}{
	rightOrAmong:         0.89,                                                    // 0.907 (right 0.863, among 0.044)
	rightOrAmongBy:       map[string]float64{"services": 0.86, "medicines": 0.90}, // 0.882, 0.925
	wrong:                0.045,                                                   // 0.037
	unanswerableAnswered: 0.16,                                                    // 0.143: 7 of 49
}

// TestAnswerOutcomesHeldOut measures what citizens get on the frozen held-out set
// (testdata/eval/heldout and its README), the figures to report beside
// TestAnswerOutcomes' development ones: of the answerable questions, the share
// answered from a right document first, from one among the sources, from a wrong one,
// and declined; of the questions the data cannot answer, the share answered anyway.
// It logs them overall, by set (services, pills, drugs, myths), by kind (city services,
// medicines), by dataset and by tag, but never which questions failed: a held-out
// question that is looked at is held out no longer.
func TestAnswerOutcomesHeldOut(t *testing.T) {
	s := pgtest.Bundled(t)
	e, err := bot.New(bot.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ n, right, among, wrong, declined int }
	rows := map[string]*row{}
	count := func(group string, o outcome) {
		r := rows[group]
		if r == nil {
			r = &row{}
			rows[group] = r
		}
		r.n++
		switch o {
		case outcomeRight:
			r.right++
		case outcomeAmong:
			r.among++
		case outcomeWrong:
			r.wrong++
		case outcomeDeclined:
			r.declined++
		}
	}
	type unanswerableRow struct{ n, answered int }
	unanswerable := map[string]*unanswerableRow{}
	offered := map[string]*offers{}
	for _, c := range readCases(t, "../testdata/eval/heldout/*.jsonl") {
		a, err := e.Ask(context.Background(), bot.Request{Message: c.Question}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.Set, err)
		}
		k := heldoutKind(c)
		for _, g := range []string{"all", k} {
			if offered[g] == nil {
				offered[g] = &offers{}
			}
			offered[g].add(a, c.Expect)
		}
		if len(c.Expect) == 0 {
			for _, g := range []string{"all", k} {
				if unanswerable[g] == nil {
					unanswerable[g] = &unanswerableRow{}
				}
				unanswerable[g].n++
				if !isDeclined(a) {
					unanswerable[g].answered++
				}
			}
			continue
		}
		o := outcomeOf(a, c.Expect)
		count("all", o)
		count("set "+c.Set, o)
		count("kind "+k, o)
		count("dataset "+c.Dataset, o)
		for _, tag := range c.Tags {
			count("tag "+tag, o)
		}
	}
	if rows["all"] == nil || unanswerable["all"] == nil {
		t.Fatalf("the held-out set has no answerable or no unanswerable questions: %v, %v", rows, unanswerable)
	}

	share := func(n, of int) float64 { return float64(n) / float64(max(of, 1)) }
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "group\tcases\tright\tamong\tright+among\twrong\tdeclined\t")
	groups := slices.Sorted(maps.Keys(rows))
	slices.SortStableFunc(groups, func(a, b string) int { return cmp.Compare(heldoutGroupRank(a), heldoutGroupRank(b)) })
	for _, g := range groups {
		r := rows[g]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", g, r.n, share(r.right, r.n), share(r.among, r.n),
			share(r.right+r.among, r.n), share(r.wrong, r.n), share(r.declined, r.n))
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
	fmt.Fprintln(tw, "questions the data cannot answer\tcases\tanswered\t\t\t\t\t")
	for _, g := range slices.Sorted(maps.Keys(unanswerable)) {
		u := unanswerable[g]
		fmt.Fprintf(tw, "%s\t%d\t%d (%.3f)\t\t\t\t\t\n", g, u.n, u.answered, share(u.answered, u.n))
	}
	tw.Flush()
	for _, g := range slices.Sorted(maps.Keys(offered)) {
		fmt.Fprintf(&b, "offered with declined answers, %s: %v\n", g, *offered[g])
	}
	t.Logf("held-out answer outcomes:\n%s", b.String())

	all := rows["all"]
	if r := share(all.right+all.among, all.n); r < heldoutFloors.rightOrAmong {
		t.Errorf("held-out: answered from a right document %.3f, want ≥ %.2f", r, heldoutFloors.rightOrAmong)
	}
	for k, floor := range heldoutFloors.rightOrAmongBy {
		if r := rows["kind "+k]; r == nil || share(r.right+r.among, r.n) < floor {
			t.Errorf("held-out %s: answered from a right document below %.2f (%+v)", k, floor, r)
		}
	}
	if w := share(all.wrong, all.n); w > heldoutFloors.wrong {
		t.Errorf("held-out: answered from a wrong document %.3f, want ≤ %.2f", w, heldoutFloors.wrong)
	}
	if u := unanswerable["all"]; share(u.answered, u.n) > heldoutFloors.unanswerableAnswered {
		t.Errorf("held-out: %d of %d questions the data cannot answer were answered, want ≤ %.2f of them", u.answered, u.n, heldoutFloors.unanswerableAnswered)
	}
}

// heldoutKind is "services" for a city-service question and "medicines" for one about
// drugs, pills, myths or articles; a question the data cannot answer says which in its
// tags.
func heldoutKind(c outcomeCase) string {
	switch {
	case c.Dataset == corpus.DatasetCityFAQ, len(c.Expect) == 0 && slices.Contains(c.Tags, "service"):
		return "services"
	}
	return "medicines"
}

// heldoutGroupRank orders the table: all, then the sets, the kinds, the datasets and
// the tags.
func heldoutGroupRank(g string) int {
	for i, prefix := range []string{"all", "set ", "kind ", "dataset ", "tag "} {
		if strings.HasPrefix(g, prefix) {
			return i
		}
	}
	return 5
}
