// Package prompts holds the texts civicbot answers with: the templates of extractive
// answers (a drug card, a pill-identification list, a city-FAQ answer, a myth-busting
// answer), the fixed emergency, refusal and no-answer texts, and the LLM's system
// prompt. They are versioned files, embedded in the binary, so that staff can review
// every word a citizen may read and a change shows in the history.
package prompts

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"
	"unicode/utf8"
)

// Version names the prompt set; it is recorded with every generated answer's logs and
// changes whenever a template changes meaning.
const Version = "v1"

//go:embed *.tmpl
var files embed.FS

// Locales with their own answer templates; others fall back to DefaultLocale.
const (
	DefaultLocale = "zh-TW"
	English       = "en"
)

var (
	parseOnce sync.Once
	parsed    map[string]*template.Template
	parseErr  error
)

var funcs = template.FuncMap{
	"join": strings.Join,
	// cut shortens text to n runes, ending with "…" when it was cut.
	"cut":      Cut,
	"inc":      func(i int) int { return i + 1 },
	"contains": strings.Contains,
}

func load() (map[string]*template.Template, error) {
	parseOnce.Do(func() {
		parsed = map[string]*template.Template{}
		for locale, file := range map[string]string{DefaultLocale: "answers.zh-TW." + Version + ".tmpl", English: "answers.en." + Version + ".tmpl"} {
			t, err := template.New(file).Funcs(funcs).Option("missingkey=error").ParseFS(files, file)
			if err != nil {
				parseErr = fmt.Errorf("prompts: %w", err)
				return
			}
			parsed[locale] = t
		}
		for _, file := range []string{"system." + Version + ".tmpl", "rewrite." + Version + ".tmpl"} {
			t, err := template.New(file).Funcs(funcs).Option("missingkey=error").ParseFS(files, file)
			if err != nil {
				parseErr = fmt.Errorf("prompts: %w", err)
				return
			}
			parsed[file] = t
		}
	})
	return parsed, parseErr
}

// Render renders the answer template name ("drug", "pill", "faq", "myth", "emergency",
// "self_harm", "refusal", "injection", "greeting", "no_answer", "privacy", "framing",
// ...) in a locale.
func Render(locale, name string, data any) (string, error) {
	ts, err := load()
	if err != nil {
		return "", err
	}
	t, ok := ts[locale]
	if !ok {
		t = ts[DefaultLocale]
	}
	return execute(t, name, data)
}

// System renders the LLM's system prompt.
func System(data SystemData) (string, error) {
	ts, err := load()
	if err != nil {
		return "", err
	}
	return execute(ts["system."+Version+".tmpl"], "system", data)
}

// SystemData fills the system prompt.
type SystemData struct {
	// Canary is a random marker that must never appear in an answer: if it does, the
	// model is repeating its instructions.
	Canary    string
	English   bool
	HelpLines []string
}

// Rewrite renders the prompt that turns a follow-up question into one that stands
// on its own.
func Rewrite(data RewriteData) (string, error) {
	ts, err := load()
	if err != nil {
		return "", err
	}
	return execute(ts["rewrite."+Version+".tmpl"], "rewrite", data)
}

// RewriteData fills the rewrite prompt.
type RewriteData struct {
	History  []Exchange
	Question string
}

// Restate renders the prompt that restates a question search found no answer to in
// the words an official record would use (Traditional Chinese, one line), to search
// again: the restated question is searched, never shown.
func Restate(question string) (string, error) {
	ts, err := load()
	if err != nil {
		return "", err
	}
	return execute(ts["rewrite."+Version+".tmpl"], "restate", struct{ Question string }{question})
}

// Exchange is one earlier turn of a conversation.
type Exchange struct{ Question, Topic string }

func execute(t *template.Template, name string, data any) (string, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("prompts: %s: %w", name, err)
	}
	return tidy(b.String()), nil
}

// tidy trims the ends of lines and collapses runs of blank lines, so templates can be
// laid out for reading.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// URLs finds the links in a text (with or without a scheme), as answers are checked
// for them: up to the first space, quote, bracket, CJK punctuation or "…".
var URLs = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s<>"'（）()「」『』，。、；！？…\[\]]+`)

// Cut shortens s to at most n runes, ending with "…" when it was cut. It ends at a
// sentence's end when one is in the second half of what it keeps, and never inside a
// link: a link cut short leads nowhere (or somewhere else).
func Cut(n int, s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	head := string([]rune(s)[:n])
	links := URLs.FindAllStringIndex(s, -1)
	inLink := func(i int) bool {
		return slices.ContainsFunc(links, func(m []int) bool { return m[0] <= i && i < m[1] })
	}
	for _, m := range links {
		if m[0] < len(head) && m[1] > len(head) {
			head = head[:m[0]]
		}
	}
	for i := len(head); i > 0; {
		r, size := utf8.DecodeLastRuneInString(head[:i])
		i -= size
		if utf8.RuneCountInString(head[:i]) < n/2 {
			break
		}
		if strings.ContainsRune("。！？；\n", r) && !inLink(i) {
			head = head[:i+size]
			break
		}
	}
	return strings.TrimSpace(head) + "…"
}

// Sources renders the user message of the generated composer: the numbered sources
// and the question.
func Sources(data SourcesData) (string, error) {
	ts, err := load()
	if err != nil {
		return "", err
	}
	return execute(ts["system."+Version+".tmpl"], "sources", data)
}

// SourcesData fills the user message.
type SourcesData struct {
	Sources  []NumberedSource
	Question string
}

// NumberedSource is one source as the LLM reads it.
type NumberedSource struct {
	Title, Dataset, Snapshot, Status, URL, Text string
}
