package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// StaffSynonym is a synonym group that staff maintain beside synonyms.tsv: an editor
// drafts it, someone else approves it (four eyes), and once approved its words stand
// for each other in every question, like a group of synonyms.tsv. Synonyms act on the
// query side only, so approving or retiring one needs no re-index.
type StaffSynonym struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`  // unique among staff groups and the groups of synonyms.tsv
	Words  []string `json:"words"` // as questions are read (Normalize); the first labels the group
	Status string   `json:"status"`
	// Author drafted it and ApprovedBy approved it (staff e-mails): nobody approves
	// their own draft.
	Author     string    `json:"author,omitempty"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// Staff synonym statuses.
const (
	SynonymDraft    = "draft"
	SynonymApproved = "approved"
	SynonymRetired  = "retired"
)

// SynonymStore keeps the staff's synonym groups. Its contract, which the conformance
// suite (retrievaltest.RunSynonyms) checks:
//
//   - PutStaffSynonym inserts a group, or replaces the group with its id; a status
//     other than draft, approved or retired, or an empty id, is an error.
//   - StaffSynonyms returns every group, whatever its status, in id order, with the
//     words in the order they were put.
//   - A change is visible to every later StaffSynonyms of any process sharing the
//     store.
type SynonymStore interface {
	StaffSynonyms(ctx context.Context) ([]StaffSynonym, error)
	PutStaffSynonym(ctx context.Context, g StaffSynonym) error
}

// SynonymWatcher is a store that says when staff synonyms change in any process that
// shares it (PostgreSQL's LISTEN/NOTIFY).
type SynonymWatcher interface {
	// WatchSynonyms calls changed after every change, and whenever changes may have
	// gone unannounced (a lost connection), until ctx ends.
	WatchSynonyms(ctx context.Context, changed func())
}

// ErrSynonymConflict says that a staff group cannot join the synonyms in use: a word is
// already in a group, or the name is taken. Its message says which.
var ErrSynonymConflict = errors.New("retrieval: synonym conflict")

// NormalizeSynonym returns a staff group's words as questions are read (trimmed,
// Normalize), without empty ones.
func NormalizeSynonym(words []string) []string {
	var out []string
	for _, w := range words {
		if w = Normalize(strings.TrimSpace(w)); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// CheckStaffSynonyms says why groups could not all be in use at once beside the
// groups of synonyms.tsv (a word in two groups, a name taken, a word too short), as an
// ErrSynonymConflict; nil when they can.
func CheckStaffSynonyms(gs []StaffSynonym) error {
	var groups []SynonymGroup
	for _, g := range gs {
		groups = append(groups, SynonymGroup{Name: g.Name, Words: g.Words})
	}
	if _, err := withStaff(groups); err != nil {
		return fmt.Errorf("%w: %s", ErrSynonymConflict, strings.TrimPrefix(err.Error(), "retrieval: "))
	}
	return nil
}

// Approved returns the approved groups of gs.
func Approved(gs []StaffSynonym) []StaffSynonym {
	var out []StaffSynonym
	for _, g := range gs {
		if g.Status == SynonymApproved {
			out = append(out, g)
		}
	}
	return out
}

// StaffSynonyms puts the approved staff groups of a store into use (UseStaffSynonyms)
// and keeps them in use as they change.
type StaffSynonyms struct {
	Store SynonymStore
	Log   *slog.Logger
}

// Reload reads the staff groups and puts the approved ones into use. Groups that
// cannot be used together (two approved at once that share a word) keep the groups in
// use as they were, and the error says why.
func (s StaffSynonyms) Reload(ctx context.Context) error {
	gs, err := s.Store.StaffSynonyms(ctx)
	if err != nil {
		return err
	}
	var groups []SynonymGroup
	for _, g := range Approved(gs) {
		groups = append(groups, SynonymGroup{Name: g.Name, Words: g.Words})
	}
	return UseStaffSynonyms(groups)
}

// Watch reloads whenever w says the groups changed, until ctx ends.
func (s StaffSynonyms) Watch(ctx context.Context, w SynonymWatcher) {
	w.WatchSynonyms(ctx, func() {
		if err := s.Reload(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Error("staff synonyms: reload", "err", err)
		}
	})
}
