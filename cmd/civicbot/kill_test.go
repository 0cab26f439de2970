package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestMain lets a test run the real command in a child process, so that it can be killed.
func TestMain(m *testing.M) {
	if os.Getenv("CIVICBOT_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestIngestKilledMidwayKeepsOldData(t *testing.T) {
	url := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": url}
	dir := t.TempDir()
	old := filepath.Join(dir, "36_2.csv")
	writeSynthetic(t, old, 1000, 1)
	if _, errOut, err := civicbot(t, env, "ingest", old); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	before := docCount(t, url)

	// A different, larger export; the process is killed with SIGKILL while it writes.
	next := filepath.Join(dir, "next", "36_2.csv")
	os.MkdirAll(filepath.Dir(next), 0o755)
	writeSynthetic(t, next, 6000, 2)
	cmd := exec.Command(os.Args[0], "ingest", "--allow-shrink", next)
	cmd.Env = append(os.Environ(), "CIVICBOT_TEST_MAIN=1", "DATABASE_URL="+url, "CIVICBOT_LOG_LEVEL=debug")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "phase=embed") {
			cmd.Process.Kill()
			killed = true
			break
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatal("the child finished before it could be killed")
	}
	if got := docCount(t, url); got != before {
		t.Fatalf("after the kill the store holds %d documents, want the old %d", got, before)
	}
	out, errOut, err := civicbot(t, env, "ingest", "--allow-shrink", next)
	if err != nil {
		t.Fatalf("next run: %v\n%s", err, errOut)
	}
	if n := parseSummary(t, out); n[0] == before || docCount(t, url) != n[0] {
		t.Fatalf("next run did not complete: %v", n)
	}
}

func writeSynthetic(tb testing.TB, path string, rows int, seed int64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := tfda.WriteSynthetic(f, rows, seed); err != nil {
		tb.Fatal(err)
	}
}

func docCount(tb testing.TB, url string) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM documents`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}
