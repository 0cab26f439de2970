package memstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/staff"
)

// TestSearchCacheFollowsChanges: searches kept in front of the embedded store are
// forgotten at once when a status is set, a proposal approved or a sync made.
func TestSearchCacheFollowsChanges(t *testing.T) {
	ctx := t.Context()
	s := open(t, t.TempDir(), &retrievaltest.CountingEmbedder{Dim: 16})
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", licences(20)...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	const key = "衛署藥製字第000003號"
	q := retrieval.Query{Text: "測試藥品3號錠"}
	cs := retrievaltest.NewCachedSearch(t, s, s, q)
	store, found := cs.Store, cs.Found
	for range 2 { // the second is kept
		if !found(key) {
			t.Fatalf("%s not found", key)
		}
	}
	if n := store.N.Load(); n != 1 {
		t.Fatalf("%d searches reached the store, want 1 (the second kept)", n)
	}
	if err := s.SetStatus(ctx, corpus.DatasetDrug, key, corpus.StatusSuppressed); err != nil {
		t.Fatal(err)
	}
	if found(key) {
		t.Fatal("suppressed: still found")
	}
	if err := s.SetStatus(ctx, corpus.DatasetDrug, key, corpus.StatusActive); err != nil {
		t.Fatal(err)
	}
	if !found(key) {
		t.Fatal("restored: not found")
	}
	p, err := s.Propose(ctx, staff.Proposal{ID: "p1", Dataset: corpus.DatasetDrug, Key: key, Action: staff.ActionSuppress,
		Reason: "wrong indication", ProposedBy: "ed@city.gov.tw"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, p.ID, staff.Decision{Approve: true, By: "ap@city.gov.tw"}); err != nil {
		t.Fatal(err)
	}
	if found(key) {
		t.Fatal("suppression approved: still found")
	}
	const newKey = "衛署藥製字第000099號"
	recs := append(licences(20), licence(newKey, "測試藥品3號錠", false))
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", recs...)}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if !found(newKey) {
		t.Fatal("synced: the new licence not found")
	}
}
