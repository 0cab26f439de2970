package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/retrieval/pgstore/pgtest"
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
