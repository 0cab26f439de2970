package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tmc/langchaingo/llms"
)

// engine opens the store and builds the answer engine; close releases the store.
func (a *app) engine(ctx context.Context) (*bot.Engine, store, error) {
	s, err := a.openLoadedStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	// The synonym groups staff approved join the built-in ones (query side only).
	if err := (retrieval.StaffSynonyms{Store: s}).Reload(ctx); err != nil {
		a.log.Error("staff synonyms: not in use", "err", err)
	}
	model, err := a.llm(ctx)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	// PostgreSQL serves as many searches at once as the pool has connections.
	searches := 0
	if p, ok := s.(interface{ Pool() *pgxpool.Pool }); ok {
		searches = int(p.Pool().Config().MaxConns)
	}
	// Searches are kept while the store can tell that what they read has not
	// changed (a PostgreSQL store only while it listens for other processes'
	// changes, which serve starts).
	var searcher retrieval.Searcher
	if g, ok := s.(retrieval.Generational); ok && a.cfg.SearchCache > 0 {
		a.searchCache = retrieval.NewSearchCache(s, g, a.cfg.SearchCache, 0)
		searcher = a.searchCache
	}
	e, err := bot.New(bot.Config{Store: s, Searcher: searcher, LLM: model, Log: a.log, Retention: a.cfg.Retention, LLMTimeout: a.cfg.LLMTimeout, NoQueryRewrite: !a.cfg.LLMQueryRewrite, StoreTimeout: a.cfg.StoreTimeout, Allow: a.cfg.Allow,
		CuratedThreshold: a.cfg.CuratedThreshold, TracerProvider: a.tracerProvider, MaxSearches: searches})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return e, s, nil
}

// llm builds the configured LLM, nil when none is.
func (a *app) llm(ctx context.Context) (llms.Model, error) {
	m, err := llm.New(ctx, llm.Config{
		Provider:      a.cfg.LLMProvider,
		Model:         a.cfg.LLMModel,
		BaseURL:       a.cfg.LLMBaseURL,
		APIKey:        a.cfg.LLMAPIKey,
		Timeout:       a.cfg.LLMTimeout,
		NoStreamUsage: a.cfg.LLMNoStreamUsage,
	})
	if errors.Is(err, llm.ErrNone) {
		return nil, nil
	}
	return m, err
}

func (a *app) ask(ctx context.Context, args []string) error {
	fs := newFlags("ask", a.stderr, "[--json] [--session ID] [--locale zh-TW|en] QUESTION")
	asJSON := fs.Bool("json", false, `print {"answer","mode","sources":[{"dataset","key","title","url","snapshot"}]}`)
	session := fs.String("session", "", "conversation id: follow-up questions in the same session remember the topic")
	locale := fs.String("locale", "", "answer language: zh-TW or en (default: the question's)")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(words, " "))
	if question == "" {
		fs.Usage()
		return errors.New("ask: no QUESTION given")
	}
	if n := len([]rune(question)); n > bot.MaxMessageRunes {
		return fmt.Errorf("ask: the question has %d characters; at most %d are read", n, bot.MaxMessageRunes)
	}
	req := bot.Request{SessionID: *session, Message: question, Locale: *locale, Channel: "cli"}
	e, s, err := a.engine(ctx)
	if errors.Is(err, memstore.ErrLocked) {
		// `civicbot serve` holds the embedded store: its answer is the same one.
		r, err := a.askServer(ctx, req, err)
		if err != nil {
			return err
		}
		return a.printAnswer(r, *asJSON)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	defer closeEngine(ctx, e)
	ans, err := e.Ask(ctx, req, nil)
	if errors.Is(err, bot.ErrEmptyMessage) {
		return errors.New("ask: the question has no text to answer")
	}
	if err != nil {
		return err
	}
	return a.printAnswer(askOutput{ans.Text, ans.Mode, ans.Sources, ans.Suggestions}, *asJSON)
}

// askOutput is what ask prints, and with --json its contract.
type askOutput struct {
	Answer  string                `json:"answer"`
	Mode    conversation.Mode     `json:"mode"`
	Sources []conversation.Source `json:"sources"`
	// Suggestions are what a declined answer offers (bot.Suggestion), omitted
	// otherwise: an addition to the contract.
	Suggestions []bot.Suggestion `json:"suggestions,omitempty"`
}

func (a *app) printAnswer(ans askOutput, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(ans)
	}
	fmt.Fprintln(a.stdout, ans.Answer)
	if len(ans.Sources) > 0 {
		fmt.Fprintln(a.stdout, "\n來源 Sources:")
		for i, src := range ans.Sources {
			fmt.Fprintf(a.stdout, "[%d] %s (%s, %s)", i+1, src.Title, src.Dataset, orUnknown(src.Snapshot))
			if src.URL != "" {
				fmt.Fprintf(a.stdout, " %s", src.URL)
			}
			fmt.Fprintln(a.stdout)
		}
	}
	fmt.Fprintf(a.stdout, "\n(mode: %s)\n", ans.Mode)
	return nil
}

// askTimeout bounds a question sent to the running server.
const askTimeout = 2 * time.Minute

// askServer sends the question to the server holding the store (POST /api/v1/chat on
// CIVICBOT_ADDR). locked is why: when no server answers there either, the error says
// what holds the store and what to do.
func (a *app) askServer(ctx context.Context, r bot.Request, locked error) (askOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	body, err := json.Marshal(map[string]string{"session_id": r.SessionID, "message": r.Message, "locale": r.Locale})
	if err != nil {
		return askOutput{}, err
	}
	base := serverURL(a.cfg.Addr)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/chat", bytes.NewReader(body))
	if err != nil {
		return askOutput{}, fmt.Errorf("ask: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return askOutput{}, fmt.Errorf("ask: %w; no server answers at %s (CIVICBOT_ADDR) either: stop the process that holds the store, or set CIVICBOT_ADDR to the address `civicbot serve` listens on", locked, base)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return askOutput{}, fmt.Errorf("ask: the server at %s answered %s: %s", base, resp.Status, oneLine(string(msg)))
	}
	var out askOutput
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return askOutput{}, fmt.Errorf("ask: the server at %s: %w", base, err)
	}
	a.log.Debug("ask: answered by the running server", "addr", base)
	return out, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "date unknown"
	}
	return s
}
