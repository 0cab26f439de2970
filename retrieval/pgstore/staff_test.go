package pgstore_test

import (
	"log/slog"
	"testing"

	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/retrieval/pgstore"
	"github.com/civicbot/civicbot/retrieval/pgstore/pgtest"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/stafftest"
)

func TestStaffConformance(t *testing.T) {
	stafftest.Run(t, func(t *testing.T) staff.Store {
		e := hashembed.New(64)
		s, err := pgstore.Open(t.Context(), pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(s.Close)
		return s
	})
}

// The audit log is append-only in the database itself, not only by the store's methods.
func TestAuditLogAppendOnly(t *testing.T) {
	e := hashembed.New(64)
	s, err := pgstore.Open(t.Context(), pgtest.New(t), e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.AppendAudit(t.Context(), staff.Entry{Actor: "a@b", Action: "signin"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`} {
		if _, err := s.Pool().Exec(t.Context(), q); err == nil {
			t.Errorf("%s: no error, want the log to refuse", q)
		}
	}
}
