package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/civicbot/civicbot/retrieval"
	bolt "go.etcd.io/bbolt"
)

var _ retrieval.SynonymStore = (*Store)(nil)

// StaffSynonyms returns every staff synonym group, in id order.
func (s *Store) StaffSynonyms(ctx context.Context) ([]retrieval.StaffSynonym, error) {
	out := []retrieval.StaffSynonym{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSynonyms).ForEach(func(k, v []byte) error {
			var g retrieval.StaffSynonym
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("staff synonym %s: %w", k, err)
			}
			g.ID = string(k)
			out = append(out, g)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: staff synonyms: %w", err)
	}
	return out, nil
}

// PutStaffSynonym inserts a staff synonym group or replaces the one with its id.
func (s *Store) PutStaffSynonym(ctx context.Context, g retrieval.StaffSynonym) error {
	switch {
	case g.ID == "":
		return fmt.Errorf("memstore: put staff synonym: no id")
	case !slices.Contains([]string{retrieval.SynonymDraft, retrieval.SynonymApproved, retrieval.SynonymRetired}, g.Status):
		return fmt.Errorf("memstore: put staff synonym %s: status %q is not draft, approved or retired", g.ID, g.Status)
	}
	g.Author, g.ApprovedBy = cleanText(g.Author), cleanText(g.ApprovedBy)
	g.Words = slices.Clone(g.Words)
	g.UpdatedAt = time.UnixMicro(time.Now().UnixMicro()).UTC()
	v, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("memstore: put staff synonym %s: %w", g.ID, err)
	}
	if err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSynonyms).Put([]byte(g.ID), v) }); err != nil {
		return fmt.Errorf("memstore: put staff synonym %s: %w", g.ID, err)
	}
	return nil
}
