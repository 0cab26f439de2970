// Package stafftest is the conformance suite of staff.Store: every store runs it, so
// that the embedded store and PostgreSQL keep staff, credentials and the audit log
// alike. Each test names the sentence of the contract (staff's package doc) it checks.
package stafftest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/staff"
)

// Run runs the suite; open returns a new, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) staff.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, staff.Store)
	}{
		{"e-mail unique without case", testEmailUnique},
		{"account round trip", testAccountRoundTrip},
		{"not found is an error", testNotFound},
		{"credentials by hash, newest first", testCredentials},
		{"revoking an account's credentials keeps its tokens", testRevokeAccount},
		{"audit appended, newest first, filtered, paged", testAudit},
		{"hostile text kept as text", testHostileText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func account(email string, role staff.Role) staff.Account {
	return staff.Account{ID: staff.NewID(), Email: email, Role: role, CreatedAt: t0}
}

func testEmailUnique(t *testing.T, s staff.Store) {
	ctx := t.Context()
	if err := s.CreateAccount(ctx, account("lin@agency.gov.tw", staff.Editor)); err != nil {
		t.Fatal(err)
	}
	err := s.CreateAccount(ctx, account("LIN@agency.gov.tw", staff.Viewer))
	if !errors.Is(err, staff.ErrExists) {
		t.Fatalf("second account with the same e-mail in other case: %v, want ErrExists", err)
	}
	got, err := s.AccountByEmail(ctx, "Lin@Agency.gov.tw")
	if err != nil || got.Role != staff.Editor {
		t.Fatalf("AccountByEmail in other case = %+v, %v; want the editor", got, err)
	}
}

func testAccountRoundTrip(t *testing.T, s staff.Store) {
	ctx := t.Context()
	a := account("chen@agency.gov.tw", staff.Viewer)
	a.Name = "陳小姐"
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Role, a.PasswordHash, a.Disabled = staff.Approver, "$argon2id$x", true
	if err := s.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != a.Email || got.Name != a.Name || got.Role != staff.Approver || got.PasswordHash != a.PasswordHash || !got.Disabled || !got.CreatedAt.Equal(t0) {
		t.Fatalf("account after update = %+v, want %+v", got, a)
	}
	if err := s.CreateAccount(ctx, account("a@agency.gov.tw", staff.Admin)); err != nil {
		t.Fatal(err)
	}
	list, err := s.Accounts(ctx)
	if err != nil || len(list) != 2 || list[0].Email != "a@agency.gov.tw" || list[1].Email != a.Email {
		t.Fatalf("Accounts = %+v, %v; want both by e-mail", list, err)
	}
}

func testNotFound(t *testing.T, s staff.Store) {
	ctx := t.Context()
	for name, err := range map[string]error{
		"Account":          func() error { _, err := s.Account(ctx, "nobody"); return err }(),
		"AccountByEmail":   func() error { _, err := s.AccountByEmail(ctx, "nobody@x"); return err }(),
		"UpdateAccount":    s.UpdateAccount(ctx, account("x@y", staff.Viewer)),
		"Credential":       func() error { _, err := s.Credential(ctx, staff.HashSecret("x")); return err }(),
		"TouchCredential":  s.TouchCredential(ctx, staff.HashSecret("x"), t0),
		"RevokeCredential": s.RevokeCredential(ctx, staff.HashSecret("x")),
	} {
		if !errors.Is(err, staff.ErrNotFound) {
			t.Errorf("%s of something missing: %v, want ErrNotFound", name, err)
		}
	}
}

func testCredentials(t *testing.T, s staff.Store) {
	ctx := t.Context()
	a := account("wu@agency.gov.tw", staff.Editor)
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for i := range 3 {
		_, h := staff.NewSecret()
		hashes = append(hashes, h)
		c := staff.Credential{Hash: h, Kind: staff.KindToken, Name: fmt.Sprint("ci-", i), Role: staff.Viewer, CreatedBy: "cli",
			CreatedAt: t0.Add(time.Duration(i) * time.Hour), ExpiresAt: t0.Add(90 * 24 * time.Hour)}
		if err := s.PutCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	_, sh := staff.NewSecret()
	if err := s.PutCredential(ctx, staff.Credential{Hash: sh, Kind: staff.KindSession, AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastUsed: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCredential(ctx, staff.Credential{Hash: sh, Kind: staff.KindSession, AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); !errors.Is(err, staff.ErrExists) {
		t.Errorf("a second credential with the same hash: %v, want ErrExists", err)
	}
	list, err := s.Credentials(ctx, staff.KindToken)
	if err != nil || len(list) != 3 || list[0].Hash != hashes[2] || list[2].Hash != hashes[0] {
		t.Fatalf("tokens = %+v, %v; want the three, newest first", list, err)
	}
	if list[0].Name != "ci-2" || list[0].Role != staff.Viewer || list[0].AccountID != "" || list[0].Revoked {
		t.Errorf("token = %+v", list[0])
	}
	used := t0.Add(30 * time.Minute)
	if err := s.TouchCredential(ctx, sh, used); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeCredential(ctx, hashes[1]); err != nil {
		t.Fatal(err)
	}
	got, err := s.Credential(ctx, sh)
	if err != nil || !got.LastUsed.Equal(used) || got.AccountID != a.ID || got.Kind != staff.KindSession {
		t.Errorf("session after touch = %+v, %v", got, err)
	}
	if got, err := s.Credential(ctx, hashes[1]); err != nil || !got.Revoked {
		t.Errorf("token after revoke = %+v, %v", got, err)
	}
}

func testRevokeAccount(t *testing.T, s staff.Store) {
	ctx := t.Context()
	a := account("huang@agency.gov.tw", staff.Admin)
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	kinds := []staff.CredentialKind{staff.KindSession, staff.KindLink, staff.KindToken}
	hashes := map[staff.CredentialKind]string{}
	for _, k := range kinds {
		_, h := staff.NewSecret()
		hashes[k] = h
		if err := s.PutCredential(ctx, staff.Credential{Hash: h, Kind: k, AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeAccountCredentials(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		c, err := s.Credential(ctx, hashes[k])
		if err != nil {
			t.Fatal(err)
		}
		if c.Revoked != (k != staff.KindToken) {
			t.Errorf("%s revoked = %v", k, c.Revoked)
		}
	}
}

func testAudit(t *testing.T, s staff.Store) {
	ctx := t.Context()
	actions := []string{"signin", "curated.draft", "curated.approve", "signin_failed", "documents.suppress"}
	for i, a := range actions {
		actor := "lin@agency.gov.tw"
		if i%2 == 1 {
			actor = "wu@agency.gov.tw"
		}
		e := staff.Entry{At: t0.Add(time.Duration(i) * time.Minute), Actor: actor, Action: a, Target: fmt.Sprint("t", i), Before: `{"status":"draft"}`, After: `{"status":"approved"}`, Addr: "203.0.113.9"}
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Audit(ctx, staff.AuditFilter{})
	if err != nil || len(all) != 5 {
		t.Fatalf("audit = %d entries, %v; want 5", len(all), err)
	}
	for i, e := range all {
		if want := actions[len(actions)-1-i]; e.Action != want {
			t.Errorf("entry %d: %s, want %s (newest first)", i, e.Action, want)
		}
	}
	if e := all[4]; e.Actor != "lin@agency.gov.tw" || e.Target != "t0" || e.Before != `{"status":"draft"}` || e.After != `{"status":"approved"}` || e.Addr != "203.0.113.9" || !e.At.Equal(t0) {
		t.Errorf("oldest entry = %+v", e)
	}
	got, err := s.Audit(ctx, staff.AuditFilter{Action: "curated"})
	if err != nil || len(got) != 2 || got[0].Action != "curated.approve" {
		t.Errorf("audit by action prefix = %+v, %v", got, err)
	}
	got, err = s.Audit(ctx, staff.AuditFilter{Actor: "wu@agency.gov.tw"})
	if err != nil || len(got) != 2 {
		t.Errorf("audit by actor = %+v, %v", got, err)
	}
	got, err = s.Audit(ctx, staff.AuditFilter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)})
	if err != nil || len(got) != 2 || got[0].Action != "curated.approve" || got[1].Action != "curated.draft" {
		t.Errorf("audit from..to = %+v, %v", got, err)
	}
	page1, err := s.Audit(ctx, staff.AuditFilter{Limit: 2})
	if err != nil || len(page1) != 2 {
		t.Fatalf("page 1 = %+v, %v", page1, err)
	}
	page2, err := s.Audit(ctx, staff.AuditFilter{Limit: 2, Before: page1[1].ID})
	if err != nil || len(page2) != 2 || page2[0].Action != "curated.approve" || page2[1].Action != "curated.draft" {
		t.Errorf("page 2 = %+v, %v", page2, err)
	}
}

func testHostileText(t *testing.T, s staff.Store) {
	ctx := t.Context()
	hostile := "<script>alert(1)</script>\x00 '; DROP TABLE audit_log; --"
	if err := s.AppendAudit(ctx, staff.Entry{At: t0, Actor: "x@y", Action: "curated.draft", Target: hostile}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, staff.AuditFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("audit = %+v, %v", got, err)
	}
	// A NUL cannot be stored as text: stores replace it; the rest is kept as it came.
	if got := got[0].Target; !strings.HasPrefix(got, "<script>alert(1)</script>") || !strings.HasSuffix(got, " '; DROP TABLE audit_log; --") || strings.ContainsRune(got, 0) {
		t.Errorf("target = %q, want the text kept as text", got)
	}
}
