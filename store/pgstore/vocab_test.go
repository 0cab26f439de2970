package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// The word counts a watched store keeps (Words) follow every sync: at once in the
// process that synced, and in another replica as soon as the announcement reaches it.
func TestWordsFollowSyncInEveryReplica(t *testing.T) {
	rs := pgtest.Replicas(t, 2)
	a, b := rs[0], rs[1]
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Both watch, as serving replicas do: from then on Words is kept between syncs.
	for _, s := range rs {
		watch(ctx, s)
	}
	sync := func(s *pgstore.Store, n int) {
		t.Helper()
		var recs []ingest.Record
		for i := range n {
			recs = append(recs, licence(fmt.Sprintf("衛署藥製字第%06d號", i), fmt.Sprintf("測試藥品%d號錠", i), false))
		}
		if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", recs...)}, ingest.SyncOptions{AllowShrink: true}); err != nil {
			t.Fatal(err)
		}
	}
	var word string
	top := func() (string, int) {
		t.Helper()
		var w string
		var n int
		q := `SELECT word, ndoc FROM lexemes ORDER BY ndoc DESC, word LIMIT 1`
		if word != "" {
			q = `SELECT word, ndoc FROM lexemes WHERE word = $1`
		}
		args := []any{}
		if word != "" {
			args = append(args, word)
		}
		if err := a.Pool().QueryRow(ctx, q, args...).Scan(&w, &n); err != nil {
			t.Fatal(err)
		}
		return w, n
	}
	words := func(s *pgstore.Store) (freq, chunks int) {
		t.Helper()
		v, err := s.Words(ctx, []string{word}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v.Freq[word], v.Chunks
	}

	sync(b, 30)
	word, _ = top()
	_, n1 := top()
	for _, s := range rs {
		if f, _ := words(s); f != n1 {
			t.Fatalf("after the first sync: %q in %d passages, want %d", word, f, n1)
		}
	}

	// Another replica syncs: a's kept count gives way within seconds.
	sync(b, 60)
	_, n2 := top()
	if n2 == n1 {
		t.Fatalf("the second sync left %q in %d passages: the test needs a change", word, n2)
	}
	if f, _ := words(b); f != n2 {
		t.Errorf("the replica that synced: %d, want %d at once", f, n2)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, chunks := words(a)
		if f == n2 && chunks == count(t, a, `SELECT count(*) FROM chunks`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other replica still says %d passages (of %d), want %d", f, chunks, n2)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The process that syncs forgets at once.
	sync(a, 45)
	_, n3 := top()
	if f, _ := words(a); f != n3 {
		t.Errorf("after its own sync: %d, want %d at once", f, n3)
	}
}

// watch starts s watching for changes, as a serving replica does, and returns once it
// listens.
func watch(ctx context.Context, s *pgstore.Store) {
	listening := make(chan struct{}, 1)
	go s.WatchCurated(ctx, func() {
		select {
		case listening <- struct{}{}:
		default:
		}
	})
	<-listening
}
