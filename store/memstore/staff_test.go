package memstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/stafftest"
)

func TestStaffConformance(t *testing.T) {
	stafftest.Run(t, func(t *testing.T) staff.Store { return openEmpty(t) })
}

func TestStaffConversations(t *testing.T) {
	stafftest.RunConversations(t, func(t *testing.T) stafftest.ConversationStore { return openEmpty(t) })
}

func TestStaffProposals(t *testing.T) {
	stafftest.RunProposals(t, func(t *testing.T) stafftest.ProposalStore { return openEmpty(t) })
}
