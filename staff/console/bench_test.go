package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/console"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// BenchmarkConsole measures the console's lists at the size of a busy month: 100,000
// turns over 30 days, 10,000 of them rated (half down), a tenth unanswered — about
// 14,000 waiting for review. Run with
//
//	go test ./staff/console -run '^$' -bench Console -benchtime 40x
//
// Each case reports its p95 (ms) besides the mean.
func BenchmarkConsole(b *testing.B) {
	stores := []struct {
		name string
		open func(testing.TB) store
	}{
		{"embedded", func(tb testing.TB) store {
			e := hashembed.New(64)
			s, err := memstore.Open(context.Background(), tb.TempDir(), e, memstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(s.Close)
			return s
		}},
		{"postgres", func(tb testing.TB) store {
			e := hashembed.New(64)
			s, err := pgstore.Open(context.Background(), pgtest.New(tb), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(s.Close)
			return s
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			seed(b, s, 100_000, 10_000)
			eng, err := bot.New(bot.Config{Store: s, Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			auth := staff.NewAuth(s, nil, nil)
			c, err := console.New(console.Config{Auth: auth, Data: s, Engine: eng})
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := auth.CreateToken(context.Background(), "bench", staff.Viewer, 0, "bench", "")
			if err != nil {
				b.Fatal(err)
			}
			for _, path := range []string{
				"/api/v1/admin/conversations",
				"/api/v1/admin/conversations?mode=no_answer&channel=line",
				"/api/v1/admin/conversations?rating=down",
				"/api/v1/admin/conversations?q=%E5%B8%82%E6%B0%91%E5%8D%A1%201234",
				"/api/v1/admin/review",
				"/api/v1/admin/audit",
				"/api/v1/admin/curated",
				"/api/v1/admin/documents/proposals?status=pending",
			} {
				b.Run(path, func(b *testing.B) {
					var lat []time.Duration
					for b.Loop() {
						req := newReq(path, tok)
						rec := &discard{h: http.Header{}}
						start := time.Now()
						c.ServeHTTP(rec, req)
						lat = append(lat, time.Since(start))
						if rec.code != 0 && rec.code != http.StatusOK && rec.code != http.StatusSeeOther {
							b.Fatalf("%s: %d", path, rec.code)
						}
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}

// BenchmarkGroup groups 10,000 review items of 2,000 distinct questions.
func BenchmarkGroup(b *testing.B) {
	rows := make([]staff.TurnRow, 10_000)
	for i := range rows {
		rows[i] = staff.TurnRow{Turn: conversation.Turn{MessageID: fmt.Sprint(i), Question: question(i % 2000), CreatedAt: time.Unix(int64(1e9-i), 0)}}
	}
	var n int
	for b.Loop() {
		n = len(staff.Group(rows))
	}
	b.ReportMetric(float64(n), "groups")
}

var subjects = []string{"市民卡", "垃圾車", "敬老卡", "停車費", "育兒津貼", "疫苗", "戶籍謄本", "身分證", "普拿疼", "健保卡"}
var asks = []string{"遺失怎麼辦", "要去哪裡辦", "幾點來", "要多少錢", "怎麼申請", "需要帶什麼", "可以線上辦嗎", "電話幾號"}

func question(i int) string {
	return fmt.Sprintf("%s%s%d", subjects[i%len(subjects)], asks[(i/len(subjects))%len(asks)], i/(len(subjects)*len(asks)))
}

// seed stores n turns over the last 30 days — every tenth unanswered, every third on
// LINE — and rates the first `rated` of them, half down; and 500 curated answers, a
// fifth of them served.
func seed(tb testing.TB, s store, n, rated int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				mode, channel := conversation.ModeExtractive, "web"
				if i%10 == 0 {
					mode = conversation.ModeNoAnswer
				}
				if i%3 == 0 {
					channel = "line"
				}
				id := fmt.Sprint("b", i)
				err := s.SaveTurn(ctx, conversation.Turn{MessageID: id, SessionID: fmt.Sprint("s", i%5000), Channel: channel, Question: question(i % 4000),
					Answer: "答案：" + question(i%4000), Mode: mode, Sources: []conversation.Source{{Dataset: "taipei_faq", Key: "GIP", Title: "t"}},
					CreatedAt: now.Add(-time.Duration(i%43200) * time.Minute)})
				if err == nil && i < rated {
					rating := conversation.RatingUp
					if i%2 == 0 {
						rating = conversation.RatingDown
					}
					err = s.SaveFeedback(ctx, conversation.Feedback{MessageID: id, Rating: rating})
				}
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		tb.Fatal(first)
	}
	cs := make([]conversation.Curated, 500)
	for i := range cs {
		cs[i] = conversation.Curated{ID: fmt.Sprintf("c%03d", i), Questions: []string{question(i), question(i + 500)}, Answer: "答案：" + question(i),
			Sources: []conversation.Source{{Dataset: "taipei_faq", Key: "GIP", Title: "t"}}, Status: conversation.CuratedApproved, Author: "a@b", ApprovedBy: "c@d"}
	}
	if err := s.PutCurated(ctx, cs); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(cs); i += 5 {
		if err := s.CuratedHit(ctx, cs[i].ID); err != nil {
			tb.Fatal(err)
		}
	}
	if pg, ok := s.(*pgstore.Store); ok {
		// As autovacuum would on a live database: plans need the statistics.
		if _, err := pg.Pool().Exec(ctx, "ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	}
}

func newReq(path, tok string) *http.Request {
	req, _ := http.NewRequest("GET", "http://bench"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }
