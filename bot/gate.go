package bot

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

// The word-level gate (answerable, clearlyAhead, questionMatch) is a stack of hand
// thresholds. Where it declines, a logistic model over search's evidence for the best
// hit (gateFeatures) may still answer: a small model fitted on the development sets
// (TestFitGate in gate_fit_test.go writes gate.txt), whose threshold was chosen by
// cross-validation for precision. It sees no words, only measures of how the hit was
// found and how much of the question it holds, so it carries to questions phrased
// unlike the data as far as those measures do.

// gateFeatureNames name the features of gateFeatures, in order; gate.txt lists a
// weight for each, under the same names.
var gateFeatureNames = []string{
	"bias",
	"confidence",
	"evidence_strong", // key, title or name
	"evidence_all_terms",
	"evidence_terms",
	"evidence_meaning",
	"evidence_look", // imprint or appearance
	"log_lead",      // log of the best score over the next one's
	"score",
	"coverage_all",
	"coverage_about",
	"title_coverage_all",
	"confidence_lead", // over the next candidate's
	"title_share",     // TitleMatch: the title's share held by the question
	"question_share",  // TitleMatch: the question's share held by the title
	"subject_title_share",
	"subject_question_share",
	"dataset_drug",
	"dataset_myth",
	"dataset_article",
	"dataset_faq",
	"medicine",
	"english",
	"log_length", // log of the question's characters
}

// maxLogLead bounds log_lead: a hit with no other candidate is as far ahead as one
// with e times its score.
const maxLogLead = 1.0

// gateFeatures measures search's evidence for hits[0] as an answer to q: a medicine
// question if medicine.
func gateFeatures(q string, hits []retrieval.Hit, medicine bool) []float64 {
	h := hits[0]
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	has := func(kinds ...string) float64 {
		return b(slices.ContainsFunc(h.Evidence, func(e string) bool { return slices.Contains(kinds, e) }))
	}
	lead, confidenceLead := maxLogLead, h.Confidence
	if len(hits) > 1 && hits[1].Score > 0 && h.Score > 0 {
		lead = min(math.Log(h.Score/hits[1].Score), maxLogLead)
	}
	if len(hits) > 1 {
		confidenceLead = h.Confidence - hits[1].Confidence
	}
	all, about := retrieval.Coverage(q, h.Title+"\n"+h.Body, h.Title)
	tAll, _ := retrieval.Coverage(q, h.Title, h.Title)
	ts, qs := retrieval.TitleMatch(q, h.Title)
	sts, sqs := retrieval.SubjectMatch(q, h.Title)
	return []float64{
		1,
		h.Confidence,
		has(retrieval.EvidenceKey, retrieval.EvidenceTitle, retrieval.EvidenceName),
		has(retrieval.EvidenceAllTerms),
		has(retrieval.EvidenceTerms),
		has(retrieval.EvidenceMeaning),
		has(retrieval.EvidenceImprint, retrieval.EvidenceAppearance),
		lead,
		h.Score,
		all, about, tAll, confidenceLead,
		ts, qs, sts, sqs,
		b(h.Dataset == corpus.DatasetDrug),
		b(h.Dataset == corpus.DatasetMyth),
		b(h.Dataset == corpus.DatasetArticle),
		b(h.Dataset == corpus.DatasetCityFAQ),
		b(medicine),
		b(isEnglish(q)),
		math.Log(float64(1 + utf8.RuneCountInString(q))),
	}
}

// gateModel is a logistic model over gateFeatures: weights in their order, the least
// probability at which a best hit is answered whatever the word-level gate says
// (accept), and the probability under which one that gate accepts is declined (veto).
type gateModel struct {
	weights      []float64
	accept, veto float64
}

// prob is the model's probability that the best hit answers.
func (m gateModel) prob(x []float64) float64 {
	z := 0.0
	for i, w := range m.weights {
		z += w * x[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// A gateVerdict is the model's word on a best hit.
type gateVerdict int

const (
	gateRules   gateVerdict = iota // the word-level gate decides
	gateAnswer                     // answered from it
	gateDecline                    // declined
)

// decide is the model's verdict on hits[0] as the answer to q, a medicine question if
// medicine, which the word-level gate accepts if rules. The model decides only of a
// passage (a myth, an article, a FAQ) found without a key, title, name or every term
// of the question: a licence is answered by its name (answerable), and a passage that
// holds every term by the rules. A city FAQ never answers a medicine question.
func (m gateModel) decide(q string, hits []retrieval.Hit, medicine, rules bool) gateVerdict {
	if !inModelRegion(hits[0], medicine) {
		return gateRules
	}
	switch p := m.prob(gateFeatures(q, hits, medicine)); {
	case p >= m.accept:
		return gateAnswer
	case rules && p < m.veto:
		return gateDecline
	}
	return gateRules
}

// modelRegionEvidence is evidence of a hit the rules alone decide on.
var modelRegionEvidence = []string{retrieval.EvidenceAllTerms, retrieval.EvidenceKey, retrieval.EvidenceTitle, retrieval.EvidenceName}

// inModelRegion reports whether the model decides of h (decide).
func inModelRegion(h retrieval.Hit, medicine bool) bool {
	return h.Confidence > 0 && h.Dataset != corpus.DatasetDrug && !(medicine && h.Dataset == corpus.DatasetCityFAQ) &&
		!slices.ContainsFunc(h.Evidence, func(e string) bool { return slices.Contains(modelRegionEvidence, e) })
}

//go:embed gate.txt
var gateFile string

// gateModelFile is the model of gate.txt, read and checked when the program starts.
var gateModelFile = parseGate("gate.txt", gateFile)

// parseGate reads a model: comment lines (#) and blank lines, then «accept p», «veto
// p» and one «feature weight» line for each of gateFeatureNames, in their order. It
// panics on anything else: the model is part of the program.
func parseGate(name, text string) gateModel {
	m := gateModel{accept: -1, veto: -1}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			panic(fmt.Sprintf("bot: %s:%d: want a name and a number, got %q", name, i+1, line))
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("bot: %s:%d: %q is not a number", name, i+1, f[1]))
		}
		switch {
		case f[0] == "accept" || f[0] == "veto":
			p := &m.accept
			if f[0] == "veto" {
				p = &m.veto
			}
			if *p >= 0 || v < 0 || v > 1 {
				panic(fmt.Sprintf("bot: %s:%d: want one %s, a probability", name, i+1, f[0]))
			}
			*p = v
		case len(m.weights) < len(gateFeatureNames) && f[0] == gateFeatureNames[len(m.weights)]:
			m.weights = append(m.weights, v)
		default:
			panic(fmt.Sprintf("bot: %s:%d: %q: want the weight of %q", name, i+1, f[0], nextName(m.weights)))
		}
	}
	if m.accept < 0 || m.veto < 0 || m.veto > m.accept || len(m.weights) != len(gateFeatureNames) {
		panic(fmt.Sprintf("bot: %s: want accept ≥ veto and %d weights, got accept %v, veto %v, %d weights", name, len(gateFeatureNames), m.accept, m.veto, len(m.weights)))
	}
	return m
}

func nextName(weights []float64) string {
	if len(weights) < len(gateFeatureNames) {
		return gateFeatureNames[len(weights)]
	}
	return "nothing more"
}
