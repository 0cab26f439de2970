package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/bot/llm/llmtest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// child is `civicbot serve` in its own process, to be stopped with a signal.
type child struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	base   string
	done   chan error
}

func startChild(t testing.TB, env map[string]string) *child {
	t.Helper()
	c := &child{stderr: new(syncBuffer), done: make(chan error, 1)}
	c.cmd = exec.Command(os.Args[0], "serve")
	c.cmd.Env = append(os.Environ(), "CIVICBOT_TEST_MAIN=1")
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
	})
	c.base = waitServing(t, c.stderr, c.done)
	return c
}

// term sends SIGTERM and waits for the process to exit.
func (c *child) term(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, c.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop after SIGTERM:\n%s", c.stderr.String())
	}
}

// TestLineSIGTERMMidAnswer runs the real command with slow answers (an LLM that
// takes about 16s), sends it LINE events, stops it with SIGTERM while it is answering
// (its drain time, and the 10s it had before, are shorter than the answers), and
// starts it again with the LLM recovered: every acknowledged event is answered
// exactly once.
func TestLineSIGTERMMidAnswer(t *testing.T) {
	url := pgtest.New(t)
	if _, errOut, err := civicbot(t, map[string]string{"DATABASE_URL": url}, "ingest", "../../ingest/opendata/taipei/faq.xml"); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}
	api := linetest.New(t, linetest.Options{})
	slow := llmtest.NewServer(t, llmtest.Options{ChunkDelay: 2 * time.Second})
	fast := llmtest.NewServer(t, llmtest.Options{})
	env := map[string]string{
		"DATABASE_URL":              url,
		"CIVICBOT_ADDR":             "127.0.0.1:0",
		"LINE_CHANNEL_SECRET":       api.Secret,
		"LINE_CHANNEL_ACCESS_TOKEN": api.Token,
		"LINE_API_BASE_URL":         api.URL,
		"LINE_WORKERS":              "4",
		"LINE_DRAIN_TIMEOUT":        "1s",
		"LLM_PROVIDER":              "openai",
		"LLM_MODEL":                 "fake",
		"LLM_BASE_URL":              slow.URL,
		"LLM_API_KEY":               "test",
		"CIVICBOT_RATE_LIMIT":       "off",
	}
	first := startChild(t, env)
	const n = 12
	var evs []linetest.Event
	for i := range n {
		ev := api.Text(linetest.NewUserID(), fmt.Sprintf("路邊停車費要怎麼繳？（%d）", i))
		evs = append(evs, ev)
		body := linetest.Marshal(ev)
		req, _ := http.NewRequest(http.MethodPost, first.base+"line/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Line-Signature", linetest.Sign(api.Secret, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook: status %d", resp.StatusCode)
		}
	}
	// Mid-answer: once the LLM has started on the first answers.
	api.Wait(t, 20*time.Second, "the first answers to start", func([]linetest.Call) bool { return len(slow.Requests()) >= 2 })
	first.term(t)
	before := api.Delivered()
	if before >= n {
		t.Fatalf("all %d events answered before the restart: nothing was cut short", n)
	}

	env["LLM_BASE_URL"] = fast.URL
	second := startChild(t, env)
	waitAnswered(t, api, evs, 60*time.Second)
	second.term(t)
	exactlyOnce(t, api, evs)
	t.Logf("answered before SIGTERM: %d of %d; after the restart: %d", before, n, api.Delivered()-before)
}

// waitAnswered waits until every event's chat got an answer.
func waitAnswered(tb testing.TB, api *linetest.Server, evs []linetest.Event, timeout time.Duration) {
	tb.Helper()
	api.Wait(tb, timeout, fmt.Sprintf("answers to %d events", len(evs)), func([]linetest.Call) bool {
		got := api.Answers()
		for _, ev := range evs {
			if got[ev.Source.UserID] == 0 {
				return false
			}
		}
		return true
	})
}

// exactlyOnce fails unless every event's chat got exactly one answer, and nothing
// else was answered.
func exactlyOnce(tb testing.TB, api *linetest.Server, evs []linetest.Event) {
	tb.Helper()
	got := api.Answers()
	for _, ev := range evs {
		if k := got[ev.Source.UserID]; k != 1 {
			tb.Errorf("event %s answered %d times, want once", ev.WebhookEventID, k)
		}
		delete(got, ev.Source.UserID)
	}
	for chat, k := range got {
		tb.Errorf("%d answers to %s, which sent nothing", k, chat)
	}
}

// BenchmarkLineRestartUnderLoad sends LINE events to `civicbot serve` (PostgreSQL,
// the Taipei FAQ, extractive answers) at a steady rate, restarts the server (SIGTERM,
// then a new process on the same address) in the middle, and counts the events sent,
// acknowledged (200), delivered (a reply or push accepted by the fake LINE API) and
// delivered more than once. Events sent while no process listens are not
// acknowledged: LINE delivers those again, which is not simulated here.
//
//	go test ./cmd/civicbot -run '^$' -bench LineRestartUnderLoad -benchtime 1x
func BenchmarkLineRestartUnderLoad(b *testing.B) {
	const (
		rate     = 40 // events a second
		duration = 8 * time.Second
	)
	url := pgtest.New(b)
	if _, errOut, err := civicbot(b, map[string]string{"DATABASE_URL": url}, "ingest", "../../ingest/opendata/taipei/faq.xml"); err != nil {
		b.Fatalf("ingest: %v\n%s", err, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for b.Loop() {
		api := linetest.New(b, linetest.Options{})
		env := map[string]string{
			"DATABASE_URL":              url,
			"CIVICBOT_ADDR":             addr,
			"LINE_CHANNEL_SECRET":       api.Secret,
			"LINE_CHANNEL_ACCESS_TOKEN": api.Token,
			"LINE_API_BASE_URL":         api.URL,
			"CIVICBOT_RATE_LIMIT":       "off",
		}
		srv := startChild(b, env)
		client := &http.Client{Timeout: 10 * time.Second}
		var (
			mu    sync.Mutex
			acked []linetest.Event
			sent  int
			wg    sync.WaitGroup
		)
		restarted := make(chan struct{})
		go func() {
			time.Sleep(duration / 2)
			srv.term(b)
			srv = startChild(b, env)
			close(restarted)
		}()
		tick := time.NewTicker(time.Second / rate)
		start := time.Now()
		for time.Since(start) < duration {
			<-tick.C
			ev := api.Text(linetest.NewUserID(), "路邊停車費要怎麼繳")
			sent++
			wg.Go(func() {
				body := linetest.Marshal(ev)
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/line/webhook", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Line-Signature", linetest.Sign(api.Secret, body))
				resp, err := client.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, ev)
					mu.Unlock()
				}
			})
		}
		tick.Stop()
		wg.Wait()
		<-restarted
		drainStart := time.Now()
		waitAnswered(b, api, acked, 2*time.Minute)
		drain := time.Since(drainStart)
		time.Sleep(time.Second) // late duplicates, if any, would show now
		answers := api.Answers()
		delivered, dups := 0, 0
		for _, ev := range acked {
			if k := answers[ev.Source.UserID]; k > 0 {
				delivered++
				dups += k - 1
			}
		}
		srv.term(b)
		b.ReportMetric(float64(sent), "sent")
		b.ReportMetric(float64(len(acked)), "acked")
		b.ReportMetric(float64(delivered), "delivered")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(drain.Seconds(), "drain-after-load-s")
		if delivered != len(acked) || dups > 0 {
			b.Errorf("%d acknowledged, %d delivered, %d duplicates", len(acked), delivered, dups)
		}
	}
}
