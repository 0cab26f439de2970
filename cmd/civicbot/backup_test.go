package main

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestBackupWhileServingRoundTrip: while `civicbot serve` holds the embedded store,
// `civicbot ask` is answered by the server and `civicbot backup` copies the store
// through it; the copy, opened in a new data directory, holds the curated answer and
// the turn made while serving, and answers the same questions with the same sources.
// A backup taken with no server running restores the same way.
func TestBackupWhileServingRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"CIVICBOT_DATA_DIR": dir}
	curated := filepath.Join(t.TempDir(), "curated.jsonl")
	if err := os.WriteFile(curated, []byte(`{"id":"citizen-card","questions":["市民卡要去哪裡辦？"],"answer":"臺北市民卡可在各區公所或市民卡服務中心申辦。","status":"approved","sources":[{"dataset":"agency_page","key":"citizen-card","title":"臺北市民卡","url":"https://card.taipei/"}],"expires_at":"2099-12-31"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := civicbot(t, env, "curated", "import", curated); err != nil {
		t.Fatalf("curated import: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err := civicbot(t, env, "token", "create", "--name", "backup", "--role", "admin")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])
	out, errOut, err = civicbot(t, env, "token", "create", "--name", "reader", "--role", "viewer")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, errOut)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	viewer := strings.TrimSpace(lines[len(lines)-1])

	srv := startServe(t, map[string]string{"CIVICBOT_DATA_DIR": dir, "CIVICBOT_ADDR": "127.0.0.1:0"})
	addr := strings.TrimSuffix(strings.TrimPrefix(srv.base, "http://"), "/")
	serving := map[string]string{"CIVICBOT_DATA_DIR": dir, "CIVICBOT_ADDR": addr}

	questions := []string{"市民卡要去哪裡辦？", "普拿疼膜衣錠是什麼藥", "路邊停車費要怎麼繳"}
	askAll := func(env map[string]string, extra ...string) []askResult {
		t.Helper()
		var rs []askResult
		for _, q := range questions {
			out, errOut, err := civicbot(t, env, append(append([]string{"ask", "--json"}, extra...), q)...)
			if err != nil {
				t.Fatalf("ask %q: %v\n%s", q, err, errOut)
			}
			var r askResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("ask %q: not the JSON contract: %v\n%s", q, err, out)
			}
			rs = append(rs, r)
		}
		return rs
	}
	before := askAll(serving, "--session", "backup-test")
	if before[0].Mode != "curated" || len(before[1].Sources) == 0 || before[1].Mode != "extractive" {
		t.Fatalf("answers through the server: %+v", before)
	}

	// The turns are saved in the background: wait until the staff API lists the last one.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		code, body := httpGet(t, srv.base+"api/v1/admin/conversations?channel=web", "Bearer "+token)
		if code == http.StatusOK && strings.Contains(body, questions[2]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the turns made while serving are not listed: %d %s", code, body)
		}
	}
	// A viewer may not take the store away.
	if code, _ := httpGet(t, srv.base+"api/v1/admin/backup", "Bearer "+viewer); code != http.StatusForbidden {
		t.Errorf("backup with a viewer token: %d, want 403", code)
	}

	// Without a token the message names what holds the store and the fix.
	_, _, err = civicbot(t, serving, "backup", filepath.Join(t.TempDir(), "x.db"))
	if err == nil || !strings.Contains(err.Error(), "civicbot serve") || !strings.Contains(err.Error(), "CIVICBOT_TOKEN") {
		t.Errorf("backup of a held store without a token: %v; want the cause and CIVICBOT_TOKEN named", err)
	}
	online := filepath.Join(t.TempDir(), "online.db")
	withToken := map[string]string{"CIVICBOT_DATA_DIR": dir, "CIVICBOT_ADDR": addr, "CIVICBOT_TOKEN": token}
	if out, errOut, err := civicbot(t, withToken, "backup", online); err != nil || !strings.Contains(out, "through the running server") {
		t.Fatalf("backup while serving: %v\n%s%s", err, out, errOut)
	}
	srv.stop(t)

	offline := filepath.Join(t.TempDir(), "offline.db")
	if out, errOut, err := civicbot(t, env, "backup", offline); err != nil || !strings.Contains(out, "from the store") {
		t.Fatalf("backup with no server: %v\n%s%s", err, out, errOut)
	}

	for _, file := range []string{online, offline} {
		restored := filepath.Join(t.TempDir(), "restored")
		if err := os.MkdirAll(restored, 0o750); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(restored, "civicbot.db"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		renv := map[string]string{"CIVICBOT_DATA_DIR": restored}
		after := askAll(renv)
		for i, q := range questions {
			if after[i].Answer != before[i].Answer || after[i].Mode != before[i].Mode || !sameSources(after[i], before[i]) {
				t.Errorf("%s: %q answered differently after restore:\nbefore %+v\nafter  %+v", filepath.Base(file), q, before[i], after[i])
			}
		}
		// The turns made while serving are in the copy.
		a := &app{getenv: func(k string) string { return renv[k] }}
		a.cfg, err = loadConfig(a.getenv)
		if err != nil {
			t.Fatal(err)
		}
		a.log = slog.New(slog.DiscardHandler)
		s, err := a.openStore(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.Conversations(t.Context(), staff.TurnFilter{Channel: "web", Limit: 50})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rows, func(r staff.TurnRow) bool { return r.Question == questions[1] && r.SessionID == "web:backup-test" }) {
			t.Errorf("%s: the turn made while serving is not in the copy (%d web turns)", filepath.Base(file), len(rows))
		}
	}
}

func sameSources(a, b askResult) bool {
	if len(a.Sources) != len(b.Sources) {
		return false
	}
	for i := range a.Sources {
		if a.Sources[i] != b.Sources[i] {
			return false
		}
	}
	return true
}

// TestAskHeldStoreNoServer: when another process holds the embedded store and no
// server answers at CIVICBOT_ADDR, ask says what holds the store and what to do, not
// something about ingest.
func TestAskHeldStoreNoServer(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CIVICBOT_DATA_DIR": dir}
	a := &app{getenv: func(k string) string { return env[k] }, log: slog.New(slog.DiscardHandler)}
	var err error
	if a.cfg, err = loadConfig(a.getenv); err != nil {
		t.Fatal(err)
	}
	held, err := a.openStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, _, err = civicbot(t, map[string]string{"CIVICBOT_DATA_DIR": dir, "CIVICBOT_ADDR": addr}, "ask", "市民卡要去哪裡辦？")
	if err == nil {
		t.Fatal("ask with the store held and no server: no error")
	}
	msg := err.Error()
	for _, want := range []string{"another", "civicbot serve", "CIVICBOT_ADDR", addr} {
		if !strings.Contains(msg, want) {
			t.Errorf("ask error %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, "ingest") {
		t.Errorf("ask error %q speaks of ingest", msg)
	}
}

// TestPostgresDumpRestoreRoundTrip: the README's pg_dump / pg_restore commands copy a
// PostgreSQL store, curated answers and turns included, into a new database that
// answers the same questions with the same sources.
func TestPostgresDumpRestoreRoundTrip(t *testing.T) {
	src := map[string]string{"DATABASE_URL": pgtest.New(t)}
	if _, errOut, err := civicbot(t, src, "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut)
	}
	fixture := filepath.Join("..", "..", "ingest", "taipei", "testdata", "faq_broken.xml")
	if _, errOut, err := civicbot(t, src, "ingest", "--source", "taipei_faq", fixture); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}
	curated := filepath.Join(t.TempDir(), "curated.jsonl")
	if err := os.WriteFile(curated, []byte(`{"id":"citizen-card","questions":["市民卡要去哪裡辦？"],"answer":"臺北市民卡可在各區公所或市民卡服務中心申辦。","status":"approved","sources":[{"dataset":"agency_page","key":"citizen-card","title":"臺北市民卡","url":"https://card.taipei/"}],"expires_at":"2099-12-31"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := civicbot(t, src, "curated", "import", curated); err != nil {
		t.Fatalf("curated import: %v\n%s%s", err, out, errOut)
	}
	questions := []string{"市民卡要去哪裡辦？", "不能用免洗餐具以後要改用什麼餐具", "那裏可以做癌症篩檢"}
	askAll := func(env map[string]string) []string {
		t.Helper()
		var outs []string
		for _, q := range questions {
			out, errOut, err := civicbot(t, env, "ask", "--json", q)
			if err != nil {
				t.Fatalf("ask %q: %v\n%s", q, err, errOut)
			}
			outs = append(outs, out)
		}
		return outs
	}
	before := askAll(src)
	if !strings.Contains(before[0], `"mode":"curated"`) || !strings.Contains(before[1], "GIP_") {
		t.Fatalf("answers before the dump: %q", before)
	}

	dump := filepath.Join(t.TempDir(), "civicbot.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--no-owner", "--file="+dump, "--dbname="+src["DATABASE_URL"]).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	dst := map[string]string{"DATABASE_URL": pgtest.New(t)}
	if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+dst["DATABASE_URL"], dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	if out, errOut, err := civicbot(t, dst, "migrate"); err != nil || !strings.Contains(out, "current") {
		t.Fatalf("migrate after restore: %v\n%s%s", err, out, errOut)
	}
	after := askAll(dst)
	for i, q := range questions {
		if after[i] != before[i] {
			t.Errorf("%q answered differently after restore:\nbefore %s\nafter  %s", q, before[i], after[i])
		}
	}
	a := &app{getenv: func(k string) string { return dst[k] }, log: slog.New(slog.DiscardHandler)}
	var err error
	if a.cfg, err = loadConfig(a.getenv); err != nil {
		t.Fatal(err)
	}
	s, err := a.openStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.Conversations(t.Context(), staff.TurnFilter{Channel: "cli", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	// The turns asked of the source database are in the copy, besides those asked after.
	n := 0
	for _, r := range rows {
		if r.Question == questions[1] {
			n++
		}
	}
	if n != 2 {
		t.Errorf("the restored database has %d turns of %q, want 2 (one from before the dump)", n, questions[1])
	}
}
