package staff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civicbot/civicbot/corpus"
)

// Proposal is a change to a document's status that an editor proposes with a reason
// and an approver, someone else, decides: suppressing a bad source or restoring a
// suppressed one. Approved, it takes effect at once and is kept across re-ingest, as
// every suppression is.
type Proposal struct {
	ID         string    `json:"id"`
	Dataset    string    `json:"dataset"`
	Key        string    `json:"key"`
	Title      string    `json:"title"`  // the document's, when proposed
	Action     string    `json:"action"` // ActionSuppress or ActionRestore
	Reason     string    `json:"reason"`
	Status     string    `json:"status"` // ProposalPending, ProposalApproved or ProposalRejected
	ProposedBy string    `json:"proposed_by"`
	ProposedAt time.Time `json:"proposed_at"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	Note       string    `json:"note,omitempty"` // the decider's words
}

// What a proposal asks for.
const (
	ActionSuppress = "suppress" // take the document out of answers
	ActionRestore  = "restore"  // put a suppressed document back (as active)
)

// Proposal statuses.
const (
	ProposalPending  = "pending"
	ProposalApproved = "approved"
	ProposalRejected = "rejected"
)

// Decision is an approver's answer to a proposal.
type Decision struct {
	Approve bool
	By      string // the approver: never the proposer
	Note    string
	At      time.Time
}

// Proposals keeps the suppressions and restorations editors propose. Its contract,
// which staff/stafftest.RunProposals checks on every store:
//
//   - Propose stores a pending proposal and returns it with the document's title. It
//     is retrieval.ErrNotFound when there is no such document, ErrConflict when the
//     document is held at ingest (flagged), already suppressed (a suppression) or not
//     suppressed (a restoration), ErrExists when the document already has a pending
//     proposal. Nothing changes in answers until it is approved.
//   - Proposals lists proposals newest first; a status selects only those.
//   - Decide approves or rejects a pending proposal. It is ErrNotFound for an unknown
//     id, ErrFourEyes when the decider is the proposer (e-mails compared without
//     case), ErrDecided when it is no longer pending. Approving sets the document's
//     status in the same transaction (suppressed, or active for a restoration), so
//     that answers obey it at once; it is retrieval.ErrNotFound when the document is
//     gone and ErrConflict when it is held at ingest, and the proposal stays pending.
type Proposals interface {
	Propose(ctx context.Context, p Proposal) (Proposal, error)
	Proposals(ctx context.Context, status string) ([]Proposal, error)
	Decide(ctx context.Context, id string, d Decision) (Proposal, error)
}

var (
	// ErrConflict is returned for a change the current state does not allow.
	ErrConflict = errors.New("staff: the current state does not allow this")
	// ErrDecided is returned for a decision on a proposal already decided.
	ErrDecided = errors.New("staff: already decided")
)

// ProposalStatus is the status a document gets when a proposal of an action is
// approved.
func ProposalStatus(action string) (corpus.Status, error) {
	switch action {
	case ActionSuppress:
		return corpus.StatusSuppressed, nil
	case ActionRestore:
		return corpus.StatusActive, nil
	}
	return "", fmt.Errorf("%w: action %q: want suppress or restore", ErrConflict, action)
}

// Proposable checks that a document in a status may be the subject of an action.
func Proposable(action, status string) error {
	switch {
	case status == string(corpus.StatusFlagged):
		return fmt.Errorf("%w: the document is held since ingest: release it, or leave it held", ErrConflict)
	case action == ActionSuppress && status == string(corpus.StatusSuppressed):
		return fmt.Errorf("%w: the document is already suppressed", ErrConflict)
	case action == ActionRestore && status != string(corpus.StatusSuppressed):
		return fmt.Errorf("%w: only a suppressed document is restored; this one is %s", ErrConflict, status)
	}
	return nil
}
