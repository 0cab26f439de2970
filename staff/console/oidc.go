package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/staff"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig configures single sign-on with an agency's identity provider.
type OIDCConfig struct {
	Issuer       string // OIDC_ISSUER
	ClientID     string // OIDC_CLIENT_ID
	ClientSecret string // OIDC_CLIENT_SECRET
	RedirectURL  string // OIDC_REDIRECT_URL: https://host/admin/oidc/callback
	// RoleClaim names the ID token claim that carries the role (OIDC_ROLE_CLAIM,
	// default "civicbot_role"): a role name, or a list (such as "groups") in which
	// "civicbot:ROLE" or a bare role name counts; the highest wins. Without it, the
	// e-mail must be a staff account already, and that account's role applies.
	RoleClaim string
}

// OIDC signs staff in through an OpenID Connect provider.
type OIDC struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	claim    string
}

// NewOIDC discovers the provider; ctx bounds the discovery.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("console: OIDC needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("console: OIDC provider %s: %w", cfg.Issuer, err)
	}
	claim := cfg.RoleClaim
	if claim == "" {
		claim = "civicbot_role"
	}
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	if claim == "groups" {
		scopes = append(scopes, "groups") // most providers send groups only when asked
	}
	return &OIDC{
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: scopes},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		claim:    claim,
	}, nil
}

const oidcCookie = "civicbot_oidc"

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// handleOIDCLogin sends the person to the identity provider, with a state, a nonce
// and a PKCE verifier kept in a short-lived cookie for the callback to check.
func (s *Server) handleOIDCLogin(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.handlePageNotFound(w, r)
		return
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	next := safeNext(r.URL.Query().Get("next"))
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: strings.Join([]string{state, nonce, verifier, base64.RawURLEncoding.EncodeToString([]byte(next))}, "."),
		Path: "/admin/oidc/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure || r.TLS != nil})
	http.Redirect(w, r, s.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// handleOIDCCallback checks what the provider sent back and begins a session.
func (s *Server) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.handlePageNotFound(w, r)
		return
	}
	fail := func(code int, msg string, err error) {
		if err != nil {
			s.log.Warn("OIDC sign-in", "err", err)
		}
		s.render(w, r, code, "signin", page{Title: "signin", Error: msg, Data: map[string]any{"Next": "/admin/", "SSO": true}})
	}
	c, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: "/admin/oidc/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if len(parts) != 4 || r.URL.Query().Get("state") != parts[0] || parts[0] == "" {
		fail(http.StatusBadRequest, "the sign-in was not started here, or took too long: try again", nil)
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		fail(http.StatusUnauthorized, "the identity provider refused the sign-in", fmt.Errorf("provider: %.100s", e))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := s.oidc.oauth.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		fail(http.StatusUnauthorized, "the identity provider did not confirm the sign-in", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := s.oidc.verifier.Verify(ctx, raw)
	if err != nil || idt.Nonce != parts[1] {
		fail(http.StatusUnauthorized, "the identity provider's token did not check out", err)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		fail(http.StatusUnauthorized, "the identity provider's token did not check out", err)
		return
	}
	email, _ := claims["email"].(string)
	if verified, ok := claims["email_verified"].(bool); email == "" || (ok && !verified) {
		fail(http.StatusUnauthorized, "the identity provider gave no verified e-mail address", nil)
		return
	}
	secret, _, err := s.auth.SignInExternal(r.Context(), email, roleFromClaim(claims[s.oidc.claim]), s.clientAddr(r))
	if err != nil {
		code, msg, internal := status(err)
		if internal {
			s.log.Error("OIDC sign-in", "err", err)
		}
		fail(code, msg, nil)
		return
	}
	next := "/admin/"
	if b, err := base64.RawURLEncoding.DecodeString(parts[3]); err == nil {
		next = safeNext(string(b))
	}
	s.setSession(w, r, secret)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// roleFromClaim reads a role from a claim: a role name, or a list of names or groups
// ("civicbot:editor"); the highest role found wins; "" when none.
func roleFromClaim(v any) staff.Role {
	var names []string
	switch v := v.(type) {
	case string:
		names = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				names = append(names, s)
			}
		}
	}
	best := staff.Role("")
	for _, n := range names {
		r, err := staff.ParseRole(strings.TrimPrefix(strings.ToLower(n), "civicbot:"))
		if err == nil && (best == "" || slices.Index(staff.Roles, r) > slices.Index(staff.Roles, best)) {
			best = r
		}
	}
	return best
}
