package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestReplicasShareRateLimits runs two `civicbot serve` on one database, as two
// replicas behind a load balancer: a session over its limit is refused by both, and
// another session is not.
func TestReplicasShareRateLimits(t *testing.T) {
	db := pgtest.New(t)
	// One request a minute per session (a burst of 1), no limit per IP: both
	// replicas see the test's requests coming from 127.0.0.1.
	env := func() map[string]string {
		return map[string]string{"DATABASE_URL": db, "CIVICBOT_ADDR": "127.0.0.1:0", "CIVICBOT_RATE_LIMIT": "session=1,ip=0"}
	}
	a, b := startServe(t, env()), startServe(t, env())
	client := &http.Client{Timeout: 30 * time.Second}
	chat := func(srv *server, session string) int {
		t.Helper()
		body := `{"session_id":"` + session + `","message":"路邊停車費要怎麼繳","locale":"zh-TW"}`
		resp, err := client.Post(srv.base+"api/v1/chat", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		return resp.StatusCode
	}
	if code := chat(a, "citizen-1"); code != http.StatusOK {
		t.Fatalf("first request on replica A: %d", code)
	}
	if code := chat(b, "citizen-1"); code != http.StatusTooManyRequests {
		t.Errorf("the same session on replica B: %d, want 429", code)
	}
	if code := chat(a, "citizen-1"); code != http.StatusTooManyRequests {
		t.Errorf("the same session again on replica A: %d, want 429", code)
	}
	if code := chat(b, "citizen-2"); code != http.StatusOK {
		t.Errorf("another session on replica B: %d, want 200", code)
	}
	a.stop(t)
	b.stop(t)
}

// TestCuratedChangesReachEveryReplica: an approval and a retirement made through one
// replica are answered by another, whose clock stands still so that only the
// database's word (not the cache's expiry) can tell it.
func TestCuratedChangesReachEveryReplica(t *testing.T) {
	rs := pgtest.Replicas(t, 2)
	a, b := rs[0], rs[1]
	ctx := t.Context()
	src := &ingest.Batch{Source: "test", Format: "test", Files: []string{"faq.csv"}, Seen: 2,
		Snapshot: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Digest: "1",
		Records: []ingest.Record{
			{Dataset: corpus.DatasetCityFAQ, Key: "GIP_1", Facet: corpus.FacetMain, Title: "路邊停車費要怎麼繳？",
				URL: "https://www.gov.taipei/1", Text: "問：路邊停車費要怎麼繳？\n答：超商、悠遊卡或線上繳費。", Status: corpus.StatusActive},
			{Dataset: corpus.DatasetCityFAQ, Key: "GIP_2", Facet: corpus.FacetMain, Title: "路邊停車費逾期怎麼辦？",
				URL: "https://www.gov.taipei/2", Text: "問：路邊停車費逾期怎麼辦？\n答：逾期會寄送催繳單。", Status: corpus.StatusActive},
		}}
	if _, err := a.Sync(ctx, []*ingest.Batch{src}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	frozen := time.Now()
	engine := func(s *pgstore.Store) *bot.Engine {
		e, err := bot.New(bot.Config{Store: s, Now: func() time.Time { return frozen }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close(context.Background()) })
		return e
	}
	ea, eb := engine(a), engine(b)
	const question = "停車費可以用悠遊卡繳嗎"
	ask := func(e *bot.Engine) bot.Answer {
		t.Helper()
		ans, err := e.Ask(ctx, bot.Request{Channel: "web", SessionID: "s", Message: question, Locale: "zh-TW"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	// eventually asks until the answer's mode is (or is not) curated: a replica hears
	// of a change within milliseconds; ten seconds means it never will.
	eventually := func(e *bot.Engine, curated bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if (ask(e).Mode == conversation.ModeCurated) == curated {
				return
			}
		}
		t.Fatalf("the replica still answers %q with curated=%t", question, !curated)
	}
	if m := ask(eb).Mode; m == conversation.ModeCurated {
		t.Fatalf("curated before any curated answer: %s", m)
	}
	c := conversation.Curated{ID: "c1", Questions: []string{question}, Answer: "可以，用悠遊卡在超商繳費。",
		Sources: []conversation.Source{{Dataset: corpus.DatasetCityFAQ, Key: "GIP_1"}}, Status: conversation.CuratedApproved,
		Author: "editor", ApprovedBy: "approver"}
	if err := a.PutCurated(ctx, []conversation.Curated{c}); err != nil {
		t.Fatal(err)
	}
	eventually(eb, true)
	eventually(ea, true)

	// A hit is not a change: it does not make every replica read the list again.
	if err := b.CuratedHit(ctx, "c1"); err != nil {
		t.Fatal(err)
	}

	c.Status = conversation.CuratedRetired
	if err := b.PutCurated(ctx, []conversation.Curated{c}); err != nil {
		t.Fatal(err)
	}
	eventually(ea, false)
	eventually(eb, false)

	// A suppression through one replica is obeyed at once by the other: search reads
	// the documents' status in the database, with no cache in between.
	before := ask(eb)
	if !slices.ContainsFunc(before.Sources, func(s conversation.Source) bool { return s.Key == "GIP_1" }) {
		t.Fatalf("before the suppression, GIP_1 is not among the sources: %+v", before.Sources)
	}
	if err := a.SetStatus(ctx, corpus.DatasetCityFAQ, "GIP_1", corpus.StatusSuppressed); err != nil {
		t.Fatal(err)
	}
	if after := ask(eb); slices.ContainsFunc(after.Sources, func(s conversation.Source) bool { return s.Key == "GIP_1" }) {
		t.Errorf("the other replica still cites the suppressed GIP_1: %+v", after.Sources)
	}
}
