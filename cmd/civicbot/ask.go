package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/llm"
	"github.com/tmc/langchaingo/llms"
)

// engine opens the store and builds the answer engine; close releases the store.
func (a *app) engine(ctx context.Context) (*bot.Engine, store, error) {
	s, err := a.openLoadedStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	model, err := a.llm(ctx)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	e, err := bot.New(bot.Config{Store: s, LLM: model, Log: a.log, Retention: a.cfg.Retention, LLMTimeout: a.cfg.LLMTimeout, StoreTimeout: a.cfg.StoreTimeout, Allow: a.cfg.Allow,
		CuratedThreshold: a.cfg.CuratedThreshold, TracerProvider: a.tracerProvider})
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
	e, s, err := a.engine(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	defer closeEngine(ctx, e)
	ans, err := e.Ask(ctx, bot.Request{SessionID: *session, Message: question, Locale: *locale, Channel: "cli"}, nil)
	if errors.Is(err, bot.ErrEmptyMessage) {
		return errors.New("ask: the question has no text to answer")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Answer  string       `json:"answer"`
			Mode    bot.Mode     `json:"mode"`
			Sources []bot.Source `json:"sources"`
		}{ans.Text, ans.Mode, ans.Sources}
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	fmt.Fprintln(a.stdout, ans.Text)
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

func orUnknown(s string) string {
	if s == "" {
		return "date unknown"
	}
	return s
}
