package bot

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracerName is the instrumentation scope of the engine's spans.
const TracerName = "github.com/civicbot/civicbot/bot"

// Span names of an answer: one trace per answer, its steps as children. Attributes say
// what was done (the triage kind, how many hits, the mode), never what was asked.
const (
	SpanAnswer   = "answer"
	SpanTriage   = "triage"
	SpanSearch   = "search"
	SpanLLM      = "llm"
	SpanSaveTurn = "store.save_turn"
)

// Attribute keys.
const (
	attrChannel  = attribute.Key("civicbot.channel")
	attrMode     = attribute.Key("civicbot.mode")
	attrTriage   = attribute.Key("civicbot.triage")
	attrHits     = attribute.Key("civicbot.hits")
	attrFiltered = attribute.Key("civicbot.filtered")
	attrSources  = attribute.Key("civicbot.sources")
	attrRedacted = attribute.Key("civicbot.redacted")
	attrFallback = attribute.Key("civicbot.fallback")
	attrSaved    = attribute.Key("civicbot.saved")
	// attrRestated is what came of restating a declined question: "answered",
	// "declined" or "failed" (the model gave no usable restatement).
	attrRestated = attribute.Key("civicbot.restated")
)

func tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return tp.Tracer(TracerName)
}
