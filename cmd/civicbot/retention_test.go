package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestParseDays(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string // "" for none
	}{
		{"30d", 30 * 24 * time.Hour, ""},
		{"720h", 720 * time.Hour, ""},
		{"3650d", 3650 * 24 * time.Hour, ""},
		{"1h", time.Hour, ""},
		{"3651d", 0, "too long"},
		{"106752d", 0, "too long"}, // days × 24 h overflows to a negative duration
		{"200000d", 0, "too long"},
		{"99999999999999999999d", 0, "too long"},
		{"87601h", 0, "too long"},
		{"3000000h", 0, "too long"}, // past time.Duration's range
		{"0d", 0, "not positive"},
		{"-3d", 0, "not positive"},
		{"-1h", 0, "not positive"},
		{"0s", 0, "not positive"},
		{"xd", 0, "not a number of days"},
		{"soon", 0, "not a duration"},
		{"", 0, "not a duration"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d, err := parseDays("CIVICBOT_RETENTION", tc.in)
			if tc.err == "" {
				if err != nil || d != tc.want {
					t.Fatalf("parseDays(%q) = %v, %v; want %v", tc.in, d, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("parseDays(%q) = %v, want an error", tc.in, d)
			}
			if !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "CIVICBOT_RETENTION") {
				t.Errorf("parseDays(%q) error %q: want it to name CIVICBOT_RETENTION and say %q", tc.in, err, tc.err)
			}
		})
	}
}

// TestPurgeRefusesOverflow: a retention past the maximum, from the flag or from the
// environment, is refused with an error naming it, and nothing is deleted (it used to
// overflow into a negative duration and delete the conversations of the last seconds).
func TestPurgeRefusesOverflow(t *testing.T) {
	db := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": db}
	if _, errOut, err := civicbot(t, env, "ask", "--session", "s1", "我想自殺"); err != nil {
		t.Fatalf("ask: %v\n%s", err, errOut)
	}
	count := func() int {
		t.Helper()
		ctx := context.Background()
		c, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d messages after one question, want 1", n)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag 106752d", env, []string{"purge", "--older-than", "106752d"}, "--older-than"},
		{"flag 200000d", env, []string{"purge", "--older-than", "200000d"}, "--older-than"},
		{"flag 4000d", env, []string{"purge", "--older-than", "4000d"}, "--older-than"},
		{"flag 0d", env, []string{"purge", "--older-than", "0d"}, "--older-than"},
		{"env 200000d", map[string]string{"DATABASE_URL": db, "CIVICBOT_RETENTION": "200000d"}, []string{"purge"}, "CIVICBOT_RETENTION"},
		{"env 106752d", map[string]string{"DATABASE_URL": db, "CIVICBOT_RETENTION": "106752d"}, []string{"purge"}, "CIVICBOT_RETENTION"},
		{"env -1d", map[string]string{"DATABASE_URL": db, "CIVICBOT_RETENTION": "-1d"}, []string{"purge"}, "CIVICBOT_RETENTION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := civicbot(t, tc.env, tc.args...)
			if err == nil {
				t.Fatalf("civicbot %q: no error; output %q", tc.args, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s", err, tc.want)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d messages left, want 1: nothing may be deleted", n)
			}
		})
	}
	// A sane value still purges, and keeps the recent message.
	if out, _, err := civicbot(t, env, "purge", "--older-than", "3650d"); err != nil || !strings.Contains(out, "purge: 0 messages") {
		t.Errorf("purge --older-than 3650d: %v %q", err, out)
	}
	if n := count(); n != 1 {
		t.Errorf("%d messages left after a 10-year purge, want 1", n)
	}
}

// TestConfigEmbeddingsDim: a dimension that is not a positive number stops the start
// with an error naming EMBEDDINGS_DIM (it used to be read as 0: the default, silently).
func TestConfigEmbeddingsDim(t *testing.T) {
	for _, v := range []string{"256x", "abc", "-3", "0", "1.5"} {
		_, err := loadConfig(func(k string) string { return map[string]string{"EMBEDDINGS_DIM": v}[k] })
		if err == nil || !strings.Contains(err.Error(), "EMBEDDINGS_DIM") {
			t.Errorf("EMBEDDINGS_DIM=%q: error %v, want one naming EMBEDDINGS_DIM", v, err)
		}
		if _, _, err := civicbot(t, map[string]string{"EMBEDDINGS_DIM": v, "CIVICBOT_DATA_DIR": t.TempDir()}, "search", "普拿疼"); err == nil || !strings.Contains(err.Error(), "EMBEDDINGS_DIM") {
			t.Errorf("civicbot search with EMBEDDINGS_DIM=%q: error %v, want one naming EMBEDDINGS_DIM", v, err)
		}
	}
	c, err := loadConfig(func(k string) string { return map[string]string{"EMBEDDINGS_DIM": " 512 "}[k] })
	if err != nil || c.EmbeddingsDim != 512 {
		t.Errorf("EMBEDDINGS_DIM=512: %d, %v", c.EmbeddingsDim, err)
	}
}
