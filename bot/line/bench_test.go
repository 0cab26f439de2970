package line_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line"
	"github.com/civicbot/civicbot/bot/line/linetest"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// benchRate is the load of BenchmarkWebhookAck: signed webhook requests a second.
const benchRate = 200

// BenchmarkWebhookAck measures how fast the webhook acknowledges under a steady 200
// signed requests a second over loopback HTTP (an open loop: a slow answer does not
// slow the load), while the answers are made in the background. Each request is one
// user's question; 1,000 users take turns. It reports the acknowledgement latency
// percentiles, and fails if any answer is lost (counted at the fake LINE API).
//
//	go test ./bot/line -run '^$' -bench WebhookAck -benchtime 2000x
//
// engine=fake-20ms answers every question in 20 ms without CPU, isolating the
// webhook; engine=bundled is the real engine on the bundled data in PostgreSQL.
func BenchmarkWebhookAck(b *testing.B) {
	b.Run("engine=fake-20ms", func(b *testing.B) {
		engine := fakeEngine(func(ctx context.Context, r bot.Request) (bot.Answer, error) {
			time.Sleep(20 * time.Millisecond)
			return bot.Answer{MessageID: "0123456789abcdef", Text: "普拿疼的主成分是乙醯胺酚。" + r.Message, Mode: conversation.ModeExtractive,
				Sources: []conversation.Source{{Dataset: "tfda_drug", Key: "衛署藥輸字第023624號", Title: "普拿疼膜衣錠", URL: "https://mcp.fda.gov.tw/", Snapshot: "2025-01-02"}}}, nil
		})
		benchAck(b, engine, newMemStore(b), []string{"普拿疼的成分是什麼？"})
	})
	b.Run("engine=bundled", func(b *testing.B) {
		store := pgtest.Bundled(b)
		engine, err := bot.New(bot.Config{Store: store})
		if err != nil {
			b.Fatal(err)
		}
		benchAck(b, engine, store, []string{
			"固胃必朗錠是治什麼的", "普拿疼膜衣錠的成分是什麼？", "綠色圓形的藥丸，上面寫 YSP", "路邊停車費怎麼繳",
			"愛心卡弄丟了怎麼辦", "衛署藥製字第019424號", "what is EAPILONE", "我吞了一整瓶安眠藥", "副作用呢？",
		})
	})
}

func benchAck(b *testing.B, engine line.Answerer, store line.Store, questions []string) {
	api := linetest.New(b, linetest.Options{})
	h := newHandler(b, api, engine, store, &logs{})
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	users := make([]string, 1000)
	for i := range users {
		users[i] = linetest.NewUserID()
	}

	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	tick := time.NewTicker(time.Second / benchRate)
	defer tick.Stop()
	n := 0
	start := time.Now()
	for b.Loop() {
		<-tick.C
		body := linetest.Marshal(api.Text(users[n%len(users)], questions[n%len(questions)]))
		sig := linetest.Sign(api.Secret, body)
		n++
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Line-Signature", sig)
			t0 := time.Now()
			res, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || res.StatusCode != http.StatusOK {
				errs++
				return
			}
			lat = append(lat, d)
		})
	}
	offered := time.Since(start)
	wg.Wait()
	b.StopTimer()
	// Every answer must arrive (late ones by push).
	deadline := time.Now().Add(2 * time.Minute)
	for api.Delivered() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	drained := time.Since(start)
	if errs > 0 || api.Delivered() != n {
		b.Fatalf("%d requests, %d failed, %d answers delivered", n, errs, api.Delivered())
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(n)/offered.Seconds(), "req/s")
	b.ReportMetric(pct(0.5), "ack-p50-ms")
	b.ReportMetric(pct(0.99), "ack-p99-ms")
	b.ReportMetric(pct(1), "ack-max-ms")
	b.ReportMetric(float64(h.Stats.Late.Load()), "late")
	b.ReportMetric(drained.Seconds()-offered.Seconds(), "drain-s")
}
