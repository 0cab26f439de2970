package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

// chatReply is what one chat request got, JSON or a stream.
type chatReply struct {
	status    int
	mode      string
	answer    string
	messageID string
	errText   string // the JSON error, or the stream's error event
}

func chatOnce(t *testing.T, client *http.Client, base, session, message string, stream bool) chatReply {
	t.Helper()
	body := fmt.Sprintf(`{"session_id":%q,"message":%q}`, session, message)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", base+"api/v1/chat", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("chat %q: %v (a hung request ends at the client's generous timeout)", message, err)
		return chatReply{}
	}
	defer resp.Body.Close()
	r := chatReply{status: resp.StatusCode}
	if !stream || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		var out struct {
			Answer    string `json:"answer"`
			Mode      string `json:"mode"`
			MessageID string `json:"message_id"`
			Error     string `json:"error"`
		}
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Errorf("chat %q: status %d, not JSON: %q", message, resp.StatusCode, b)
		}
		r.mode, r.answer, r.messageID, r.errText = out.Mode, out.Answer, out.MessageID, out.Error
		return r
	}
	sc := bufio.NewScanner(resp.Body)
	var event string
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var x struct{ Text, Message, MessageID, Mode string }
		var raw map[string]string
		json.Unmarshal([]byte(data), &raw)
		x.Text, x.Message, x.MessageID, x.Mode = raw["text"], raw["message"], raw["message_id"], raw["mode"]
		switch event {
		case "delta":
			r.answer += x.Text
		case "error":
			r.errText = x.Message
		case "done":
			r.mode, r.messageID = x.Mode, x.MessageID
		}
	}
	if err := sc.Err(); err != nil {
		t.Errorf("chat %q: reading the stream: %v", message, err)
	}
	return r
}

// TestServePausedDatabase stops the database as SIGSTOP would (a proxy that keeps the
// connections open and forwards nothing) under `civicbot serve`: every chat request
// gets the friendly error with 1999 (503 for JSON, an error event for a stream),
// emergencies are still answered, feedback and /readyz say 503, nothing hangs; after
// the database is back, answers come again and the goroutines return to their number
// before the pause.
func TestServePausedDatabase(t *testing.T) {
	db := pgtest.New(t)
	proxy, viaProxy := pgtest.NewProxy(t, db)
	const storeTimeout = time.Second
	env := map[string]string{"DATABASE_URL": viaProxy, "CIVICBOT_ADDR": "127.0.0.1:0",
		"CIVICBOT_STORE_TIMEOUT": storeTimeout.String(), "CIVICBOT_RATE_LIMIT": "off"}
	srv := startServe(t, env)
	defer srv.stop(t)
	// Far past every deadline (10 × the store's): a request still open then is hung.
	client := &http.Client{Timeout: 10 * storeTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) int {
		resp, err := client.Get(srv.base + path)
		if err != nil {
			t.Errorf("GET /%s: %v", path, err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const question = "路邊停車費要怎麼繳"

	// Warm up: the pool is open, the curated answers loaded.
	for i := range 3 {
		if r := chatOnce(t, client, srv.base, fmt.Sprint("warm", i), question, i%2 == 0); r.status != 200 || r.mode == "" {
			t.Fatalf("before the pause: %+v", r)
		}
	}
	baseline := goroutines()

	proxy.Pause()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			stream := i%2 == 1
			// Questions not asked before: a search kept from before the pause is
			// still current (nothing can change while the database is paused), and
			// its answer is given without a stored turn, as on a read-only database.
			r := chatOnce(t, client, srv.base, fmt.Sprint("paused", i), fmt.Sprintf("%s（第%d次）", question, i), stream)
			switch {
			case !stream && (r.status != http.StatusServiceUnavailable || !strings.Contains(r.errText, "1999")):
				t.Errorf("JSON chat with the database paused: %+v, want 503 and the friendly error with 1999", r)
			case stream && (r.status != 200 || !strings.Contains(r.errText, "1999") || r.messageID != ""):
				t.Errorf("streamed chat with the database paused: %+v, want the error event with 1999", r)
			}
		})
	}
	var emergencyID string
	for i, q := range []string{"我想自殺", "我爸爸吃了一整瓶安眠藥叫不醒"} {
		wg.Go(func() {
			r := chatOnce(t, client, srv.base, fmt.Sprint("emergency", i), q, i == 1)
			if r.status != 200 || r.mode != "emergency" || !strings.Contains(r.answer, "119") || r.messageID == "" {
				t.Errorf("emergency %q with the database paused: %+v, want the emergency answer with 119 and a message id", q, r)
			}
			if i == 0 {
				emergencyID = r.messageID
			}
		})
	}
	wg.Go(func() {
		req, _ := http.NewRequest("POST", srv.base+"api/v1/feedback", strings.NewReader(`{"message_id":"abc","rating":"up"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("feedback with the database paused: %v", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("feedback with the database paused: %d, want 503", resp.StatusCode)
		}
	})
	wg.Go(func() {
		if code := get("readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database paused: %d, want 503", code)
		}
	})
	wg.Wait()
	paused := goroutines()

	proxy.Resume()
	if r := chatOnce(t, client, srv.base, "after", question, false); r.status != 200 || r.mode == "" || r.messageID == "" {
		t.Errorf("after the pause: %+v, want an answer", r)
	}
	// The emergency turn answered during the pause is kept once the database is back.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var kept bool
	for deadline := time.Now().Add(60 * time.Second); !kept && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE id = $1 AND mode = 'emergency')`, emergencyID).Scan(&kept); err != nil {
			t.Fatal(err)
		}
	}
	if !kept {
		t.Errorf("the emergency turn %q answered during the pause was never saved", emergencyID)
	}
	// Goroutines come back to their number before the pause (a tolerance for the
	// runtime's and the pool's own).
	const tolerance = 10
	n := goroutines()
	for deadline := time.Now().Add(60 * time.Second); n > baseline+tolerance && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		n = goroutines()
	}
	t.Logf("goroutines: %d before the pause, %d after the requests made during it, %d after resuming", baseline, paused, n)
	if n > baseline+tolerance {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before the pause, %d a minute after resuming\n%s", baseline, n, buf[:runtime.Stack(buf, true)])
	}
	if code := get("readyz"); code != 200 {
		t.Errorf("/readyz after the pause: %d", code)
	}
}

// goroutines counts the process's goroutines but the test proxy's, which the pool's
// new connections add to.
func goroutines() int {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.TrimSpace(g) != "" && !strings.Contains(g, "pgtest.(*Proxy)") {
			n++
		}
	}
	return n
}

// BenchmarkPausedDatabase measures, under `civicbot serve` with the default deadlines
// and the database paused, the time a citizen waits for the friendly error (JSON and
// stream) and for an emergency answer:
//
//	go test -run '^$' -bench BenchmarkPausedDatabase -benchtime 5x ./cmd/civicbot/
func BenchmarkPausedDatabase(b *testing.B) {
	db := pgtest.New(b)
	proxy, viaProxy := pgtest.NewProxy(b, db)
	env := map[string]string{"DATABASE_URL": viaProxy, "CIVICBOT_ADDR": "127.0.0.1:0", "CIVICBOT_RATE_LIMIT": "off"}
	srv := startServe(b, env)
	defer srv.stop(b)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	post := func(message string, stream bool) string {
		body := fmt.Sprintf(`{"message":%q}`, message)
		req, _ := http.NewRequest("POST", srv.base+"api/v1/chat", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if stream {
			req.Header.Set("Accept", "text/event-stream")
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return string(out)
	}
	post("路邊停車費要怎麼繳", false) // warm up
	proxy.Pause()
	defer proxy.Resume()
	for _, bc := range []struct {
		name, message, want string
		stream              bool
	}{
		{"friendly error JSON", "路邊停車費要怎麼繳", "1999", false},
		{"friendly error stream", "路邊停車費要怎麼繳", "1999", true},
		{"emergency", "我想自殺", "1925", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if out := post(bc.message, bc.stream); !strings.Contains(out, bc.want) {
					b.Fatalf("got %q, want %s", out, bc.want)
				}
			}
		})
	}
}
