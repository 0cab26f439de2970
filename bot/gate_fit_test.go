package bot_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/store/memstore/memtest"
)

var fitGate = flag.Bool("fitgate", false, "fit the gate's model on the development sets and rewrite gate.txt")

// gateSample is one decision of the gate on a development question the model
// decides of (gate.go's inModelRegion): its features, whether the best hit is a right
// record (the label), whether the word-level gate accepted it, and the question it
// came from.
type gateSample struct {
	x        []float64
	right    bool
	rules    bool
	question int
	noSource bool // the question has no source: any answer is wrong
}

// gateSamples asks every development question (testdata/eval, declined.jsonl,
// unlike.jsonl) of an engine on the bundled embedded store and records what the gate
// saw each time it decided of a hit in the model's region: a right first hit is a
// positive, a wrong one or any hit of a question without a source a negative. It
// returns them and the number of questions.
func gateSamples(t *testing.T) ([]gateSample, int) {
	e, err := bot.New(bot.Config{Store: memtest.Bundled(t)})
	if err != nil {
		t.Fatal(err)
	}
	cases := append(readCases(t, "../testdata/eval/*.jsonl"), readCases(t, "testdata/declined.jsonl")...)
	cases = append(cases, readCases(t, "testdata/unlike.jsonl")...)
	var out []gateSample
	var current int
	bot.ProbeGate(e, func(s bot.GateSample) {
		if !s.Region {
			return
		}
		c := cases[current]
		out = append(out, gateSample{
			x:        s.Features,
			right:    slices.Contains(c.Expect, s.Hits[0].Key),
			rules:    s.Rules,
			question: current,
			noSource: len(c.Expect) == 0,
		})
	})
	for i, c := range cases {
		current = i
		if _, err := e.Ask(context.Background(), bot.Request{Message: c.Question}, nil); err != nil {
			t.Fatalf("%q: %v", c.Question, err)
		}
	}
	return out, len(cases)
}

// fitLogistic fits a logistic regression by Newton's method with an L2 penalty lambda
// on every weight but the first (the bias), on features standardised for the fit; the
// weights returned apply to the raw features.
func fitLogistic(xs [][]float64, ys []bool, lambda float64) []float64 {
	d := len(xs[0])
	mean, scale := make([]float64, d), make([]float64, d)
	for j := 1; j < d; j++ {
		for _, x := range xs {
			mean[j] += x[j]
		}
		mean[j] /= float64(len(xs))
		for _, x := range xs {
			scale[j] += (x[j] - mean[j]) * (x[j] - mean[j])
		}
		scale[j] = math.Sqrt(scale[j] / float64(len(xs)))
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	z := func(x []float64) []float64 {
		out := make([]float64, d)
		out[0] = 1
		for j := 1; j < d; j++ {
			out[j] = (x[j] - mean[j]) / scale[j]
		}
		return out
	}
	zs := make([][]float64, len(xs))
	for i, x := range xs {
		zs[i] = z(x)
	}
	w := make([]float64, d)
	for iter := 0; iter < 50; iter++ {
		grad := make([]float64, d)
		hess := make([][]float64, d)
		for j := range hess {
			hess[j] = make([]float64, d)
		}
		for i, x := range zs {
			p := sigmoid(dot(w, x))
			y := 0.0
			if ys[i] {
				y = 1
			}
			for j := range d {
				grad[j] += (p - y) * x[j]
				for k := range d {
					hess[j][k] += p * (1 - p) * x[j] * x[k]
				}
			}
		}
		for j := 1; j < d; j++ {
			grad[j] += lambda * w[j]
			hess[j][j] += lambda
		}
		hess[0][0] += 1e-9
		step := solve(hess, grad)
		change := 0.0
		for j := range d {
			w[j] -= step[j]
			change = max(change, math.Abs(step[j]))
		}
		if change < 1e-9 {
			break
		}
	}
	// Back to the raw features: w·z(x) = Σ w_j (x_j − m_j)/s_j + w_0.
	raw := make([]float64, d)
	raw[0] = w[0]
	for j := 1; j < d; j++ {
		raw[j] = w[j] / scale[j]
		raw[0] -= w[j] * mean[j] / scale[j]
	}
	return raw
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve solves a x = b by Gaussian elimination with partial pivoting (a is positive
// definite here).
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(slices.Clone(a[i]), b[i])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

// gateFolds is the number of folds of the cross-validation; gateLambda the L2 penalty.
const (
	gateFolds  = 5
	gateLambda = 1.0
)

// crossValidated returns each sample's probability by a model fitted on the folds
// without its question (questions are dealt to folds at random, with a fixed seed).
func crossValidated(samples []gateSample, questions int) []float64 {
	fold := rand.New(rand.NewPCG(15, 7)).Perm(questions)
	out := make([]float64, len(samples))
	for f := range gateFolds {
		var xs [][]float64
		var ys []bool
		for _, s := range samples {
			if fold[s.question]%gateFolds != f {
				xs, ys = append(xs, s.x), append(ys, s.right)
			}
		}
		w := fitLogistic(xs, ys, gateLambda)
		for i, s := range samples {
			if fold[s.question]%gateFolds == f {
				out[i] = sigmoid(dot(w, s.x))
			}
		}
	}
	return out
}

// count is how many of the samples (by cross-validated probability) with rules as
// given have a probability in [lo, hi): right first hits, wrong ones of questions
// with a source, and of questions without one.
func count(samples []gateSample, prob []float64, rules bool, lo, hi float64) (right, wrong, noSource int) {
	for i, s := range samples {
		if s.rules != rules || prob[i] < lo || prob[i] >= hi {
			continue
		}
		switch {
		case s.right:
			right++
		case s.noSource:
			noSource++
		default:
			wrong++
		}
	}
	return right, wrong, noSource
}

// TestFitGate fits the gate's model (gate.go) on the development sets and, with
// -fitgate, rewrites gate.txt. Both thresholds are chosen on 5-fold cross-validated
// probabilities (by question). accept: the lowest, from 1 down by 0.01, above which
// the hits the word-level gate declines would be answered at most 2% wrong and never
// for a question without a source. veto: the highest, from 0 up by 0.05, under which
// the hits it accepts are wrong (or without a source) at least twice as often as
// right: a wrong answer costs more than a decline.
func TestFitGate(t *testing.T) {
	if !*fitGate {
		t.Skip("run with -fitgate to fit the gate's model")
	}
	samples, questions := gateSamples(t)
	prob := crossValidated(samples, questions)
	accept := 1.0
	for th := 1.0; th >= 0.5; th -= 0.01 {
		th = math.Round(th*100) / 100
		right, wrong, noSource := count(samples, prob, false, th, 2)
		t.Logf("accept %.2f: answers %d right first hits the rules decline, %d wrong, %d without a source", th, right, wrong, noSource)
		if noSource > 0 || float64(wrong) > 0.02*float64(right+wrong) {
			break
		}
		accept = th
	}
	veto := 0.0
	for th := 0.05; th <= 0.9; th += 0.05 {
		th = math.Round(th*100) / 100
		right, wrong, noSource := count(samples, prob, true, -1, th)
		t.Logf("veto %.2f: declines %d right first hits the rules accept, %d wrong, %d without a source", th, right, wrong, noSource)
		if wrong+noSource >= 2*right {
			veto = th
		}
	}
	veto = min(veto, accept)
	rr, rw, rn := count(samples, prob, true, -1, 2)
	dr, dw, dn := count(samples, prob, false, -1, 2)
	ar, aw, an := count(samples, prob, false, accept, 2)
	vr, vw, vn := count(samples, prob, true, -1, veto)
	t.Logf("%d decisions on %d questions: the rules accept %d right, %d wrong, %d without a source; decline %d, %d, %d",
		len(samples), questions, rr, rw, rn, dr, dw, dn)
	t.Logf("accept %.2f: %d, %d, %d more answered; veto %.2f: %d, %d, %d declined", accept, ar, aw, an, veto, vr, vw, vn)
	for _, th := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
		r1, w1, n1 := count(samples, prob, true, th, 2)
		r2, w2, n2 := count(samples, prob, false, th, 2)
		t.Logf("the model in place of the rules at %.2f answers %d right, %d wrong, %d without a source (the rules: %d, %d, %d)",
			th, r1+r2, w1+w2, n1+n2, rr, rw, rn)
	}

	var xs [][]float64
	var ys []bool
	for _, s := range samples {
		xs, ys = append(xs, s.x), append(ys, s.right)
	}
	w := fitLogistic(xs, ys, gateLambda)
	commit, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# The gate's logistic model (gate.go): weights of gateFeatures, in their order; a
# passage found without a key, title, name or every term is answered from a
# probability of accept, and declined under veto when the word-level gate accepts it.
# Written by TestFitGate (go test ./bot -run TestFitGate -fitgate); do not edit by hand.
# Fitted at commit %s on the development sets only: testdata/eval/*.jsonl,
# bot/testdata/declined.jsonl, bot/testdata/unlike.jsonl, embedded store. %d gate
# decisions in the model's region, of %d questions: the rules accepted %d right first
# hits, %d wrong and %d of questions without a source, and declined %d, %d, %d.
# Label: the first hit is a right record. L2 penalty %.1f on standardised features.
# %d-fold cross-validation by question: from accept, %d right, %d wrong and %d without
# a source more answered; under veto, %d right, %d wrong, %d without a source declined.
accept %.2f
veto %.2f
`, strings.TrimSpace(string(commit)), len(samples), questions, rr, rw, rn, dr, dw, dn,
		gateLambda, gateFolds, ar, aw, an, vr, vw, vn, accept, veto)
	for i, name := range bot.GateFeatureNames {
		fmt.Fprintf(&b, "%s %.6g\n", name, w[i])
	}
	if err := os.WriteFile("gate.txt", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote gate.txt:\n%s", b.String())
}
