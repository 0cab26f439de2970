package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot/web"
)

// BenchmarkChatStream measures the HTTP and SSE layer alone: concurrent streamed chats
// against an engine that answers at once. It reports the time to the first event.
// The real engine on PostgreSQL is measured with cmd/loadgen.
func BenchmarkChatStream(b *testing.B) {
	for _, streams := range []int{1, 500} {
		b.Run(fmt.Sprintf("streams=%d", streams), func(b *testing.B) {
			ts := startServer(b, web.Config{})
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: streams, MaxIdleConns: streams}}
			var (
				mu    sync.Mutex
				first []time.Duration
			)
			b.SetParallelism((streams + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					req, _ := http.NewRequest("POST", ts.URL+"/api/v1/chat", strings.NewReader(parkingQuestion))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", "text/event-stream")
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					br := bufio.NewReader(resp.Body)
					line, err := br.ReadString('\n')
					if err != nil || line != "event: delta\n" {
						b.Errorf("first line %q, %v", line, err)
					}
					mine = append(mine, time.Since(start))
					io.Copy(io.Discard, br)
					resp.Body.Close()
				}
				mu.Lock()
				first = append(first, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(first)
			if len(first) > 0 {
				b.ReportMetric(float64(first[len(first)/2].Microseconds())/1000, "first-event-p50-ms")
				b.ReportMetric(float64(first[len(first)*95/100].Microseconds())/1000, "first-event-p95-ms")
			}
		})
	}
}
