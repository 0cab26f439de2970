package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot/web"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestServeReadOnlyDatabase makes the database refuse writes (default_transaction_read_only,
// as after a failover to a replica or a full disk) under the serve wiring: /readyz says
// the store cannot write, feedback is 503 with the reason (not 500), chats are still
// answered, without a message_id, and every turn lost is logged and counted on /metrics.
func TestServeReadOnlyDatabase(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"DATABASE_URL": db, "CIVICBOT_RATE_LIMIT": "off"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := new(syncBuffer)
	a := &app{cfg: cfg, getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.NewTextHandler(logs, nil))}
	engine, store, err := a.engine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeEngine(ctx, engine); store.Close() })
	srv, err := web.New(web.Config{Engine: engine, Store: store, Log: a.log, Collectors: engineCollectors(&engine.Stats),
		RatePerSession: web.Limit{PerMinute: -1}, RatePerIP: web.Limit{PerMinute: -1}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	client := ts.Client()
	post := func(path, body string) (int, string) {
		t.Helper()
		resp, err := client.Post(ts.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	messageID := regexp.MustCompile(`"message_id":"([0-9a-f]*)"`)

	code, body := post("/api/v1/chat", `{"session_id":"ro","message":"路邊停車費要怎麼繳"}`)
	m := messageID.FindStringSubmatch(body)
	if code != 200 || m == nil || m[1] == "" {
		t.Fatalf("chat before: %d %s", code, body)
	}
	before := m[1]

	// Read-only for every new session of this test's database, and the pool's sessions renewed.
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{conn.Config().Database}.Sanitize()+" SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	store.(*pgstore.Store).Pool().Reset()

	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "cannot write") {
		t.Errorf("/readyz on a read-only database: %d %q, want 503 saying the store cannot write", code, body)
	}
	code, body = post("/api/v1/feedback", `{"message_id":"`+before+`","rating":"up"}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "does not accept writes") {
		t.Errorf("feedback on a read-only database: %d %s, want 503 with the reason", code, body)
	}
	for _, q := range []string{"路邊停車費要怎麼繳", "請問怎麼養一隻倉鼠"} {
		code, body := post("/api/v1/chat", `{"session_id":"ro","message":"`+q+`"}`)
		if m := messageID.FindStringSubmatch(body); code != 200 || !strings.Contains(body, `"mode"`) || m == nil || m[1] != "" {
			t.Errorf("chat %q on a read-only database: %d %s, want the answer with an empty message_id", q, code, body)
		}
	}
	// An emergency is answered (its turn is saved after the answer, and fails there).
	code, body = post("/api/v1/chat", `{"message":"我想自殺"}`)
	if code != 200 || !strings.Contains(body, `"mode":"emergency"`) || !strings.Contains(body, "1925") {
		t.Errorf("emergency on a read-only database: %d %s", code, body)
	}
	closeEngine(ctx, engine) // waits for the emergency turn's save
	_, metrics := get("/metrics")
	if !strings.Contains(metrics, "civicbot_engine_unsaved_turns_total 3") {
		t.Errorf("/metrics does not count the 3 turns lost:\n%s", grepLines(metrics, "unsaved"))
	}
	if n := strings.Count(logs.String(), "level=ERROR msg=\"save turn: the answer was given but is not kept\""); n != 3 {
		t.Errorf("%d turns lost logged as errors, want 3:\n%s", n, logs.String())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
