package retrieval

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// TracerName names the spans of a search: children of the caller's span, made with
// its tracer provider (none when the caller traces nothing).
const TracerName = "github.com/civicbot/civicbot/retrieval"

// legNames name the leg kinds in traces.
var legNames = [...]string{
	LegDense:      "dense",
	LegAllTerms:   "all_terms",
	LegWeighted:   "weighted",
	LegDrugWords:  "drug_words",
	LegAppearance: "appearance",
	LegImprint:    "imprint",
	LegKey:        "key",
	LegTitle:      "title",
	LegName:       "name",
	LegSerial:     "serial",
}

// String names a leg kind.
func (k LegKind) String() string {
	if int(k) < len(legNames) && legNames[k] != "" {
		return legNames[k]
	}
	return "unknown"
}

// span starts a child of ctx's span. Attributes say what a step did (counts, kinds),
// never the question.
func span(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return trace.SpanFromContext(ctx).TracerProvider().Tracer(TracerName).Start(ctx, name, trace.WithAttributes(attrs...))
}

// legEvents records, on the candidates step's span, what each leg found: the legs of
// one store call share its round trips, so their times are the step's.
func legEvents(s trace.Span, legs []Leg, found [][]DocRef) {
	if !s.IsRecording() {
		return
	}
	for i, l := range legs {
		n := 0
		if i < len(found) {
			n = len(found[i])
		}
		s.AddEvent("leg", trace.WithAttributes(
			attribute.String("leg.kind", l.Kind.String()),
			attribute.Float64("leg.weight", l.Weight),
			attribute.Int("leg.found", n)))
	}
}
