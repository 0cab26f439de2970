package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestSynonymsCommand: `civicbot synonyms` lists, drafts and retires staff synonym
// groups as the console does, on both stores, each change audited as done by cli.
func TestSynonymsCommand(t *testing.T) {
	for name, env := range map[string]func(t *testing.T) map[string]string{
		"embedded": func(t *testing.T) map[string]string {
			return map[string]string{"CIVICBOT_DATA_DIR": filepath.Join(t.TempDir(), "data")}
		},
		"postgres": func(t *testing.T) map[string]string { return map[string]string{"DATABASE_URL": pgtest.New(t)} },
	} {
		t.Run(name, func(t *testing.T) {
			env := env(t)
			if out, _, err := civicbot(t, env, "synonyms", "list"); err != nil || out != "" {
				t.Fatalf("list of none: %q, %v", out, err)
			}
			out, _, err := civicbot(t, env, "synonyms", "add", "--name", "sea-burial", "海洋葬", "海葬")
			if err != nil || !strings.Contains(out, "drafted sea-burial") || !strings.Contains(out, "approver") {
				t.Fatalf("add: %q, %v", out, err)
			}
			// Refused as the console refuses: one word, a bad name, a taken name.
			for _, args := range [][]string{
				{"synonyms", "add", "孤單"},
				{"synonyms", "add", "--name", "Bad Name!", "甲字", "乙字"},
				{"synonyms", "add", "--name", "sea-burial", "丙字", "丁字"},
				{"synonyms", "remove", "no-such-group"},
				{"synonyms", "rename"},
			} {
				if out, _, err := civicbot(t, env, args...); err == nil {
					t.Errorf("%q succeeded: %q", args, out)
				}
			}
			out, _, err = civicbot(t, env, "synonyms", "list")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if err != nil || len(lines) != 1 {
				t.Fatalf("list: %q, %v; want the one draft", out, err)
			}
			f := strings.Split(lines[0], "\t")
			if len(f) != 4 || f[1] != "sea-burial" || f[2] != retrieval.SynonymDraft || !strings.Contains(f[3], "海洋葬") || !strings.Contains(f[3], "海葬") {
				t.Fatalf("list line %q", lines[0])
			}
			id := f[0]

			// An approver approves it (in the console); the shell then retires it by name.
			a := &app{getenv: func(k string) string { return env[k] }, log: slog.New(slog.DiscardHandler)}
			if a.cfg, err = loadConfig(a.getenv); err != nil {
				t.Fatal(err)
			}
			s, err := a.openStore(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			all, err := s.StaffSynonyms(t.Context())
			if err != nil || len(all) != 1 || all[0].Author != "cli" {
				t.Fatalf("stored: %+v, %v; want the draft by cli", all, err)
			}
			g := all[0]
			g.Status, g.ApprovedBy = retrieval.SynonymApproved, "approver@agency.gov.tw"
			if err := s.PutStaffSynonym(t.Context(), g); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if out, _, err := civicbot(t, env, "synonyms", "remove", "sea-burial"); err != nil || !strings.Contains(out, "retired sea-burial") {
				t.Fatalf("remove: %q, %v", out, err)
			}
			if out, _, err := civicbot(t, env, "synonyms", "remove", id); err == nil {
				t.Errorf("removing a retired group again succeeded: %q", out)
			}
			s, err = a.openStore(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			all, err = s.StaffSynonyms(t.Context())
			if err != nil || len(all) != 1 || all[0].Status != retrieval.SynonymRetired || len(retrieval.Approved(all)) != 0 {
				t.Errorf("after remove: %+v, %v; want it retired", all, err)
			}
			entries, err := s.Audit(t.Context(), staff.AuditFilter{Action: "synonyms"})
			if err != nil {
				t.Fatal(err)
			}
			var steps []string
			for _, e := range entries {
				steps = append(steps, e.Action+" "+e.Actor+" "+e.Target)
			}
			if want := "synonyms.retire cli " + id + "\nsynonyms.draft cli " + id; strings.Join(steps, "\n") != want {
				t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(steps, "\n"), want)
			}
		})
	}
}
