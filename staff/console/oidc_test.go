package console_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/console"
	"github.com/oauth2-proxy/mockoidc"
)

// Single sign-on against a real OIDC protocol server on localhost: the role comes
// from a claim, or from the staff record of the e-mail; unknown and disabled people
// are refused; a callback the console did not start is refused.
func TestOIDC(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	s := memStore(t)
	eng, err := bot.New(bot.Config{Store: s, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	auth := staff.NewAuth(s, nil, nil)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := m.Config()
	o, err := console.NewOIDC(t.Context(), console.OIDCConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: srv.URL + "/admin/oidc/callback", RoleClaim: "groups"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Config{Auth: auth, Data: s, Engine: eng, OIDC: o, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c.Mount(mux)

	signIn := func(u *mockoidc.MockUser) (*http.Client, int, string) {
		t.Helper()
		m.QueueUser(u)
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Jar: jar}
		resp, err := cl.Get(srv.URL + "/admin/oidc/login?next=/admin/review")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return cl, resp.StatusCode, resp.Request.URL.Path + "\n" + string(body)
	}
	cl, code, page := signIn(&mockoidc.MockUser{Subject: "1", Email: "Lin@Agency.gov.tw", EmailVerified: true, Groups: []string{"staff", "civicbot:editor"}})
	if code != 200 || !strings.HasPrefix(page, "/admin/review\n") {
		t.Fatalf("sign-in with a role claim: %d at %s", code, page[strings.Index(page, "role=\"alert\""):][:200])
	}
	acc, err := s.AccountByEmail(t.Context(), "lin@agency.gov.tw")
	if err != nil || acc.Role != staff.Editor {
		t.Errorf("account made from the claim: %+v, %v", acc, err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/admin/curated/x/approve", nil)
	if resp, err := cl.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("an editor from SSO approving: %v %v, want 403", resp.StatusCode, err)
	}

	if _, code, _ := signIn(&mockoidc.MockUser{Subject: "2", Email: "stranger@example.com", EmailVerified: true}); code != http.StatusUnauthorized {
		t.Errorf("no role claim and no staff account: %d, want 401", code)
	}
	// Without a claim, the staff record's role applies.
	if _, _, err := auth.Invite(t.Context(), "wu@agency.gov.tw", staff.Approver, "test", ""); err != nil {
		t.Fatal(err)
	}
	if _, code, page := signIn(&mockoidc.MockUser{Subject: "3", Email: "wu@agency.gov.tw", EmailVerified: true}); code != 200 || !strings.Contains(page, "wu@agency.gov.tw (approver)") {
		t.Errorf("staff record without a claim: %d %s", code, page[:min(300, len(page))])
	}
	acc, _ = s.AccountByEmail(t.Context(), "wu@agency.gov.tw")
	if _, err := auth.SetDisabled(t.Context(), acc.ID, true, "test", ""); err != nil {
		t.Fatal(err)
	}
	if _, code, _ := signIn(&mockoidc.MockUser{Subject: "3", Email: "wu@agency.gov.tw", EmailVerified: true, Groups: []string{"civicbot:admin"}}); code != http.StatusUnauthorized {
		t.Errorf("a disabled account: %d, want 401", code)
	}
	// A callback nobody started here (no state cookie) is refused.
	resp, err := http.Get(srv.URL + "/admin/oidc/callback?code=x&state=y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a forged callback: %d, want 400", resp.StatusCode)
	}
	entries, _ := s.Audit(t.Context(), staff.AuditFilter{Action: "signin_sso"})
	if len(entries) != 2 {
		t.Errorf("audit has %d SSO sign-ins, want 2", len(entries))
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
