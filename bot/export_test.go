package bot

import "github.com/civicbot/civicbot/retrieval"

// GateSample is what the gate saw of one question: the search's hits, whether it
// was a medicine question, whether the word-level gate accepted the best hit, whether
// the model decides of it, and the model's features.
type GateSample struct {
	Query    string
	Hits     []retrieval.Hit
	Medicine bool
	Rules    bool
	Region   bool
	Features []float64
}

// ProbeGate calls f with every question the engine's gate decides on.
func ProbeGate(e *Engine, f func(GateSample)) {
	e.gateProbe = func(q string, hits []retrieval.Hit, medicine, rules bool) {
		f(GateSample{Query: q, Hits: hits, Medicine: medicine, Rules: rules, Region: inModelRegion(hits[0], medicine), Features: gateFeatures(q, hits, medicine)})
	}
}

// GateFeatureNames are the names of the model's features, in order.
var GateFeatureNames = gateFeatureNames

// ParseGate reads a model as gate.txt is read and returns its accept and veto
// probabilities and its weights; it panics on a bad one.
func ParseGate(text string) (accept, veto float64, weights []float64) {
	m := parseGate("test", text)
	return m.accept, m.veto, m.weights
}
