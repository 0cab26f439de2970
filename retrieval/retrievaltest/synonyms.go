package retrievaltest

import (
	"context"
	"slices"
	"testing"

	"github.com/civicbot/civicbot/retrieval"
)

// RunSynonyms checks retrieval.SynonymStore's contract, sentence by sentence, as
// subtests of t, each on a store open returns empty.
func RunSynonyms(t *testing.T, open func(t *testing.T) retrieval.SynonymStore) {
	ctx := context.Background()
	list := func(t *testing.T, s retrieval.SynonymStore) []retrieval.StaffSynonym {
		t.Helper()
		gs, err := s.StaffSynonyms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return gs
	}
	t.Run("empty", func(t *testing.T) {
		if gs := list(t, open(t)); len(gs) != 0 {
			t.Errorf("StaffSynonyms of an empty store = %v", gs)
		}
	})
	t.Run("put inserts, then replaces by id", func(t *testing.T) {
		s := open(t)
		g := retrieval.StaffSynonym{ID: "b2", Name: "top-up", Words: []string{"加值", "儲值", "top up"}, Status: retrieval.SynonymDraft, Author: "ed@city.gov.tw"}
		if err := s.PutStaffSynonym(ctx, g); err != nil {
			t.Fatal(err)
		}
		if err := s.PutStaffSynonym(ctx, retrieval.StaffSynonym{ID: "a1", Name: "other", Words: []string{"甲乙", "丙丁"}, Status: retrieval.SynonymRetired}); err != nil {
			t.Fatal(err)
		}
		gs := list(t, s)
		if len(gs) != 2 || gs[0].ID != "a1" || gs[1].ID != "b2" {
			t.Fatalf("StaffSynonyms = %+v, want a1 and b2 in id order", gs)
		}
		if got := gs[1]; got.Name != g.Name || !slices.Equal(got.Words, g.Words) || got.Status != g.Status || got.Author != g.Author || got.ApprovedBy != "" || got.UpdatedAt.IsZero() {
			t.Errorf("stored %+v, want %+v with a time", got, g)
		}
		g.Status, g.ApprovedBy, g.Words = retrieval.SynonymApproved, "ap@city.gov.tw", []string{"儲值", "加值"}
		if err := s.PutStaffSynonym(ctx, g); err != nil {
			t.Fatal(err)
		}
		gs = list(t, s)
		if len(gs) != 2 || gs[1].Status != retrieval.SynonymApproved || gs[1].ApprovedBy != "ap@city.gov.tw" || !slices.Equal(gs[1].Words, g.Words) {
			t.Errorf("after replacing: %+v", gs)
		}
		if a := retrieval.Approved(gs); len(a) != 1 || a[0].ID != "b2" {
			t.Errorf("Approved = %+v", a)
		}
	})
	t.Run("bad status or no id is an error", func(t *testing.T) {
		s := open(t)
		for _, g := range []retrieval.StaffSynonym{
			{ID: "x", Name: "x", Words: []string{"甲乙", "丙丁"}, Status: "live"},
			{Name: "x", Words: []string{"甲乙", "丙丁"}, Status: retrieval.SynonymDraft},
		} {
			if err := s.PutStaffSynonym(ctx, g); err == nil {
				t.Errorf("PutStaffSynonym(%+v) = nil, want an error", g)
			}
		}
		if gs := list(t, s); len(gs) != 0 {
			t.Errorf("a refused group was stored: %+v", gs)
		}
	})
}
