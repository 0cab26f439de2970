package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// syncBuffer collects the output of a server running in another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingOn = regexp.MustCompile(`civicbot: serving on (http://[^ ]+/) \(demo page\)`)

// TestServe runs `civicbot serve` on the bundled data and talks to it as the widget
// does: health, a question answered as JSON and as a stream, feedback on the answer,
// then a clean shutdown.
func TestServe(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.New(t), "CIVICBOT_ADDR": "127.0.0.1:0"}
	if _, errOut, err := civicbot(t, env, append([]string{"ingest"}, bundled(t)...)...); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}

	srv := startServe(t, env)
	base, stderr := srv.base, srv.stderr
	if !strings.Contains(stderr.String(), "config: store=postgres://") {
		t.Errorf("config not printed:\n%s", stderr.String())
	}
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + strings.TrimPrefix(path, "/"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path, body, accept string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "POST", base+strings.TrimPrefix(path, "/"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz: %d %q", code, body)
	}
	if code, body := get("/"); code != 200 || body == "" {
		t.Errorf("/: %d", code)
	}

	const question = `{"session_id":"serve-test","message":"路邊停車費要怎麼繳","locale":"zh-TW"}`
	var jsonID string
	t.Run("chat json", func(t *testing.T) {
		resp := post("/api/v1/chat", question, "")
		var out struct {
			Answer    string `json:"answer"`
			Mode      string `json:"mode"`
			MessageID string `json:"message_id"`
			Sources   []struct {
				Dataset, Key, Title, URL, Snapshot string
			} `json:"sources"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		if out.Mode != "extractive" || out.Answer == "" || out.MessageID == "" || len(out.Sources) == 0 || out.Sources[0].Dataset != "taipei_faq" {
			t.Fatalf("answer %+v", out)
		}
		jsonID = out.MessageID
	})

	var streamID string
	t.Run("chat stream", func(t *testing.T) {
		resp := post("/api/v1/chat", question, "text/event-stream")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
			t.Fatalf("status %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var (
			names []string
			text  strings.Builder
		)
		sc := bufio.NewScanner(resp.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
				names = append(names, name)
			case strings.HasPrefix(line, "data: "):
				data := []byte(strings.TrimPrefix(line, "data: "))
				var v struct {
					Text      string `json:"text"`
					MessageID string `json:"message_id"`
					Mode      string `json:"mode"`
					Sources   []struct{ Dataset string }
				}
				if err := json.Unmarshal(data, &v); err != nil {
					t.Fatalf("%s: %v: %s", name, err, data)
				}
				switch name {
				case "delta":
					text.WriteString(v.Text)
				case "sources":
					if len(v.Sources) == 0 || v.Sources[0].Dataset != "taipei_faq" {
						t.Errorf("sources %s", data)
					}
				case "done":
					if v.Mode != "extractive" || v.MessageID == "" {
						t.Errorf("done %s", data)
					}
					streamID = v.MessageID
				}
			}
		}
		got := strings.Join(names, " ")
		if !strings.HasPrefix(got, "delta") || !strings.HasSuffix(got, "sources done") || strings.Contains(got, "error") {
			t.Fatalf("events %s", got)
		}
		if text.Len() == 0 {
			t.Error("no text streamed")
		}
	})

	t.Run("feedback", func(t *testing.T) {
		if streamID == "" || jsonID == "" {
			t.Skip("no answer")
		}
		resp := post("/api/v1/feedback", `{"message_id":"`+streamID+`","rating":"down","comment":"請回電 0912-345-678"}`, "")
		if resp.StatusCode != 204 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		if resp := post("/api/v1/feedback", `{"message_id":"no-such-message","rating":"up"}`, ""); resp.StatusCode != 404 {
			t.Errorf("unknown message: status %d", resp.StatusCode)
		}
		cfg, err := loadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler)}
		s, err := a.openStore(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f, err := s.Feedback(t.Context(), streamID)
		if err != nil || f.Rating != "down" || strings.Contains(f.Comment, "345-678") || !strings.Contains(f.Comment, "請回電") {
			t.Errorf("stored feedback %+v, %v", f, err)
		}
		turn, err := s.Turn(t.Context(), jsonID)
		if err != nil || turn.Channel != "web" || turn.SessionID != "web:serve-test" {
			t.Errorf("stored turn %+v, %v", turn, err)
		}
	})

	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `civicbot_answers_total{channel="web",mode="extractive"} 2`) || !strings.Contains(body, "civicbot_engine_redactions_total") {
		t.Errorf("/metrics: %d\n%s", code, body)
	}
	if strings.Contains(stderr.String(), "路邊停車費要怎麼繳") || strings.Contains(stderr.String(), "serve-test") {
		t.Errorf("the log holds the message or the session:\n%s", stderr.String())
	}

	srv.stop(t)
	if _, err := client.Get(base + "healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// server is `civicbot serve` running in the test's process.
type server struct {
	base   string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// startServe runs `civicbot serve` with env and waits until it listens.
func startServe(t testing.TB, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	srv := &server{stderr: new(syncBuffer), cancel: cancel, done: make(chan error, 1)}
	go func() {
		srv.done <- run(ctx, []string{"civicbot", "serve"}, func(k string) string { return env[k] }, io.Discard, srv.stderr)
	}()
	srv.base = waitServing(t, srv.stderr, srv.done)
	return srv
}

// waitServing waits until a starting server says where it serves and returns that
// address; a server that ends or takes over three minutes fails the test (a first start
// loads the bundled data: over a minute under the race detector on a busy 2-core machine).
func waitServing(t testing.TB, stderr fmt.Stringer, done <-chan error) string {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if m := servingOn.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
}

// stop sends the server the equivalent of SIGTERM and waits for a clean exit.
func (srv *server) stop(t testing.TB) {
	t.Helper()
	srv.cancel()
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, srv.stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeEmbedded is a fresh machine: no DATABASE_URL, an empty data directory. The
// first start loads the bundled open data into the embedded store and answers; the
// second start finds it there; LINE is served when its channel is configured.
func TestServeEmbedded(t *testing.T) {
	api := linetest.New(t, linetest.Options{})
	env := map[string]string{
		"CIVICBOT_DATA_DIR":         filepath.Join(t.TempDir(), "data"),
		"CIVICBOT_ADDR":             "127.0.0.1:0",
		"LINE_CHANNEL_SECRET":       api.Secret,
		"LINE_CHANNEL_ACCESS_TOKEN": api.Token,
		"LINE_API_BASE_URL":         api.URL,
	}
	ask := func(base, message string) (mode string, datasets []string) {
		t.Helper()
		body := `{"session_id":"embedded-test","message":"` + message + `"}`
		resp, err := http.Post(base+"api/v1/chat", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Mode    string `json:"mode"`
			Sources []struct{ Dataset string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %v", message, resp.StatusCode, err)
		}
		for _, s := range out.Sources {
			datasets = append(datasets, s.Dataset)
		}
		return out.Mode, datasets
	}

	srv := startServe(t, env)
	log := srv.stderr.String()
	if !strings.Contains(log, "config: store=embedded in ") || !regexp.MustCompile(`first start: \d{4,} documents loaded`).MatchString(log) {
		t.Fatalf("first start not reported:\n%s", log)
	}
	if !strings.Contains(log, "11 broken characters (U+FFFD, lost by the export's encoding): 7 repaired, 4 left visible") {
		t.Errorf("the first start does not report the city FAQ's broken characters:\n%s", log)
	}
	if mode, ds := ask(srv.base, "白色圓形藥丸上面寫 YSP"); mode != "extractive" || len(ds) == 0 || ds[0] != "tfda_drug" {
		t.Errorf("pill question: mode %s, sources %v", mode, ds)
	}

	t.Run("LINE", func(t *testing.T) {
		user := linetest.NewUserID()
		body := linetest.Marshal(api.Text(user, "路邊停車費要怎麼繳"))
		req, _ := http.NewRequest("POST", srv.base+"line/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Line-Signature", linetest.Sign(api.Secret, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("webhook: status %d", resp.StatusCode)
		}
		calls := api.WaitDelivered(t, 1)
		if !strings.Contains(calls[0].Text(), "停車") {
			t.Errorf("LINE reply: %q", calls[0].Text())
		}
		// LINE's answers are counted with the web's, by channel and mode.
		resp, err = http.Get(srv.base + "metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{`civicbot_answers_total{channel="line",mode="extractive"} 1`, `civicbot_answers_total{channel="web",mode="extractive"} 1`} {
			if !bytes.Contains(metrics, []byte(want)) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
	srv.stop(t)

	srv = startServe(t, env)
	if strings.Contains(srv.stderr.String(), "first start") {
		t.Errorf("the second start loaded the data again:\n%s", srv.stderr.String())
	}
	if mode, ds := ask(srv.base, "路邊停車費要怎麼繳"); mode != "extractive" || len(ds) == 0 || ds[0] != "taipei_faq" {
		t.Errorf("after a restart: mode %s, sources %v", mode, ds)
	}
	srv.stop(t)
}

func TestServeConfigErrors(t *testing.T) {
	for _, env := range []map[string]string{
		{"LINE_CHANNEL_SECRET": "s"},
		{"LINE_CHANNEL_ACCESS_TOKEN": "t"},
		{"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_PUSH_FALLBACK": "sometimes"},
		{"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_WORKERS": "0"},
		{"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_DRAIN_TIMEOUT": "forever"},
	} {
		env["CIVICBOT_ADDR"] = "127.0.0.1:0"
		env["CIVICBOT_DATA_DIR"] = t.TempDir()
		if _, errOut, err := civicbot(t, env, "serve"); err == nil || !strings.Contains(err.Error(), "LINE_") {
			t.Errorf("%v: err %v\n%s", env, err, errOut)
		}
	}
}

func TestServeRateLimitConfig(t *testing.T) {
	for _, tc := range []struct {
		env           string
		session, ip   float64
		printed       string
		wantErrSubstr string
	}{
		{"", 20, 60, "rate_limit=session=20,ip=60", ""},
		{"off", 0, 0, "rate_limit=off", ""},
		{"ip=600", 20, 600, "rate_limit=session=20,ip=600", ""},
		{"session=0, ip=120", 0, 120, "rate_limit=session=0,ip=120", ""},
		{"ip=lots", 0, 0, "", "CIVICBOT_RATE_LIMIT"},
		{"user=5", 0, 0, "", "unknown limit"},
	} {
		c, err := loadConfig(func(k string) string {
			if k == "CIVICBOT_RATE_LIMIT" {
				return tc.env
			}
			return ""
		})
		if tc.wantErrSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
				t.Errorf("%q: err %v", tc.env, err)
			}
			continue
		}
		if err != nil || c.RateLimitSession != tc.session || c.RateLimitIP != tc.ip {
			t.Errorf("%q: %v %v %v", tc.env, c.RateLimitSession, c.RateLimitIP, err)
		}
		var b bytes.Buffer
		c.print(&b)
		if !strings.Contains(b.String(), tc.printed) {
			t.Errorf("%q: printed %s", tc.env, b.String())
		}
	}
}
