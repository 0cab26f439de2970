package bot_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// BenchmarkAsk measures the whole pipeline in extractive mode on the bundled data —
// normalise, redact, triage, curated match, retrieve, compose, check, store the turn —
// over citizens' questions of every kind, and reports the latency percentiles.
//
//	go test ./bot -run '^$' -bench Ask -benchtime 2000x
func BenchmarkAsk(b *testing.B) {
	s := pgtest.Bundled(b)
	e, err := bot.New(bot.Config{Store: s})
	if err != nil {
		b.Fatal(err)
	}
	questions := []string{
		"固胃必朗錠是治什麼的", "普拿疼膜衣錠的成分是什麼？", "綠色圓形的藥丸，上面寫 YSP",
		"吃感冒藥可以治經痛嗎", "路邊停車費怎麼繳", "愛心卡弄丟了怎麼辦", "我的手機是0912345678，停車費怎麼繳",
		"衛署藥製字第019424號", "what is EAPILONE", "請問怎麼養倉鼠", "我吞了一整瓶安眠藥", "副作用呢？",
	}
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		q := questions[i%len(questions)]
		start := time.Now()
		if _, err := e.Ask(ctx, bot.Request{SessionID: "bench", Message: q, Channel: "bench"}, nil); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
