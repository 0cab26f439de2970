package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/prompts"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/tmc/langchaingo/llms"
)

// maxSourceRunes is how much of each source's text the LLM reads.
const maxSourceRunes = 1500

// generated asks the LLM to write the answer from the numbered sources, streaming it
// a sentence at a time once each sentence passes the output check. On an LLM error, a
// timeout or a failed check it serves the extractive answer instead: the channel is
// told to drop what was streamed (EventReset) and gets the extractive text.
func (e *Engine) generated(ctx context.Context, t *turn, q string, used []retrieval.Hit, extractive Answer) (Answer, error) {
	for i, h := range used {
		if h.Body != "" {
			continue
		}
		full, err := e.store.Get(ctx, h.Dataset, h.Key)
		if err == nil {
			full.Score, full.Evidence, full.Confidence = h.Score, h.Evidence, h.Confidence
			used[i] = full
		}
	}
	canary := "cb-" + newID()[:12]
	sys, err := prompts.System(prompts.SystemData{Canary: canary, English: t.english, HelpLines: HelpLines})
	if err != nil {
		return Answer{}, err
	}
	var numbered []prompts.NumberedSource
	for _, h := range used {
		text := h.Body
		if text == "" {
			text = h.Snippet
		}
		text = withoutAsked(text)
		s := conversation.Source{}
		if !h.Snapshot.IsZero() {
			s.Snapshot = h.Snapshot.Format("2006-01-02")
		}
		numbered = append(numbered, prompts.NumberedSource{Title: h.Title, Dataset: h.Dataset, Snapshot: s.Snapshot,
			Status: h.Status, URL: h.URL, Text: prompts.Cut(maxSourceRunes, text)})
	}
	user, err := prompts.Sources(prompts.SourcesData{Sources: numbered, Question: q})
	if err != nil {
		return Answer{}, err
	}

	// The caution for pregnancy, children or older people leads the answer, before the
	// first sentence of the LLM.
	caution, err := e.caution(t)
	if err != nil {
		return Answer{}, err
	}
	if caution != "" {
		t.delta(caution + "\n\n")
		t.cautioned = true
	}

	chk := newChecker(used, canary, e.allow)
	g := &gate{check: func(s string) error { return chk.check(s, true, false) }, emit: t.delta}
	gctx, done := llmContext(ctx, t, 0)
	defer done()
	// The turn's budget may be spent already (a follow-up's rewrite that hung): then
	// the model is not asked at all.
	var resp *llms.ContentResponse
	if err = gctx.Err(); err == nil {
		resp, err = e.llm.GenerateContent(gctx, []llms.MessageContent{
			llms.TextParts(llms.ChatMessageTypeSystem, sys),
			llms.TextParts(llms.ChatMessageTypeHuman, user),
		}, llms.WithTemperature(0.1), llms.WithMaxTokens(900), llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			return g.write(string(chunk))
		}))
	}
	reason := ""
	switch {
	case err == nil && (len(resp.Choices) == 0 || strings.TrimSpace(resp.Choices[0].Content) == ""):
		reason = "llm_error"
		err = errors.New("empty answer")
	case err == nil:
		// Some providers do not stream: what they returned goes through the gate whole.
		if g.total == 0 {
			err = g.write(resp.Choices[0].Content)
		}
		if err == nil {
			err = g.flush()
		}
		if err == nil {
			err = chk.check(g.text.String(), true, true)
		}
		if err != nil {
			reason = "check_failed"
		}
	case errors.Is(err, errCheck):
		reason = "check_failed"
	case errors.Is(gctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		reason = "timeout"
	case ctx.Err() != nil:
		return Answer{}, ctx.Err()
	default:
		reason = "llm_error"
	}
	if reason != "" {
		if reason == "check_failed" {
			e.Stats.CheckFailures.Add(1)
		} else {
			e.Stats.LLMFailures.Add(1)
		}
		// The reason and the check that failed are logged; the text never is.
		// errors.Unwrap gives nil for the joined reasons of a failed check.
		e.log.Warn("generated answer replaced by the extractive one", "reason", reason, "err", strings.ReplaceAll(err.Error(), "\n", "; "), "prompts", prompts.Version)
		if t.streamed && t.emit != nil {
			t.emit(Event{Type: EventReset})
			t.streamed = false
		}
		t.cautioned = false
		extractive.Fallback = reason
		return extractive, nil
	}

	text := g.text.String()
	if caution != "" {
		text = caution + "\n\n" + text
	}
	if needsFraming(used) {
		framing, err := prompts.Render(t.locale, "framing", nil)
		if err != nil {
			return Answer{}, err
		}
		text += "\n\n" + framing
		t.delta("\n\n" + framing)
	}
	return Answer{Text: text, Mode: conversation.ModeGenerated, Sources: sources(used, t.english), Topic: extractive.Topic}, nil
}

func needsFraming(used []retrieval.Hit) bool {
	for _, h := range used {
		if h.Dataset == corpus.DatasetDrug {
			return true
		}
		if h.Dataset == corpus.DatasetMyth && strings.Contains(h.Facets.Main().Category, "藥") {
			return true
		}
	}
	return false
}

// errCheck marks a streamed sentence that failed the output check.
var errCheck = errors.New("output check failed")

// gate releases streamed text a sentence at a time, after the sentence passes the
// check: nothing unchecked reaches a citizen, and the answer still streams.
type gate struct {
	check   func(string) error
	emit    func(string)
	pending strings.Builder
	text    strings.Builder // what was released
	total   int
}

func (g *gate) write(s string) error {
	g.total += len(s)
	g.pending.WriteString(s)
	p := g.pending.String()
	cut := lastBoundary(p)
	if cut <= 0 {
		return nil
	}
	if err := g.release(p[:cut]); err != nil {
		return err
	}
	rest := p[cut:]
	g.pending.Reset()
	g.pending.WriteString(rest)
	return nil
}

func (g *gate) flush() error {
	p := g.pending.String()
	g.pending.Reset()
	if p == "" {
		return nil
	}
	return g.release(p)
}

func (g *gate) release(s string) error {
	if err := g.check(s); err != nil {
		return errors.Join(errCheck, err)
	}
	g.text.WriteString(s)
	g.emit(s)
	return nil
}

// lastBoundary returns the end of the last whole sentence in s, 0 if there is none.
// A full stop counts only before a space or newline, so that URLs and decimals are
// never cut.
func lastBoundary(s string) int {
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		switch r {
		case '。', '！', '？', '\n', '；':
			return i
		case ' ':
			if i-size > 0 {
				if p, _ := utf8.DecodeLastRuneInString(s[:i-size]); p == '.' || p == '!' || p == '?' {
					return i
				}
			}
		}
		i -= size
	}
	return 0
}

// rewrite turns a follow-up into a question that stands alone, with the LLM; on any
// failure the question is kept as it is.
func (e *Engine) rewrite(ctx context.Context, t *turn) string {
	turns, err := e.store.RecentTurns(ctx, t.req.SessionID, 3, e.now().Add(-e.retention))
	if err != nil || len(turns) == 0 {
		return t.question
	}
	var hist []prompts.Exchange
	for _, tu := range turns {
		x := prompts.Exchange{Question: tu.Question}
		if tu.Topic != nil {
			x.Topic = tu.Topic.Title
		}
		hist = append(hist, x)
	}
	p, err := prompts.Rewrite(prompts.RewriteData{History: hist, Question: t.question})
	if err != nil {
		return t.question
	}
	rctx, done := llmContext(ctx, t, 10*time.Second)
	defer done()
	out, err := llms.GenerateFromSinglePrompt(rctx, e.llm, p, llms.WithTemperature(0), llms.WithMaxTokens(120))
	out = strings.TrimSpace(out)
	if err != nil || out == "" || utf8.RuneCountInString(out) > 300 {
		return t.question
	}
	// The rewritten question is the model's text: it is searched, never shown.
	return retrieval.Normalize(out)
}

// maxRestatedRunes bounds a restated question: a record's question is short, and a
// longer reply is the model talking, not restating.
const maxRestatedRunes = 80

// restate asks the LLM once for question q in the words an official record would use,
// to search again; "" on an error, a timeout, an empty reply, a reply of more than one
// line or longer than maxRestatedRunes, or no change. The reply is searched, never
// shown, quoted or logged.
func (e *Engine) restate(ctx context.Context, t *turn, q string) string {
	p, err := prompts.Restate(q)
	if err != nil {
		return ""
	}
	rctx, done := llmContext(ctx, t, 10*time.Second)
	defer done()
	if rctx.Err() != nil {
		return ""
	}
	out, err := llms.GenerateFromSinglePrompt(rctx, e.llm, p, llms.WithTemperature(0), llms.WithMaxTokens(80))
	if err != nil {
		e.Stats.LLMFailures.Add(1)
		return ""
	}
	out = strings.Trim(strings.TrimSpace(out), "「」『』\"'“”")
	if out == "" || strings.ContainsAny(out, "\n\r") || utf8.RuneCountInString(out) > maxRestatedRunes {
		return ""
	}
	out = retrieval.Normalize(out)
	if !retrieval.HasContent(out) || out == q {
		return ""
	}
	return out
}

// llmContext returns the context of one call to the model: it ends when what is left
// of the turn's budget (t.llmLeft, at most limit if limit > 0) runs out, already ended
// when nothing is left. done charges the call's time to the budget. Only the model's
// time counts: the store's work between two calls does not use the budget up.
func llmContext(ctx context.Context, t *turn, limit time.Duration) (context.Context, func()) {
	d := t.llmLeft
	if limit > 0 {
		d = min(d, limit)
	}
	start := time.Now()
	c, cancel := context.WithTimeout(ctx, max(d, 0))
	return c, func() {
		cancel()
		t.llmLeft -= time.Since(start)
	}
}

// withoutAsked returns a record's text without the line of questions citizens ask it in
// (corpus.AskedLabel): they are for finding the record, and are not the agency's words.
func withoutAsked(text string) string {
	lines := strings.Split(text, "\n")
	return strings.Join(slices.DeleteFunc(lines, func(l string) bool {
		return strings.HasPrefix(strings.TrimSpace(l), corpus.AskedLabel+"：")
	}), "\n")
}
