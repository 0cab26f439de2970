package pgstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

func TestTakeTokensSharedByReplicas(t *testing.T) {
	rs := pgtest.Replicas(t, 2)
	a, b := rs[0], rs[1]
	ctx := t.Context()
	// A token a minute: nothing refills while the test runs.
	session := pgstore.Bucket{Key: "session\x00citizen-1", PerSecond: 1.0 / 60, Burst: 2}
	other := pgstore.Bucket{Key: "session\x00citizen-2", PerSecond: 1.0 / 60, Burst: 2}
	take := func(s *pgstore.Store, bs ...pgstore.Bucket) []time.Duration {
		t.Helper()
		w, err := s.TakeTokens(ctx, bs)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != len(bs) {
			t.Fatalf("%d waits for %d buckets", len(w), len(bs))
		}
		return w
	}
	if w := take(a, session); w[0] != 0 {
		t.Fatalf("first request refused: wait %v", w[0])
	}
	if w := take(b, session); w[0] != 0 {
		t.Fatalf("second request (the burst is 2) refused: wait %v", w[0])
	}
	for i, s := range []*pgstore.Store{a, b} {
		if w := take(s, session); w[0] <= 0 || w[0] > time.Minute {
			t.Errorf("replica %d: a third request within the minute: wait %v, want a refusal of at most a minute", i, w[0])
		}
	}
	// Another session is its own bucket.
	if w := take(b, other); w[0] != 0 {
		t.Errorf("another session refused: wait %v", w[0])
	}
	// Refused by one bucket, the request costs the other nothing: other has one
	// token left, and keeps it through any number of refusals.
	for range 3 {
		if w := take(a, other, session); w[0] != 0 || w[1] <= 0 {
			t.Fatalf("waits %v: want other free and session refused", w)
		}
	}
	if w := take(b, other); w[0] != 0 {
		t.Errorf("a refused request spent the other bucket's token: wait %v", w[0])
	}

	// Neither the session nor a raw key is stored.
	rows, err := a.Pool().Query(ctx, `SELECT key FROM rate_buckets`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var k []byte
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(k, []byte("citizen")) || len(k) != 32 {
			t.Errorf("stored key %q", k)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d buckets stored, want 2", n)
	}
}

func TestTakeTokensRefusesBadBuckets(t *testing.T) {
	s := pgtest.Replicas(t, 1)[0]
	for _, b := range []pgstore.Bucket{{Key: "x", PerSecond: 0, Burst: 1}, {Key: "x", PerSecond: 1, Burst: 0}} {
		if _, err := s.TakeTokens(t.Context(), []pgstore.Bucket{b}); err == nil {
			t.Errorf("%+v accepted", b)
		}
	}
}

// TestTakeTokensRace: replicas racing for the last tokens of one bucket never get
// more than the burst between them.
func TestTakeTokensRace(t *testing.T) {
	rs := pgtest.Replicas(t, 2)
	const burst, requests = 5, 40
	b := pgstore.Bucket{Key: "ip\x00192.0.2.1", PerSecond: 1.0 / 3600, Burst: burst}
	got := make(chan bool, requests)
	for i := range requests {
		go func() {
			w, err := rs[i%2].TakeTokens(context.Background(), []pgstore.Bucket{b})
			got <- err == nil && w[0] == 0
		}()
	}
	taken := 0
	for range requests {
		if <-got {
			taken++
		}
	}
	if taken != burst {
		t.Errorf("%d of %d racing requests got a token; the burst is %d", taken, requests, burst)
	}
}
