package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civicbot/civicbot/bot/redact"
	"github.com/civicbot/civicbot/bot/triage"
	"github.com/civicbot/civicbot/contact"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/prompts"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tmc/langchaingo/llms"
	"go.opentelemetry.io/otel/codes"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// ErrEmptyMessage is returned for a message with nothing to answer.
var ErrEmptyMessage = errors.New("bot: the message is empty")

// MaxMessageRunes caps a message; channels refuse longer ones before asking.
const MaxMessageRunes = 1000

// Config configures an Engine.
type Config struct {
	Store Store
	// Searcher, when set, is searched instead of Store (a retrieval.SearchCache in
	// front of it).
	Searcher retrieval.Searcher
	// LLM writes answers when set; nil means extractive answers only.
	LLM llms.Model
	Log *slog.Logger
	// Retention is how long conversation turns are kept and remembered (default 30 days).
	Retention time.Duration
	// NoQueryRewrite turns off, with an LLM, the restatement of a declined question
	// in the words an official record would use, searched once more (the default
	// restates it; without an LLM nothing is restated).
	NoQueryRewrite bool
	// LLMTimeout bounds a generated answer (default 30s); past it the extractive
	// answer is served.
	LLMTimeout time.Duration
	// CuratedThreshold is the similarity from which a question matches a curated
	// answer's question (0..1, default 0.8).
	CuratedThreshold float64
	// StoreTimeout bounds each call to the store while answering (default 3s): past
	// it the citizen gets the friendly error with 1999, not a spinner.
	StoreTimeout time.Duration
	// AnswerTimeout bounds a whole turn (default LLMTimeout + 4 × StoreTimeout).
	AnswerTimeout time.Duration
	// MaxSearches is how many searches run at once (0: no bound); the others wait
	// their turn, at most StoreTimeout, before their own StoreTimeout starts. A store
	// with a pool of connections serves no more at once: past it, searches queued
	// inside the store ran out of their deadline half done, and the work done for
	// them was lost (300 streams on PostgreSQL: 3 answers a second).
	MaxSearches int
	// Allow is the allow-list of phone numbers and links answers may carry; nil
	// means contact.Default().
	Allow *contact.List
	Now   func() time.Time
	// TracerProvider records a trace per answer (OpenTelemetry); nil records none.
	TracerProvider oteltrace.TracerProvider
}

// Engine answers messages. It is safe for concurrent use.
type Engine struct {
	store     Store
	searcher  retrieval.Searcher // Store, or a cache in front of it
	llm       llms.Model
	restates  bool // a declined question is restated by the LLM and searched again
	log       *slog.Logger
	retention time.Duration
	timeout   time.Duration
	threshold float64
	allow     *contact.List
	now       func() time.Time
	tracer    oteltrace.Tracer

	storeTimeout  time.Duration
	answerTimeout time.Duration
	searchSlots   chan struct{} // one token a search under way; nil: no bound

	curatedMu      sync.Mutex
	curated        []conversation.Curated
	curatedLoaded  time.Time
	curatedRefresh chan struct{} // closed when the refresh under way ends; nil when none is
	curatedAgain   bool          // the curated answers changed during the refresh under way
	stopWatch      func()        // stops watching the store for curated changes; nil when not

	// Work that outlives a request (saving an emergency turn, refreshing the curated
	// answers) runs under bg and is waited for by Close.
	bg       context.Context
	bgCancel context.CancelFunc
	bgWork   sync.WaitGroup

	// Counters for /metrics.
	Stats Stats
}

// Stats counts what the engine did.
type Stats struct {
	Answers       [6]atomic.Int64 // by mode, in the order of modes
	CheckFailures atomic.Int64
	LLMFailures   atomic.Int64
	Redactions    atomic.Int64
	// UnsavedTurns counts answers given whose turn the store did not keep.
	UnsavedTurns atomic.Int64
}

var modes = conversation.Modes[:]

// AnswersMetric is the name of the answers counted on /metrics, by channel and mode.
const AnswersMetric = "civicbot_answers_total"

// NewAnswersCounter returns the counter of answers by channel ("web", "line") and
// mode, every mode of each channel at zero. The server makes one and gives it to every
// channel, so that their answers are one metric.
func NewAnswersCounter(channels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: AnswersMetric, Help: "Answers served, by channel and mode."}, []string{"channel", "mode"})
	for _, ch := range channels {
		for _, m := range conversation.Modes {
			c.WithLabelValues(ch, string(m))
		}
	}
	return c
}

// New returns an Engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, errors.New("bot: no store")
	}
	e := &Engine{
		store:     cfg.Store,
		searcher:  cfg.Searcher,
		llm:       cfg.LLM,
		restates:  !cfg.NoQueryRewrite,
		log:       cfg.Log,
		retention: cfg.Retention,
		timeout:   cfg.LLMTimeout,
		threshold: cfg.CuratedThreshold,
		allow:     cfg.Allow,
		now:       cfg.Now,
		tracer:    tracer(cfg.TracerProvider),

		storeTimeout:  cfg.StoreTimeout,
		answerTimeout: cfg.AnswerTimeout,
	}
	if e.allow == nil {
		e.allow = contact.Default()
	}
	if e.searcher == nil {
		e.searcher = cfg.Store
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.retention <= 0 {
		e.retention = 30 * 24 * time.Hour
	}
	if e.timeout <= 0 {
		e.timeout = 30 * time.Second
	}
	if e.threshold <= 0 {
		e.threshold = 0.8
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.storeTimeout <= 0 {
		e.storeTimeout = DefaultStoreTimeout
	}
	if e.answerTimeout <= 0 {
		e.answerTimeout = e.timeout + 4*e.storeTimeout
	}
	if cfg.MaxSearches > 0 {
		e.searchSlots = make(chan struct{}, cfg.MaxSearches)
	}
	e.bg, e.bgCancel = context.WithCancel(context.Background())
	// Fail at start, not at the first question, if a template is broken.
	if _, err := prompts.Render(prompts.DefaultLocale, "no_answer", nil); err != nil {
		return nil, err
	}
	if w, ok := cfg.Store.(curatedWatcher); ok {
		e.watchCurated(w)
	}
	return e, nil
}

// Retention is how long conversations are kept.
func (e *Engine) Retention() time.Duration { return e.retention }

// turn is the state of one answer being made.
type turn struct {
	req      Request
	english  bool
	locale   string
	question string // normalised and redacted
	redacted []string
	emit     func(Event)
	streamed bool   // deltas were sent
	trace    *Trace // a staff preview: how the answer was made; nothing is kept

	// The question's analysis, made once (answer) and read by every step: whether it
	// asks about a medicine (it names one, or the records found name it, or the answer
	// is a medicine record) and which people in need of a doctor's or pharmacist's word
	// it is about (pregnancy or breastfeeding, children, older people).
	medicine    bool
	populations []string
	// cautioned: the caution was streamed as the start of a generated answer.
	cautioned bool
	// llmLeft is what is left of the turn's budget for calls to the model
	// (Config.LLMTimeout in all; see llmContext).
	llmLeft time.Duration
	// declined holds the candidates of the last search the gate declined, for the
	// questions a declined answer offers (suggestions).
	declined []retrieval.Hit
}

func (t *turn) delta(s string) {
	if s == "" || t.emit == nil {
		return
	}
	t.streamed = true
	t.emit(Event{Type: EventDelta, Text: s})
}

// Ask answers a message. emit, if not nil, receives the answer as it is made: deltas,
// then the sources, then done with the final answer, which Ask also returns.
func (e *Engine) Ask(ctx context.Context, req Request, emit func(Event)) (Answer, error) {
	return e.ask(ctx, req, emit, nil)
}

// Preview answers a message exactly as Ask does, for staff trying a question: the
// turn is not kept and no curated answer counts a hit, and the trace says how the
// answer was made.
func (e *Engine) Preview(ctx context.Context, req Request) (Answer, Trace, error) {
	var tr Trace
	a, err := e.ask(ctx, req, nil, &tr)
	return a, tr, err
}

func (e *Engine) ask(ctx context.Context, req Request, emit func(Event), trace *Trace) (Answer, error) {
	q := retrieval.Normalize(req.Message)
	if strings.TrimSpace(q) == "" {
		return Answer{}, ErrEmptyMessage
	}
	ctx, span := e.tracer.Start(ctx, SpanAnswer, oteltrace.WithAttributes(attrChannel.String(req.Channel)))
	defer span.End()
	red, kinds := redact.Redact(q)
	span.SetAttributes(attrRedacted.Int(len(kinds)))
	t := &turn{req: req, question: red, emit: emit, trace: trace}
	for _, k := range kinds {
		t.redacted = append(t.redacted, string(k))
	}
	if len(kinds) > 0 {
		e.Stats.Redactions.Add(1)
	}
	t.english = isEnglishLocale(req.Locale, red)
	t.locale = prompts.DefaultLocale
	if t.english {
		t.locale = prompts.English
	}

	ctx, cancel := context.WithTimeout(ctx, e.answerTimeout)
	defer cancel()
	a, err := e.answer(ctx, t)
	if err != nil {
		// The error's text may quote what the store or the model said: not recorded.
		span.SetStatus(codes.Error, "no answer")
		return Answer{}, err
	}
	span.SetAttributes(attrMode.String(string(a.Mode)), attrSources.Int(len(a.Sources)))
	a.Redacted = t.redacted
	if len(t.redacted) > 0 {
		note, err := e.privacyNote(t)
		if err != nil {
			return Answer{}, err
		}
		a.Text += "\n\n" + note
		if t.streamed {
			t.delta("\n\n" + note)
		}
	}
	if !t.streamed {
		e.stream(t, a.Text)
	}
	if a.Sources == nil {
		a.Sources = []conversation.Source{}
	}
	if trace != nil {
		return a, nil
	}
	a.MessageID = newID()
	turn := conversation.Turn{
		MessageID: a.MessageID, SessionID: req.SessionID, Channel: req.Channel,
		Question: red, Answer: a.Text, Mode: a.Mode, Sources: a.Sources, Topic: a.Topic,
		Fallback: a.Fallback, CreatedAt: e.now(),
	}
	if a.Mode == conversation.ModeEmergency {
		// An emergency answer never waits for the database: it is kept afterwards.
		e.saveLater(turn)
	} else if !e.tracedSave(ctx, turn) {
		// The citizen still gets the answer; no message_id, since there is no message
		// to rate or to follow up.
		a.MessageID = ""
	}
	for i, m := range modes {
		if m == a.Mode {
			e.Stats.Answers[i].Add(1)
		}
	}
	if emit != nil {
		emit(Event{Type: EventSources, Sources: a.Sources})
		emit(Event{Type: EventDone, Answer: &a})
	}
	return a, nil
}

func isEnglishLocale(locale, q string) bool {
	l := strings.ToLower(locale)
	switch {
	case strings.HasPrefix(l, "en"):
		return true
	case l == "":
		return isEnglish(q)
	}
	return false
}

// stream sends a finished answer as deltas, a line at a time, so that every channel
// reads answers the same way.
func (e *Engine) stream(t *turn, text string) {
	if t.emit == nil {
		return
	}
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			t.delta(text)
			return
		}
		t.delta(text[:i+1])
		text = text[i+1:]
	}
}

// tracedSave is saveTurn in a span of its own.
func (e *Engine) tracedSave(ctx context.Context, turn conversation.Turn) bool {
	ctx, span := e.tracer.Start(ctx, SpanSaveTurn)
	defer span.End()
	ok := e.saveTurn(ctx, turn)
	span.SetAttributes(attrSaved.Bool(ok))
	if !ok {
		span.SetStatus(codes.Error, "turn not kept")
	}
	return ok
}

func (e *Engine) answer(ctx context.Context, t *turn) (Answer, error) {
	_, span := e.tracer.Start(ctx, SpanTriage)
	r := triage.Classify(t.question)
	span.SetAttributes(attrTriage.String(cmp.Or(string(r.Kind), "none")))
	span.End()
	if t.trace != nil {
		t.trace.Triage, t.trace.TriageReason = cmp.Or(string(r.Kind), "none"), r.Reason
	}
	t.medicine = r.Medicine || retrieval.IsMedicineQuery(t.question)
	t.populations = populationsOf(t.question)
	switch r.Kind {
	case triage.SelfHarm:
		return e.fixed(t, conversation.ModeEmergency, "self_harm", r)
	case triage.Emergency:
		return e.fixed(t, conversation.ModeEmergency, "emergency", r)
	case triage.Injection:
		return e.fixed(t, conversation.ModeRefusal, "injection", r)
	case triage.OutOfScope:
		return e.fixed(t, conversation.ModeRefusal, "refusal", r)
	case triage.Greeting:
		return e.fixed(t, conversation.ModeRefusal, "greeting", r)
	}
	if !retrieval.HasContent(t.question) {
		// Nothing to search for («請問», «怎麼辦?»): what the assistant can do.
		return e.fixed(t, conversation.ModeRefusal, "greeting", triage.Result{Kind: triage.Greeting, Reason: "no_content"})
	}
	var a Answer
	if c, ok := e.matchCurated(ctx, t); ok {
		if t.trace != nil {
			// A preview counts no hit.
		} else if err := e.storeCall(ctx, "curated hit", func(ctx context.Context) error { return e.store.CuratedHit(ctx, c.ID) }); err != nil {
			e.log.Warn("curated hit", "err", err)
		}
		a = Answer{Text: c.Answer, Mode: conversation.ModeCurated, Sources: c.Sources}
	} else {
		var err error
		if a, err = e.retrieve(ctx, t); err != nil {
			return Answer{}, err
		}
	}
	if a.Mode == conversation.ModeGenerated && t.cautioned {
		return a, nil
	}
	caution, err := e.caution(t)
	if err != nil {
		return Answer{}, err
	}
	if caution != "" {
		a.Text = caution + "\n\n" + a.Text
	}
	return a, nil
}

// caution is the note that sends the citizen to a doctor or pharmacist, for every
// answer to a medicine question about pregnancy or breastfeeding, children or older
// people, whatever was found (a drug card, a myth, a FAQ, nothing): "" for any other
// question.
func (e *Engine) caution(t *turn) (string, error) {
	if !t.medicine {
		return "", nil
	}
	var notes []string
	for _, who := range t.populations {
		c, err := prompts.Render(t.locale, "caution", who)
		if err != nil {
			return "", err
		}
		notes = append(notes, c)
	}
	return strings.Join(notes, "\n"), nil
}

func (e *Engine) fixed(t *turn, mode conversation.Mode, name string, r triage.Result) (Answer, error) {
	// The greeting answers thanks and goodbyes in a line, a hello with what it can do.
	text, err := prompts.Render(t.locale, name, r.Reason)
	if err != nil {
		return Answer{}, err
	}
	e.log.Info("triage", "kind", string(r.Kind), "reason", r.Reason)
	return Answer{Text: text, Mode: mode}, nil
}

func (e *Engine) privacyNote(t *turn) (string, error) {
	var labels []string
	for _, k := range t.redacted {
		l, err := prompts.Render(t.locale, "kind", k)
		if err != nil {
			return "", err
		}
		labels = append(labels, l)
	}
	return prompts.Render(t.locale, "privacy", labels)
}

// Minimum evidence for an answer: a named key, title or imprint, a passage with every
// term, a pill's look, or terms and meaning agreeing. Weaker evidence (one leg alone)
// must also cover enough of the question. A passage (a city FAQ, a myth) found without
// every term must also cover enough of it, and be about it: its title holds some of
// what the question is about, not only what is to be done (「遺失」「補辦」 in a FAQ on a
// lost discharge certificate, for a question on a lost ID card).
const (
	minConfidence   = 0.5
	minCoverage     = 0.4
	passageCoverage = 0.3
	passageAbout    = 0.2 // with meaning agreeing; with keywords alone:
	keywordsAbout   = 0.3
	// keywordsTitleMatch is the floor of the sum of retrieval.TitleMatch's shares for a
	// passage found by keywords alone, a Chinese question.
	keywordsTitleMatch = 0.6
)

func (e *Engine) retrieve(ctx context.Context, t *turn) (Answer, error) {
	query := t.question
	// One budget for every call to the model in this turn: a rewrite that hangs
	// leaves the answer the rest of it, never a budget of its own.
	t.llmLeft = e.timeout
	var (
		topic        *retrieval.Hit
		last         *conversation.Topic
		lastQuestion string
		instead      string // what «那咖啡呢» asks about in place of the topic's subject
	)
	var fu followUp // read only in a conversation
	if t.req.SessionID != "" {
		fu = readFollowUp(query)
	}
	if t.req.SessionID != "" && (fu.isFollowUp() || fu.mayFollow()) {
		var err error
		if last, lastQuestion, err = e.lastTopic(ctx, t.req.SessionID); err != nil {
			return Answer{}, err
		}
		// A question that asks only an aspect, or that names nothing the conversation
		// did not, is about the conversation's topic; «那咖啡呢» asks the last question
		// again of something else.
		follows := fu.isFollowUp() || last != nil && fu.follows(last.Title+" "+lastQuestion)
		if !follows && last != nil {
			instead = substitute(query)
		}
		if follows || instead != "" {
			// With an LLM the question is rewritten from the conversation and
			// searched; without one (or if the rewrite fails) the last topic carries
			// over.
			if e.llm != nil {
				query = e.rewrite(ctx, t)
			}
			if follows && last != nil && query == t.question {
				var h retrieval.Hit
				err := e.storeCall(ctx, "get topic", func(ctx context.Context) (err error) { h, err = e.store.Get(ctx, last.Dataset, last.Key); return err })
				switch {
				case err == nil:
					// The conversation named this document: it answers as if its
					// key had been asked.
					h.Evidence, h.Confidence = []string{retrieval.EvidenceKey}, 1
					topic = &h
				case !errors.Is(err, retrieval.ErrNotFound):
					return Answer{}, err
				}
			}
			if query != t.question {
				instead = ""
			}
		}
	}

	var hits []retrieval.Hit
	if topic != nil {
		var err error
		if hits, err = e.aboutTopic(ctx, t, *topic, query, fu.aspects); err != nil {
			return Answer{}, err
		}
	} else {
		var err error
		if instead != "" {
			hits, err = e.inPlaceOf(ctx, t, lastQuestion, instead)
		}
		if err == nil && hits == nil {
			hits, err = e.found(ctx, t, query)
		}
		if err != nil {
			return Answer{}, err
		}
		if len(hits) == 0 && e.restates && e.llm != nil && !isFollowUp(t.question) {
			// Declined: the citizen may have asked in everyday words what a record
			// states in official ones. The model restates the question once, and
			// the restatement is searched and gated as the question was; it is never
			// shown, quoted or kept, and the answer is composed for the citizen's
			// own question.
			restated := e.restate(ctx, t, query)
			if restated != "" {
				if hits, err = e.found(ctx, t, restated); err != nil {
					return Answer{}, err
				}
			}
			outcome := "declined"
			switch {
			case restated == "":
				outcome = "failed"
			case len(hits) > 0:
				outcome = "answered"
			}
			span := oteltrace.SpanFromContext(ctx)
			span.SetAttributes(attrRestated.String(outcome))
			e.log.Info("declined question restated", "outcome", outcome)
			if t.trace != nil {
				t.trace.Restated = restated
			}
		}
		if len(hits) == 0 {
			return e.noAnswer(t)
		}
	}

	var stated *statement
	if hits[0].Dataset == corpus.DatasetDrug && !isPillQuestion(query) && aspectOf(query) == "ingredients" && !slices.ContainsFunc(hits[:min(len(hits), 5)], func(h retrieval.Hit) bool {
		return h.Dataset == corpus.DatasetDrug && len(drugCard(h, t.english).Ingredients) > 0
	}) {
		// No licence found lists the ingredients: another TFDA record (a myth, an
		// article) may state them of this name; otherwise the card says they are not
		// listed (ingredients.go).
		var err error
		if stated, err = e.ingredientsStated(ctx, t, query, hits[0]); err != nil {
			return Answer{}, err
		}
	}
	a, used, err := e.extractive(t, query, hits, stated)
	if err != nil {
		return Answer{}, err
	}
	if e.llm != nil && a.Mode == conversation.ModeExtractive {
		ctx, span := e.tracer.Start(ctx, SpanLLM)
		defer span.End()
		g, err := e.generated(ctx, t, query, used, a)
		span.SetAttributes(attrMode.String(string(g.Mode)), attrFallback.String(g.Fallback))
		if err != nil {
			span.SetStatus(codes.Error, "generation failed")
		}
		return g, err
	}
	return a, nil
}

// found searches for query and returns the hits to answer from, led by the one the
// gate accepts (answerable, clearlyAhead or a record's own question matched); nil when
// none is good enough evidence: the question is declined.
func (e *Engine) found(ctx context.Context, t *turn, query string) ([]retrieval.Hit, error) {
	// The question is analysed once for every search of the turn.
	an := retrieval.Analyze(query)
	hits, err := e.search(ctx, t, retrieval.Query{Text: query, K: 5, Analysis: &an})
	if err != nil {
		return nil, err
	}
	if len(hits) > 0 && t.medicine && !sameDomain(hits[0].Dataset, corpus.DatasetDrug) && !answerable(query, hits[0], true) {
		// A medicine question is answered from the medicine records when they
		// hold an answer, not from a city FAQ that shares some of its words («哺乳
		// 可以吃斯斯嗎» and a FAQ on nursing rooms).
		med, err := e.search(ctx, t, retrieval.Query{Text: query, K: 5, Datasets: medicineDatasets, Analysis: &an})
		if err != nil {
			return nil, err
		}
		if len(med) > 0 && answerable(query, med[0], true) {
			hits = med
		}
	}
	if len(hits) > 0 && !answerable(query, hits[0], t.medicine) && !clearlyAhead(query, hits, t.medicine) {
		// The words found are too few, but the citizen may have asked a record's
		// own question in other words (answerable.go).
		matched, err := e.byQuestionMatch(ctx, query, hits, t.medicine)
		if err != nil {
			return nil, err
		}
		if matched == nil {
			t.declined = hits
			return nil, nil
		}
		hits = matched
	}
	if len(hits) > 0 && !asksAlike(query, hits[0]) {
		// Found and matched by words, but asked about something else (answerable.go).
		t.declined = hits
		return nil, nil
	}
	return hits, nil
}

// siblingsSearched is how many records the search for a topic's sibling reads: the
// topic's own words rank it and its closest look-alikes first.
const siblingsSearched = 10

// aboutTopic returns the hits that answer q, a follow-up of the conversation's topic (a
// record it was answered from) that asks the aspects of a service asked, led by that
// record. A licence answers every aspect asked of it (its card). A city FAQ or a myth is
// one question of several on its subject: when q asks an aspect of a service
// (retrieval's aspects: when, where, cost, documents...) that the topic's own question
// does not state, the topic's question with q is searched; of the records of the same
// kind among the best (siblingsSearched) that are on the topic's service
// (retrieval.SameService) and state that aspect, the one whose question is most the
// topic's with q (TitleMatch) answers («要多久才拿得到» after a FAQ on a lost card: the FAQ
// on how long a new card takes). Otherwise the topic again, whose text often says it.
func (e *Engine) aboutTopic(ctx context.Context, t *turn, topic retrieval.Hit, q string, asked []string) ([]retrieval.Hit, error) {
	same := []retrieval.Hit{topic}
	if topic.Dataset == corpus.DatasetDrug {
		return same, nil
	}
	stated := retrieval.StatedAspects(topic.Title)
	asked = slices.DeleteFunc(asked, func(a string) bool { return slices.Contains(stated, a) })
	if len(asked) == 0 {
		return same, nil
	}
	an := retrieval.Analyze(topic.Title + " " + q)
	hits, err := e.search(ctx, t, retrieval.Query{Text: an.Text, K: siblingsSearched, Analysis: &an})
	if err != nil {
		return nil, err
	}
	best, bestMatch := -1, 0.0
	for i, h := range hits {
		if h.Dataset != topic.Dataset || h.Key == topic.Key || h.Confidence <= 0 {
			continue
		}
		if !retrieval.SameService(topic.Title, h.Title) || !retrieval.StatesAny(h.Title, asked) {
			continue
		}
		if ts, qs := retrieval.TitleMatch(an.Text, h.Title); ts+qs > bestMatch {
			best, bestMatch = i, ts+qs
		}
	}
	if best < 0 {
		return same, nil
	}
	full, ok, err := e.whole(ctx, hits[best])
	if err != nil || !ok {
		return same, err
	}
	full.Evidence, full.Confidence = []string{retrieval.EvidenceKey}, 1
	return []retrieval.Hit{full}, nil
}

// whole reads a hit's record whole (search reads only the best hit's body), keeping what
// search found of it (score, evidence, confidence); ok is false when the record is gone.
func (e *Engine) whole(ctx context.Context, h retrieval.Hit) (full retrieval.Hit, ok bool, err error) {
	err = e.storeCall(ctx, "get", func(ctx context.Context) (err error) {
		full, err = e.store.Get(ctx, h.Dataset, h.Key)
		return err
	})
	switch {
	case errors.Is(err, retrieval.ErrNotFound):
		return retrieval.Hit{}, false, nil
	case err != nil:
		return retrieval.Hit{}, false, err
	}
	full.Score, full.Evidence, full.Confidence = h.Score, h.Evidence, h.Confidence
	return full, true, nil
}

// inPlaceOf answers «那咖啡呢» after «吃藥能配茶嗎»: the last question asked again of x.
// The last question with x is searched and gated as a question is, and the best of the
// five hits found whose title holds all of x's units of meaning answers; nil when none
// does (the question is then searched alone).
func (e *Engine) inPlaceOf(ctx context.Context, t *turn, lastQuestion, x string) ([]retrieval.Hit, error) {
	hits, err := e.found(ctx, t, lastQuestion+" "+x)
	if err != nil || hits == nil {
		return nil, err
	}
	want := retrieval.ContentUnits(x)
	for i, h := range hits[:min(len(hits), 5)] {
		has := retrieval.ContentUnits(h.Title + " " + retrieval.Expand(h.Title))
		if slices.ContainsFunc(want, func(u string) bool { _, ok := slices.BinarySearch(has, u); return !ok }) {
			continue
		}
		if i == 0 {
			return hits, nil
		}
		full, ok, err := e.whole(ctx, h)
		if err != nil || !ok {
			return nil, err
		}
		return append([]retrieval.Hit{full}, slices.Delete(slices.Clone(hits), i, i+1)...), nil
	}
	t.declined = nil
	return nil, nil
}

// answerStatuses are the records answers are made from: valid ones, cancelled licences
// (the citizen must hear they are cancelled) and city FAQs past their end date. An
// expired FAQ that matches the question is answered from, with its end date and a
// note to check with 1999 (the faq template), rather than dropped: dropped, the
// question got whatever FAQ shared most words with it, an unrelated answer. Most
// expired FAQs still describe the service; the note says they may not.
var answerStatuses = []string{string(corpus.StatusActive), string(corpus.StatusCancelled), string(corpus.StatusStale)}

// expiredRoom is how many more candidates a search asks for when expired FAQs may be
// among them.
const expiredRoom = 5

// expiredMatch is the least sum of retrieval.TitleMatch's shares for an expired FAQ to
// answer: the question asks the FAQ's own question, most of both (an expired FAQ that
// merely shares words is no better evidence than none).
const expiredMatch = 1.0

// expiredOnlyIfAsked keeps an expired FAQ only as the best hit, and only when the
// question asks its own question (expiredMatch) and no current record of the same
// dataset asks as much of it; otherwise the expired FAQs are dropped, as before they
// were searched. At most k hits are returned.
func expiredOnlyIfAsked(q string, hits []retrieval.Hit, k int) []retrieval.Hit {
	stale := func(h retrieval.Hit) bool { return h.Status == string(corpus.StatusStale) }
	match := func(h retrieval.Hit) float64 { a, b := retrieval.TitleMatch(q, h.Title); return a + b }
	keepTop := len(hits) > 0 && stale(hits[0]) && match(hits[0]) >= expiredMatch &&
		!slices.ContainsFunc(hits[1:], func(h retrieval.Hit) bool {
			return !stale(h) && h.Dataset == hits[0].Dataset && match(h) >= match(hits[0])
		})
	out := make([]retrieval.Hit, 0, len(hits))
	for i, h := range hits {
		if !stale(h) || i == 0 && keepTop {
			out = append(out, h)
		}
	}
	return out[:min(len(out), max(k, 1))]
}

// medicineDatasets are the records of medicines: licences, myths and articles.
var medicineDatasets = []string{corpus.DatasetDrug, corpus.DatasetMyth, corpus.DatasetArticle}

// search finds the candidates of q and reads the best one whole (its body is quoted
// and its coverage measured). A medicine licence that the question names makes it a
// medicine question.
func (e *Engine) search(ctx context.Context, t *turn, q retrieval.Query) (hits []retrieval.Hit, err error) {
	ctx, span := e.tracer.Start(ctx, SpanSearch, oteltrace.WithAttributes(attrFiltered.Bool(len(q.Datasets) > 0)))
	defer func() {
		span.SetAttributes(attrHits.Int(len(hits)))
		if err != nil {
			span.SetStatus(codes.Error, "search failed")
		}
		span.End()
	}()
	k := cmp.Or(q.K, retrieval.DefaultK)
	if len(q.Statuses) == 0 {
		// Expired FAQs too, and room for the current records they would push out.
		q.Statuses, q.K = answerStatuses, k+expiredRoom
	}
	release, err := e.searchSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	err = e.storeCall(ctx, "search", func(ctx context.Context) (err error) {
		hits, err = e.searcher.Search(ctx, q)
		return err
	})
	if t.trace != nil && err == nil {
		t.trace.Candidates = hits // the last search made is the one answered from
	}
	if err != nil || len(hits) == 0 {
		return hits, err
	}
	// A strength in the question (「20毫克」) chooses among the licences of one name.
	hits = retrieval.OrderByStrength(q.Text, hits)
	hits = expiredOnlyIfAsked(q.Text, hits, k)
	if len(hits) == 0 {
		return hits, nil
	}
	var full retrieval.Hit
	err = e.storeCall(ctx, "get", func(ctx context.Context) (err error) {
		full, err = e.store.Get(ctx, hits[0].Dataset, hits[0].Key)
		return err
	})
	if err != nil && !errors.Is(err, retrieval.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		full.Score, full.Evidence, full.Confidence = hits[0].Score, hits[0].Evidence, hits[0].Confidence
		hits[0] = full
	}
	for _, h := range hits {
		if h.Dataset == corpus.DatasetDrug && slices.ContainsFunc(h.Evidence, func(ev string) bool {
			return ev == retrieval.EvidenceKey || ev == retrieval.EvidenceTitle || ev == retrieval.EvidenceName
		}) {
			t.medicine = true
		}
	}
	return hits, nil
}

// sameDomain says whether two datasets answer the same kind of question: medicines
// (the TFDA's) or government services (city FAQs, agency pages). A myth about
// expired medicines is not followed by a city FAQ about expired certificates.
func sameDomain(a, b string) bool {
	tfda := func(d string) bool { return strings.HasPrefix(d, "tfda_") }
	return tfda(a) == tfda(b)
}

// holderOf returns the index of the first drug among the best hits that holds what the
// aspect asks for (ingredients, indication, appearance, usage), when the first hit
// does not and the other is as well founded (the same confidence): the licences of one
// brand differ in what the open data records of them. 0 when the first hit will do.
func holderOf(hits []retrieval.Hit, aspect string, english bool) int {
	holds := func(h retrieval.Hit) bool {
		c := drugCard(h, english)
		switch aspect {
		case "ingredients":
			return len(c.Ingredients) > 0
		case "indication":
			return c.Indication != ""
		case "appearance":
			return len(c.Pills) > 0
		case "dose":
			return c.Usage != ""
		}
		return true
	}
	if len(hits) == 0 || holds(hits[0]) {
		return 0
	}
	for i, h := range hits[1:min(len(hits), 5)] {
		if h.Dataset == corpus.DatasetDrug && h.Confidence >= hits[0].Confidence && holds(h) {
			return i + 1
		}
	}
	return 0
}

// answerable says whether the best hit is good enough evidence to answer from, for
// question q, a medicine question if medicine. The words found are counted in the
// agency's text, not in the questions citizens ask the record in (corpus.AskedLabel):
// those find it, and are matched as questions (questionMatch); counted as its words,
// they answered 11 more of the development questions without a source.
func answerable(q string, h retrieval.Hit, medicine bool) bool {
	all, about := retrieval.Coverage(q, h.Title+"\n"+withoutAsked(h.Body), h.Title)
	switch {
	case h.Confidence <= 0:
		return false
	case h.Dataset == corpus.DatasetDrug:
		// A licence's title is a brand: questions name its generic or English name.
		// Found without a key, name, code, look or every term, it must share some of its
		// name with the question: «利他能是管制藥品嗎» is not answered with a morphine
		// licence whose maker is 管制藥品廠, nor «眼藥水可以共用嗎» with one eye drop.
		if h.Confidence >= retrieval.Confidence([]string{retrieval.EvidenceAppearance}) || namesGeneric(q, h) || namesBrand(q, h) {
			return true
		}
		return (h.Confidence >= minConfidence || all >= minCoverage) && (isPillQuestion(q) || sharesName(q, h))
	case h.Confidence >= retrieval.Confidence([]string{retrieval.EvidenceAllTerms}):
		return true
	case h.Dataset == corpus.DatasetCityFAQ && medicine:
		// A question about medicines is not answered by a city FAQ that only shares
		// some of its words («處方藥可以在網路上買嗎», a FAQ on selling alcohol online).
		return false
	}
	if h.Confidence < minConfidence {
		// Keywords alone, meaning not agreeing: the title must be about more of it,
		// and a Chinese question must ask some of the record's own question
		// (keywordsTitleMatch): 「國際駕照怎麼申請」 shares 駕 and 申請 with a FAQ on
		// moving a ticket to the driver, and nothing of what it asks.
		if ts, qs := retrieval.TitleMatch(q, h.Title); !isEnglish(q) && ts+qs < keywordsTitleMatch {
			return false
		}
		return all >= passageCoverage && about >= keywordsAbout
	}
	return all >= passageCoverage && about >= passageAbout
}

func (e *Engine) noAnswer(t *turn) (Answer, error) {
	offered := suggestions(t.question, t.declined, t.medicine)
	titles := make([]string, len(offered))
	for i, h := range offered {
		titles[i] = h.Title
	}
	text, err := prompts.Render(t.locale, "no_answer", titles)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Text: text, Mode: conversation.ModeNoAnswer}
	if len(offered) == 0 {
		return a, nil
	}
	// A title is a record's text like any other: a number or link in it that the
	// allow-list does not allow is left out, as in an answer.
	chk := newChecker(offered, "", e.allow)
	if scrubbed, n := chk.scrub(a.Text, removedMark(t.english)); n > 0 {
		e.log.Warn("declined answer: numbers or links left out of the questions offered", "count", n)
		a.Text = scrubbed
	}
	for _, h := range offered {
		a.Suggestions = append(a.Suggestions, Suggestion{Dataset: h.Dataset, Key: h.Key, Title: h.Title})
	}
	return a, nil
}

// topicTurns is how many of a session's last turns are read for its topic: a thank-you
// or a greeting between a question and its follow-up keeps it.
const topicTurns = 6

// lastTopic returns what the session's recent turns were about, nil if nothing, and
// the question that turn asked. A store that does not answer in time is an error: the
// search after it would wait too.
func (e *Engine) lastTopic(ctx context.Context, session string) (*conversation.Topic, string, error) {
	var turns []conversation.Turn
	err := e.storeCall(ctx, "recent turns", func(ctx context.Context) (err error) {
		turns, err = e.store.RecentTurns(ctx, session, topicTurns, e.now().Add(-e.retention))
		return err
	})
	if err != nil {
		if timedOut(err) {
			return nil, "", err
		}
		e.log.Warn("recent turns", "err", err)
		return nil, "", nil
	}
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].Topic != nil {
			return turns[i].Topic, turns[i].Question, nil
		}
	}
	return nil, "", nil
}

// extractive composes the answer from the records, and returns the hits it used.
func (e *Engine) extractive(t *turn, q string, hits []retrieval.Hit, stated *statement) (Answer, []retrieval.Hit, error) {
	top := hits[0]
	var (
		name string
		data any
		used = []retrieval.Hit{top}
	)
	medication := false
	switch {
	case top.Dataset == corpus.DatasetDrug && describesPill(q, top) && len(hits) > 1:
		var list PillList
		used = used[:0]
		for _, h := range hits {
			if h.Dataset != corpus.DatasetDrug || len(list.Candidates) == 3 {
				continue
			}
			if h.Key != top.Key && h.Confidence < minConfidence {
				continue
			}
			list.Candidates = append(list.Candidates, drugCard(h, t.english))
			used = append(used, h)
		}
		name, data, medication = "pill", list, true
	case top.Dataset == corpus.DatasetDrug:
		aspect := aspectOf(q)
		if i := holderOf(hits, aspect, t.english); i > 0 {
			// A licence as good as the first that holds what was asked answers it.
			top = hits[i]
			hits = append([]retrieval.Hit{top}, slices.Delete(slices.Clone(hits), i, i+1)...)
			used = []retrieval.Hit{top}
		}
		card := drugCard(top, t.english)
		card.Aspect = aspect
		if stated != nil && len(card.Ingredients) == 0 {
			card.IngredientsStated, card.IngredientsSource = stated.quote, stated.from.Title
		}
		if !slices.Contains(top.Evidence, retrieval.EvidenceKey) {
			card.Asked = askedName(q, top.Title)
		}
		if want, has := retrieval.Strengths(q), retrieval.Strengths(top.Title); len(want) > 0 && len(has) > 0 &&
			!slices.ContainsFunc(has, func(s string) bool { return slices.Contains(want, s) }) {
			// No licence found has the strength asked (OrderByStrength found none):
			// this one is another strength, and the answer says so.
			card.StrengthAsked = strings.Join(want, "、")
		}
		if top.Confidence < 1 {
			for _, h := range hits[1:] {
				if h.Dataset == corpus.DatasetDrug && h.Confidence >= minConfidence && len(card.Others) < 3 {
					card.Others = append(card.Others, h.Title)
					used = append(used, h)
				}
			}
		}
		if card.IngredientsStated != "" {
			used = append(used, stated.from)
		}
		name, data, medication = "drug", card, true
	default:
		p := passage(top)
		if top.Confidence < 1 {
			for _, h := range hits[1:] {
				if h.Dataset != corpus.DatasetDrug && sameDomain(h.Dataset, top.Dataset) && h.Confidence >= 0.3 && len(p.Related) < 2 {
					p.Related = append(p.Related, h.Title)
					used = append(used, h)
				}
			}
		}
		switch top.Dataset {
		case corpus.DatasetMyth:
			name = "myth"
			medication = strings.Contains(top.Facets.Main().Category, "藥")
		case corpus.DatasetArticle:
			name = "article"
		default:
			name = "faq"
		}
		data = p
	}
	text, err := prompts.Render(t.locale, name, data)
	if err != nil {
		return Answer{}, nil, err
	}
	if medication {
		framing, err := prompts.Render(t.locale, "framing", nil)
		if err != nil {
			return Answer{}, nil, err
		}
		text += "\n\n" + framing
		// A medicine record answers a medicine question: the caution follows (answer).
		t.medicine = true
	}
	a := Answer{Text: text, Mode: conversation.ModeExtractive, Sources: sources(used, t.english),
		Topic: &conversation.Topic{Dataset: top.Dataset, Key: top.Key, Title: top.Title}}
	// The templates only quote the records, but a record can hold a number or link that
	// the allow-list does not allow (a planted one): it is left out, never quoted.
	chk := newChecker(used, "", e.allow)
	if scrubbed, n := chk.scrub(a.Text, removedMark(t.english)); n > 0 {
		e.log.Warn("extractive answer: numbers or links left out", "count", n, "dataset", top.Dataset, "key", top.Key)
		a.Text = scrubbed
	}
	// The check still runs: a template change could break the rule.
	if err := chk.check(a.Text, false, false); err != nil {
		e.Stats.CheckFailures.Add(1)
		e.log.Error("extractive answer failed the output check", "reason", err, "dataset", top.Dataset, "key", top.Key)
		a, err := e.noAnswer(t)
		return a, nil, err
	}
	return a, used, nil
}

func sources(hits []retrieval.Hit, english bool) []conversation.Source {
	out := make([]conversation.Source, 0, len(hits))
	for _, h := range hits {
		s := conversation.Source{Dataset: h.Dataset, Key: h.Key, Title: h.Title, URL: h.URL, Images: pillImages(h, english)}
		if !h.Snapshot.IsZero() {
			s.Snapshot = h.Snapshot.Format("2006-01-02")
		}
		out = append(out, s)
	}
	return out
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// String shows Stats for logs.
func (s *Stats) String() string {
	var b strings.Builder
	for i, m := range modes {
		fmt.Fprintf(&b, "%s=%d ", m, s.Answers[i].Load())
	}
	fmt.Fprintf(&b, "check_failures=%d llm_failures=%d redactions=%d unsaved_turns=%d", s.CheckFailures.Load(), s.LLMFailures.Load(), s.Redactions.Load(), s.UnsavedTurns.Load())
	return b.String()
}
