package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/triage"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// civicbot runs the command as a user would and returns its output.
func civicbot(tb testing.TB, env map[string]string, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), append([]string{"civicbot"}, args...), getenv, &out, &errb)
	return out.String(), errb.String(), err
}

var summary = regexp.MustCompile(`^ingest: (\d+) documents \((\d+) new, (\d+) changed, (\d+) unchanged, (\d+) removed, (\d+) rejected(?:, \d+ broken characters: \d+ repaired, \d+ left as U\+FFFD)?\) in [0-9.]+s\n$`)

func parseSummary(tb testing.TB, out string) [6]int {
	tb.Helper()
	m := summary.FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("no summary line in %q", out)
	}
	var n [6]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return n
}

func bundled(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob("../../ingest/opendata/tfda/*")
	if err != nil || len(paths) != 4 {
		tb.Fatalf("bundled TFDA files: %v %v", paths, err)
	}
	return append(paths, "../../ingest/opendata/taipei/faq.xml")
}

func TestIngestAndSearchBundledData(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.New(t)}
	out, errOut, err := civicbot(t, env, append([]string{"ingest"}, bundled(t)...)...)
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}
	first := parseSummary(t, out)
	if first[0] < 8000 || first[1] != first[0] || first[3] != 0 {
		t.Fatalf("first ingest: %v", first)
	}
	if !strings.Contains(errOut, "config: store=postgres://postgres@") {
		t.Errorf("config not printed: %s", errOut)
	}

	t.Run("re-ingest changes nothing", func(t *testing.T) {
		for _, force := range []bool{false, true} {
			args := []string{"ingest"}
			if force {
				args = append(args, "--force")
			}
			out, errOut, err := civicbot(t, env, append(args, bundled(t)...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			again := parseSummary(t, out)
			if again[0] != first[0] || again[3] != first[0] || again[1]+again[2]+again[4] != 0 {
				t.Fatalf("re-ingest (force %v): %v, first %v", force, again, first)
			}
			if skipped := strings.Contains(errOut, "source tfda-42: files unchanged since the last run"); skipped == force {
				t.Errorf("force %v: unchanged files skipped = %v\n%s", force, skipped, errOut)
			}
		}
	})

	tests := []struct {
		query, wantKey string
	}{
		{"YSP 007", "衛署藥製字第029478號"},
		{"交通違規簡訊服務常見問答", "GIP_94145712"},
		{"衛署藥製字第029478號", "衛署藥製字第029478號"},
		{"藥製字029478", "衛署藥製字第029478號"},
		{"许可证 卫署药制字第029478号", "衛署藥製字第029478號"},
		{"ysp007", "衛署藥製字第029478號"},
	}
	for _, tt := range tests {
		t.Run("search "+tt.query, func(t *testing.T) {
			out, errOut, err := civicbot(t, env, "search", "--json", "-k", "5", tt.query)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			var res struct {
				Results []struct {
					Dataset, Key, Title, URL string
					Score                    float64
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("search --json: %v: %s", err, out)
			}
			if len(res.Results) == 0 || res.Results[0].Key != tt.wantKey {
				t.Fatalf("top result for %q: %+v, want %s", tt.query, res.Results, tt.wantKey)
			}
			if res.Results[0].Dataset == "" || res.Results[0].Title == "" || res.Results[0].Score <= 0 {
				t.Errorf("incomplete result %+v", res.Results[0])
			}
		})
	}

	t.Run("text output", func(t *testing.T) {
		out, _, err := civicbot(t, env, "search", "YSP", "007")
		if err != nil || !strings.Contains(out, "1. 優心膜衣錠100毫克(阿廷諾)") || !strings.Contains(out, "tfda_drug 衛署藥製字第029478號") {
			t.Fatalf("search text: %v\n%s", err, out)
		}
	})
}

func TestIngestFailuresChangeNothing(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.New(t)}
	dir := t.TempDir()
	good := filepath.Join(dir, "159.csv")
	src, err := os.ReadFile("../../ingest/opendata/tfda/159.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(good, src, 0o644)
	out, errOut, err := civicbot(t, env, "ingest", good)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	before := parseSummary(t, out)

	bad := filepath.Join(dir, "broken", "159.csv")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	// Break many rows: the run exceeds its error budget and must store nothing.
	lines := strings.Split(string(src), "\n")
	for i := 1; i < len(lines) && i < 60; i += 3 {
		lines[i] = `"藥品","",""`
	}
	os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
	_, errOut, err = civicbot(t, env, "ingest", bad)
	if err == nil || !strings.Contains(err.Error(), "too many malformed records") || !strings.Contains(err.Error(), "159.csv:2: 3 fields") {
		t.Fatalf("want a budget failure with file:line rejects, got %v\n%s", err, errOut)
	}
	out, _, err = civicbot(t, env, "ingest", good)
	if err != nil {
		t.Fatal(err)
	}
	if after := parseSummary(t, out); after[3] != before[0] {
		t.Fatalf("a failed run changed the data: %v then %v", before, after)
	}

	_, _, err = civicbot(t, env, "ingest", filepath.Join(dir, "missing.csv"))
	if err == nil {
		t.Error("a missing file must fail")
	}
	_, _, err = civicbot(t, env, "ingest")
	if err == nil || !strings.Contains(err.Error(), "no PATH") {
		t.Errorf("no path: %v", err)
	}
}

func TestConfig(t *testing.T) {
	_, err := loadConfig(func(k string) string {
		return map[string]string{"LLM_PROVIDER": "gpt", "CIVICBOT_ADDR": "nonsense", "WIDGET_ALLOWED_ORIGINS": "https://ok.gov.tw,not a url",
			"CIVICBOT_CURATED_THRESHOLD": "0.1", "OIDC_ISSUER": "https://sso.agency.gov.tw"}[k]
	})
	for _, want := range []string{"LLM_PROVIDER", "CIVICBOT_ADDR", "WIDGET_ALLOWED_ORIGINS", "CIVICBOT_CURATED_THRESHOLD", "OIDC_CLIENT_ID"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config error %v should name %s", err, want)
		}
	}
	c, err := loadConfig(func(k string) string {
		return map[string]string{"DATABASE_URL": "postgres://u:secret@db:5432/x", "LLM_PROVIDER": "openai", "LLM_MODEL": "m", "LLM_API_KEY": "sk-secret", "LINE_CHANNEL_SECRET": "abc", "LINE_CHANNEL_ACCESS_TOKEN": "tok-secret",
			"OIDC_ISSUER": "https://sso.agency.gov.tw", "OIDC_CLIENT_ID": "civicbot", "OIDC_CLIENT_SECRET": "oidc-secret", "OIDC_REDIRECT_URL": "https://civicbot.gov.tw/admin/oidc/callback"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	c.print(&b)
	if s := b.String(); strings.Contains(s, ":secret") || strings.Contains(s, "sk-secret") || strings.Contains(s, "=abc") || strings.Contains(s, "tok-secret") || strings.Contains(s, "oidc-secret") || !strings.Contains(s, "u:****@db") {
		t.Errorf("secrets not masked: %s", s)
	}
	if s := b.String(); !strings.Contains(s, " index_version="+retrieval.IndexVersion()+" ") || !strings.Contains(s, " lexicons=retrieval@"+retrieval.LexiconVersion()+",bot@"+bot.LexiconVersion()+",triage@"+triage.LexiconVersion()+" ") {
		t.Errorf("config line does not give the lexicon versions: %s", s)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.EmbeddingsProvider != "hash" || c.CuratedThreshold != 0.8 {
		t.Errorf("defaults: %+v", c)
	}
}

// LLM_QUERY_REWRITE is on by default, turned off by "off", and a value that is neither
// is a configuration error; the config line says which.
func TestConfigQueryRewrite(t *testing.T) {
	load := func(v string) (Config, error) {
		return loadConfig(func(k string) string {
			return map[string]string{"LLM_PROVIDER": "openai", "LLM_MODEL": "m", "LLM_QUERY_REWRITE": v}[k]
		})
	}
	for v, want := range map[string]bool{"": true, "on": true, "off": false} {
		c, err := load(v)
		if err != nil {
			t.Fatalf("LLM_QUERY_REWRITE=%q: %v", v, err)
		}
		if c.LLMQueryRewrite != want {
			t.Errorf("LLM_QUERY_REWRITE=%q: %t, want %t", v, c.LLMQueryRewrite, want)
		}
		var b bytes.Buffer
		c.print(&b)
		if !strings.Contains(b.String(), fmt.Sprintf(" llm_query_rewrite=%t", want)) {
			t.Errorf("LLM_QUERY_REWRITE=%q: the config line does not say it: %s", v, b.String())
		}
	}
	if _, err := load("sometimes"); err == nil || !strings.Contains(err.Error(), "LLM_QUERY_REWRITE") {
		t.Errorf("LLM_QUERY_REWRITE=sometimes: err %v, want one naming it", err)
	}
}
