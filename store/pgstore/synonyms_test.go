package pgstore_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

func openHashed(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	e := hashembed.New(256)
	s, err := pgstore.Open(t.Context(), url, e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestSynonymConformance(t *testing.T) {
	retrievaltest.RunSynonyms(t, func(t *testing.T) retrieval.SynonymStore { return openHashed(t, pgtest.New(t)) })
}

// TestSynonymsReachOtherReplicas: a group approved through one process's store is in
// use in another process's within seconds, announced by the database, and so is its
// retirement.
func TestSynonymsReachOtherReplicas(t *testing.T) {
	t.Cleanup(func() { _ = retrieval.UseStaffSynonyms(nil) })
	url := pgtest.New(t)
	a, b := openHashed(t, url), openHashed(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	// b's process follows the staff synonyms, as civicbot serve does.
	go func() {
		defer close(done)
		retrieval.StaffSynonyms{Store: b}.Watch(ctx, b)
	}()
	expands := func() bool { return strings.Contains(retrieval.Expand("悠遊卡加值"), "儲值") }
	eventually := func(want bool, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for expands() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen by the other replica", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	g := retrieval.StaffSynonym{ID: "s1", Name: "top-up", Words: []string{"加值", "儲值"}, Status: retrieval.SynonymDraft, Author: "ed@city.gov.tw"}
	if err := a.PutStaffSynonym(ctx, g); err != nil {
		t.Fatal(err)
	}
	// A draft is not in use: wait until b has read the draft, then check.
	if err := (retrieval.StaffSynonyms{Store: b}).Reload(ctx); err != nil || expands() {
		t.Fatalf("a draft is in use: %v", err)
	}
	g.Status, g.ApprovedBy = retrieval.SynonymApproved, "ap@city.gov.tw"
	if err := a.PutStaffSynonym(ctx, g); err != nil {
		t.Fatal(err)
	}
	eventually(true, "approval")
	g.Status = retrieval.SynonymRetired
	if err := a.PutStaffSynonym(ctx, g); err != nil {
		t.Fatal(err)
	}
	eventually(false, "retirement")
}
