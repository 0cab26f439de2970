package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestSearchCacheFollowsEveryReplica: searches kept in one replica are forgotten when
// documents change in it or in another replica (a status set, an approved proposal,
// a sync) and when staff synonyms change, and nothing is kept by a store that does
// not listen for the others' changes.
func TestSearchCacheFollowsEveryReplica(t *testing.T) {
	t.Cleanup(func() { _ = retrieval.UseStaffSynonyms(nil) })
	rs := pgtest.Replicas(t, 3)
	a, b, deaf := rs[0], rs[1], rs[2]
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	// a and b listen, as serving replicas do; a follows the staff synonyms.
	for _, s := range []*pgstore.Store{a, b} {
		watch(ctx, s)
	}
	go func() {
		defer close(done)
		retrieval.StaffSynonyms{Store: a}.Watch(ctx, a)
	}()
	if _, err := b.Sync(ctx, []*ingest.Batch{batch("tfda-36", licences(20)...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	const key = "衛署藥製字第000003號"
	q := retrieval.Query{Text: "測試藥品3號錠"}
	cs := retrievaltest.NewCachedSearch(t, a, a, q)
	store, found := cs.Store, cs.Found
	eventually := func(key string, want bool, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for found(key) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s found = %v in a's searches after 10 s, want %v", what, key, !want, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// b's changes are announced to a at some point (a sync in more than one
	// announcement): until then a's searches may be forgotten. Once they are, a
	// repeated search does not reach the store.
	settled := func(key string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			found(key)
			before := store.N.Load()
			found(key)
			if store.N.Load() == before {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("a repeated search reached the store every time")
			}
		}
	}
	if !found(key) {
		t.Fatalf("%s not found", key)
	}
	settled(key)
	// In the same replica, at once.
	if err := a.SetStatus(ctx, corpus.DatasetDrug, key, corpus.StatusSuppressed); err != nil {
		t.Fatal(err)
	}
	if found(key) {
		t.Fatal("suppressed in this replica: still found")
	}
	// In another replica, within seconds.
	if err := b.SetStatus(ctx, corpus.DatasetDrug, key, corpus.StatusActive); err != nil {
		t.Fatal(err)
	}
	eventually(key, true, "restored by b")
	p, err := b.Propose(ctx, staff.Proposal{ID: "p1", Dataset: corpus.DatasetDrug, Key: key, Action: staff.ActionSuppress,
		Reason: "wrong indication", ProposedBy: "ed@city.gov.tw"})
	if err != nil {
		t.Fatal(err)
	}
	if !found(key) {
		t.Fatal("a pending proposal took the document out")
	}
	if _, err := b.Decide(ctx, p.ID, staff.Decision{Approve: true, By: "ap@city.gov.tw"}); err != nil {
		t.Fatal(err)
	}
	eventually(key, false, "suppression approved in b")
	const newKey = "衛署藥製字第000099號"
	recs := append(licences(20), licence(newKey, "測試藥品3號錠", false))
	if _, err := b.Sync(ctx, []*ingest.Batch{batch("tfda-36", recs...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(newKey, true, "synced by b")

	// Staff synonyms approved in b are in use in a, and a's searches follow.
	settled(newKey)
	before := store.N.Load()
	g := retrieval.StaffSynonym{ID: "s1", Name: "test-drug", Words: []string{"測試藥品", "實驗藥劑"}, Status: retrieval.SynonymApproved,
		Author: "ed@city.gov.tw", ApprovedBy: "ap@city.gov.tw"}
	if err := b.PutStaffSynonym(ctx, g); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for found(newKey); store.N.Load() == before; found(newKey) {
		if time.Now().After(deadline) {
			t.Fatal("synonyms approved in b: a's kept search still served after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A store that does not listen keeps nothing.
	if _, ok := deaf.SearchGeneration(); ok {
		t.Fatal("a store that does not listen says its generation is known")
	}
	other := &retrievaltest.CountingSearcher{Searcher: deaf}
	dc := retrieval.NewSearchCache(other, deaf, 0, 0)
	for range 3 {
		if _, err := dc.Search(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if n := other.N.Load(); n != 3 {
		t.Errorf("a store that does not listen: %d of 3 searches reached it", n)
	}
	// Nor one that stopped listening.
	cancel()
	deadline = time.Now().Add(10 * time.Second)
	for {
		if _, ok := a.SearchGeneration(); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a stopped listening: still says its generation is known")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
