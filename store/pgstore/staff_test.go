package pgstore_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/stafftest"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

func openEmpty(t testing.TB) *pgstore.Store {
	t.Helper()
	e := hashembed.New(64)
	s, err := pgstore.Open(context.Background(), pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestStaffConformance(t *testing.T) {
	stafftest.Run(t, func(t *testing.T) staff.Store { return openEmpty(t) })
}

func TestStaffConversations(t *testing.T) {
	stafftest.RunConversations(t, func(t *testing.T) stafftest.ConversationStore { return openEmpty(t) })
}

// The audit log is append-only in the database itself, not only by the store's methods.
func TestAuditLogAppendOnly(t *testing.T) {
	s := openEmpty(t)
	if err := s.AppendAudit(t.Context(), staff.Entry{Actor: "a@b", Action: "signin"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`} {
		if _, err := s.Pool().Exec(t.Context(), q); err == nil {
			t.Errorf("%s: no error, want the log to refuse", q)
		}
	}
}

func TestStaffProposals(t *testing.T) {
	stafftest.RunProposals(t, func(t *testing.T) stafftest.ProposalStore { return openEmpty(t) })
}
