package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestIngestReportsBrokenCharacters: on either store, the ingest of a city FAQ with
// U+FFFD says how many broken characters it found and repaired, on the summary line
// and in the stored run, and the repaired word is what search finds.
func TestIngestReportsBrokenCharacters(t *testing.T) {
	fixture := filepath.Join("..", "..", "ingest", "taipei", "testdata", "faq_broken.xml")
	for name, env := range map[string]map[string]string{
		"embedded":   {"CIVICBOT_DATA_DIR": t.TempDir()},
		"postgresql": {"DATABASE_URL": pgtest.New(t)},
	} {
		t.Run(name, func(t *testing.T) {
			if env["DATABASE_URL"] != "" {
				if _, errOut, err := civicbot(t, env, "migrate"); err != nil {
					t.Fatalf("migrate: %v\n%s", err, errOut)
				}
			}
			out, errOut, err := civicbot(t, env, "ingest", "--source", "taipei_faq", fixture)
			if err != nil {
				t.Fatalf("ingest: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "11 broken characters: 7 repaired, 4 left as U+FFFD") {
				t.Errorf("summary line %q does not report the broken characters", out)
			}
			if n := parseSummary(t, out); n[0] != 8 {
				t.Errorf("summary %v: want 8 documents", n)
			}
			if !strings.Contains(errOut, "11 broken characters") {
				t.Errorf("no per-source line on stderr:\n%s", errOut)
			}
			a := &app{getenv: func(k string) string { return env[k] }, log: slog.New(slog.DiscardHandler)}
			if a.cfg, err = loadConfig(a.getenv); err != nil {
				t.Fatal(err)
			}
			s, err := a.openStore(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			runs, err := s.IngestRuns(t.Context(), 1)
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || len(runs[0].Text) != 1 || runs[0].Text[0].Broken != 11 || runs[0].Text[0].Repaired != 7 || runs[0].Text[0].Source == "" {
				t.Errorf("stored run: %+v", runs)
			}
			sout, _, err := civicbot(t, env, "search", "--json", "不銹鋼")
			if err != nil || !strings.Contains(sout, "GIP_164535000") {
				t.Errorf("search 不銹鋼: %v %s", err, sout)
			}
		})
	}
}
