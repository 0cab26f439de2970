package staff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Lifetimes of credentials.
const (
	LinkTTL        = 24 * time.Hour // a one-time sign-in link
	SessionIdle    = 2 * time.Hour  // a console session unused this long ends
	SessionMax     = 12 * time.Hour // and every session ends this long after sign-in
	DefaultTokenTT = 90 * 24 * time.Hour
	touchEvery     = time.Minute // how often a session's last use is written
)

// Errors of signing in.
var (
	// ErrBadCredentials covers a wrong password, an unknown account, a disabled one and
	// a used or expired link alike, so that nobody learns which.
	ErrBadCredentials = errors.New("staff: wrong e-mail or password, or the link has expired")
	// ErrThrottled is returned when too many sign-ins failed for the account or from
	// the address; the caller waits.
	ErrThrottled = errors.New("staff: too many failed sign-ins: wait a few minutes")
	// ErrUnauthenticated is returned for a missing, unknown, expired or revoked
	// session or token.
	ErrUnauthenticated = errors.New("staff: not signed in")
)

// Principal is who makes a request: an account through a session, or an API token.
type Principal struct {
	Actor     string // e-mail, or "token:NAME"
	AccountID string // "" for a token made from the shell
	Role      Role
	Hash      string // the credential's hash
}

// Can reports whether p may do what need may.
func (p Principal) Can(need Role) bool { return p.Role.Allows(need) }

// Auth signs staff in and out and checks their credentials. Every sign-in, failed
// sign-in and change of account or token is written to the audit log.
type Auth struct {
	store Store
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter // failed sign-ins, by "account:" or "addr:" key
}

// NewAuth returns an Auth on a store. now may be nil (the clock).
func NewAuth(s Store, log *slog.Logger, now func() time.Time) *Auth {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Auth{store: s, log: log, now: now, buckets: map[string]*rate.Limiter{}}
}

// Store returns the store the Auth works on.
func (a *Auth) Store() Store { return a.store }

// Failed sign-ins allowed before waiting: 5 per account and 20 per address, one more
// every 3 minutes and every 30 seconds respectively.
var (
	accountLimit = limitSpec{burst: 5, every: 3 * time.Minute}
	addrLimit    = limitSpec{burst: 20, every: 30 * time.Second}
)

type limitSpec struct {
	burst int
	every time.Duration
}

func (a *Auth) limiter(key string, l limitSpec) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.buckets[key]
	if !ok {
		if len(a.buckets) > 100_000 {
			// A flood of addresses: forget the full buckets rather than grow.
			for k, v := range a.buckets {
				if v.TokensAt(a.now()) >= float64(v.Burst()) {
					delete(a.buckets, k)
				}
			}
		}
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		a.buckets[key] = b
	}
	return b
}

func (a *Auth) throttled(email, addr string) bool {
	now := a.now()
	return a.limiter("account:"+email, accountLimit).TokensAt(now) < 1 ||
		(addr != "" && a.limiter("addr:"+addr, addrLimit).TokensAt(now) < 1)
}

func (a *Auth) failed(email, addr string) {
	now := a.now()
	a.limiter("account:"+email, accountLimit).AllowN(now, 1)
	if addr != "" {
		a.limiter("addr:"+addr, addrLimit).AllowN(now, 1)
	}
}

// Audit appends an entry to the audit log; before and after, when not nil, are
// recorded as JSON.
func (a *Auth) Audit(ctx context.Context, actor, action, target, addr string, before, after any) error {
	e := Entry{At: a.now(), Actor: actor, Action: action, Target: target, Addr: addr}
	for _, x := range []struct {
		v   any
		dst *string
	}{{before, &e.Before}, {after, &e.After}} {
		if x.v == nil {
			continue
		}
		b, err := json.Marshal(x.v)
		if err != nil {
			return fmt.Errorf("staff: audit %s: %w", action, err)
		}
		*x.dst = string(b)
	}
	if err := a.store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("staff: audit %s: %w", action, err)
	}
	return nil
}

// accountView is what the audit log records of an account: never its password hash.
type accountView struct {
	Email    string `json:"email"`
	Role     Role   `json:"role"`
	Disabled bool   `json:"disabled"`
}

func viewOf(acc Account) accountView {
	return accountView{Email: acc.Email, Role: acc.Role, Disabled: acc.Disabled}
}

// Invite creates an account, or renews the sign-in of an existing one, and returns a
// one-time secret for a link, valid for LinkTTL, with which the person sets a password
// and signs in. by is who invites ("cli" from the shell).
func (a *Auth) Invite(ctx context.Context, email string, role Role, by, addr string) (string, Account, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", Account{}, err
	}
	if role.rank() < 0 {
		return "", Account{}, fmt.Errorf("staff: role %q: want viewer, editor, approver or admin", role)
	}
	acc, err := a.store.AccountByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		acc = Account{ID: NewID(), Email: email, Role: role, CreatedAt: a.now()}
		if err := a.store.CreateAccount(ctx, acc); err != nil {
			return "", Account{}, err
		}
		if err := a.Audit(ctx, by, "staff.add", email, addr, nil, viewOf(acc)); err != nil {
			return "", Account{}, err
		}
	case err != nil:
		return "", Account{}, err
	default:
		before := acc
		acc.Role, acc.Disabled = role, false
		if err := a.store.UpdateAccount(ctx, acc); err != nil {
			return "", Account{}, err
		}
		if err := a.Audit(ctx, by, "staff.update", email, addr, viewOf(before), viewOf(acc)); err != nil {
			return "", Account{}, err
		}
	}
	secret, hash := NewSecret()
	now := a.now()
	if err := a.store.PutCredential(ctx, Credential{Hash: hash, Kind: KindLink, AccountID: acc.ID, CreatedBy: by,
		CreatedAt: now, ExpiresAt: now.Add(LinkTTL)}); err != nil {
		return "", Account{}, err
	}
	return secret, acc, nil
}

// UseLink spends a one-time link: the account's password is set (when password is
// not empty) and a session begins. It returns the session's secret.
func (a *Auth) UseLink(ctx context.Context, link, password, addr string) (string, Principal, error) {
	if !ValidSecret(link) {
		return "", Principal{}, ErrBadCredentials
	}
	c, err := a.store.Credential(ctx, HashSecret(link))
	if errors.Is(err, ErrNotFound) || (err == nil && (c.Kind != KindLink || c.Revoked || !a.now().Before(c.ExpiresAt))) {
		return "", Principal{}, ErrBadCredentials
	}
	if err != nil {
		return "", Principal{}, err
	}
	acc, err := a.store.Account(ctx, c.AccountID)
	if errors.Is(err, ErrNotFound) || (err == nil && acc.Disabled) {
		return "", Principal{}, ErrBadCredentials
	}
	if err != nil {
		return "", Principal{}, err
	}
	var hash string
	if password != "" {
		if hash, err = HashPassword(password); err != nil {
			return "", Principal{}, err
		}
	}
	// Spend the link first: a link used twice at once gives one session.
	if err := a.store.RevokeCredential(ctx, c.Hash); err != nil {
		return "", Principal{}, err
	}
	if hash != "" {
		acc.PasswordHash = hash
		if err := a.store.UpdateAccount(ctx, acc); err != nil {
			return "", Principal{}, err
		}
		if err := a.Audit(ctx, acc.Email, "staff.password", acc.Email, addr, nil, nil); err != nil {
			return "", Principal{}, err
		}
	}
	return a.begin(ctx, acc, addr, "signin_link")
}

// SignIn checks an e-mail and password and begins a session.
func (a *Auth) SignIn(ctx context.Context, email, password, addr string) (string, Principal, error) {
	norm, err := NormalizeEmail(email)
	if err != nil {
		norm = "invalid"
	}
	if a.throttled(norm, addr) {
		a.Audit(ctx, norm, "signin_throttled", norm, addr, nil, nil)
		return "", Principal{}, ErrThrottled
	}
	acc, err := a.store.AccountByEmail(ctx, norm)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", Principal{}, err
	}
	if err != nil || acc.Disabled || acc.PasswordHash == "" || !CheckPassword(acc.PasswordHash, password) {
		a.failed(norm, addr)
		if err := a.Audit(ctx, norm, "signin_failed", norm, addr, nil, nil); err != nil {
			return "", Principal{}, err
		}
		return "", Principal{}, ErrBadCredentials
	}
	return a.begin(ctx, acc, addr, "signin")
}

func (a *Auth) begin(ctx context.Context, acc Account, addr, action string) (string, Principal, error) {
	secret, hash := NewSecret()
	now := a.now()
	c := Credential{Hash: hash, Kind: KindSession, AccountID: acc.ID, CreatedBy: acc.Email, CreatedAt: now,
		ExpiresAt: now.Add(SessionMax), LastUsed: now}
	if err := a.store.PutCredential(ctx, c); err != nil {
		return "", Principal{}, err
	}
	if err := a.Audit(ctx, acc.Email, action, acc.Email, addr, nil, nil); err != nil {
		return "", Principal{}, err
	}
	return secret, Principal{Actor: acc.Email, AccountID: acc.ID, Role: acc.Role, Hash: hash}, nil
}

// Session returns who holds a console session's secret. Sessions end after
// SessionIdle without use, SessionMax after sign-in, at sign-out, and when their
// account is disabled.
func (a *Auth) Session(ctx context.Context, secret string) (Principal, error) {
	return a.check(ctx, secret, KindSession)
}

// Token returns who holds an API token.
func (a *Auth) Token(ctx context.Context, secret string) (Principal, error) {
	return a.check(ctx, secret, KindToken)
}

func (a *Auth) check(ctx context.Context, secret string, kind CredentialKind) (Principal, error) {
	if !ValidSecret(secret) {
		return Principal{}, ErrUnauthenticated
	}
	c, err := a.store.Credential(ctx, HashSecret(secret))
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	now := a.now()
	if c.Kind != kind || c.Revoked || !now.Before(c.ExpiresAt) || (kind == KindSession && now.Sub(c.LastUsed) >= SessionIdle) {
		return Principal{}, ErrUnauthenticated
	}
	p := Principal{AccountID: c.AccountID, Role: c.Role, Hash: c.Hash, Actor: "token:" + c.Name}
	if c.AccountID != "" {
		acc, err := a.store.Account(ctx, c.AccountID)
		if errors.Is(err, ErrNotFound) || (err == nil && acc.Disabled) {
			return Principal{}, ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, err
		}
		if kind == KindSession {
			p.Role, p.Actor = acc.Role, acc.Email
		}
	}
	if now.Sub(c.LastUsed) >= touchEvery {
		if err := a.store.TouchCredential(ctx, c.Hash, now); err != nil {
			a.log.Warn("staff: record a credential's use", "err", err)
		}
	}
	return p, nil
}

// SignOut ends a session.
func (a *Auth) SignOut(ctx context.Context, p Principal, addr string) error {
	if err := a.store.RevokeCredential(ctx, p.Hash); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return a.Audit(ctx, p.Actor, "signout", p.Actor, addr, nil, nil)
}

// CreateToken makes an API token with a role, valid for ttl (DefaultTokenTT when 0),
// and returns its secret, which is shown once and never stored.
func (a *Auth) CreateToken(ctx context.Context, name string, role Role, ttl time.Duration, by, addr string) (string, Credential, error) {
	if name == "" || len(name) > 100 {
		return "", Credential{}, errors.New("staff: a token needs a name of at most 100 bytes")
	}
	if role.rank() < 0 {
		return "", Credential{}, fmt.Errorf("staff: role %q: want viewer, editor, approver or admin", role)
	}
	if ttl == 0 {
		ttl = DefaultTokenTT
	}
	if ttl < 0 || ttl > 3*365*24*time.Hour {
		return "", Credential{}, errors.New("staff: a token expires within 3 years")
	}
	secret, hash := NewSecret()
	now := a.now()
	c := Credential{Hash: hash, Kind: KindToken, Name: name, Role: role, CreatedBy: by, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.store.PutCredential(ctx, c); err != nil {
		return "", Credential{}, err
	}
	if err := a.Audit(ctx, by, "token.create", name, addr, nil, map[string]any{"role": role, "expires_at": c.ExpiresAt}); err != nil {
		return "", Credential{}, err
	}
	return secret, c, nil
}

// RevokeToken revokes an API token by its hash.
func (a *Auth) RevokeToken(ctx context.Context, hash, by, addr string) error {
	c, err := a.store.Credential(ctx, hash)
	if err == nil && c.Kind != KindToken {
		err = ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := a.store.RevokeCredential(ctx, hash); err != nil {
		return err
	}
	return a.Audit(ctx, by, "token.revoke", c.Name, addr, nil, nil)
}

// SetDisabled disables or enables an account; disabling ends its sessions.
func (a *Auth) SetDisabled(ctx context.Context, id string, disabled bool, by, addr string) (Account, error) {
	acc, err := a.store.Account(ctx, id)
	if err != nil {
		return Account{}, err
	}
	before := acc
	acc.Disabled = disabled
	if err := a.store.UpdateAccount(ctx, acc); err != nil {
		return Account{}, err
	}
	if disabled {
		if err := a.store.RevokeAccountCredentials(ctx, id); err != nil {
			return Account{}, err
		}
	}
	return acc, a.Audit(ctx, by, "staff.update", acc.Email, addr, viewOf(before), viewOf(acc))
}

// Bootstrap prepares a first start: when there are no staff at all, it invites an
// admin (admin@localhost) and returns the link's secret; otherwise "".
func (a *Auth) Bootstrap(ctx context.Context) (string, error) {
	list, err := a.store.Accounts(ctx)
	if err != nil || len(list) > 0 {
		return "", err
	}
	secret, _, err := a.Invite(ctx, "admin@localhost", Admin, "bootstrap", "")
	return secret, err
}

// SignInExternal begins a session for someone an identity provider vouched for (OIDC
// single sign-on). With a role from the provider, the account is made or its role
// updated; without one, the e-mail must be an enabled staff account already.
func (a *Auth) SignInExternal(ctx context.Context, email string, role Role, addr string) (string, Principal, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", Principal{}, ErrBadCredentials
	}
	acc, err := a.store.AccountByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound) && role == "":
		a.Audit(ctx, email, "signin_failed", email, addr, nil, map[string]string{"reason": "no staff account and no role from the identity provider"})
		return "", Principal{}, ErrBadCredentials
	case errors.Is(err, ErrNotFound):
		acc = Account{ID: NewID(), Email: email, Role: role, CreatedAt: a.now()}
		if err := a.store.CreateAccount(ctx, acc); err != nil {
			return "", Principal{}, err
		}
		if err := a.Audit(ctx, "sso", "staff.add", email, addr, nil, viewOf(acc)); err != nil {
			return "", Principal{}, err
		}
	case err != nil:
		return "", Principal{}, err
	case acc.Disabled:
		a.Audit(ctx, email, "signin_failed", email, addr, nil, map[string]string{"reason": "disabled"})
		return "", Principal{}, ErrBadCredentials
	case role != "" && role != acc.Role:
		before := acc
		acc.Role = role
		if err := a.store.UpdateAccount(ctx, acc); err != nil {
			return "", Principal{}, err
		}
		if err := a.Audit(ctx, "sso", "staff.update", email, addr, viewOf(before), viewOf(acc)); err != nil {
			return "", Principal{}, err
		}
	}
	return a.begin(ctx, acc, addr, "signin_sso")
}
