// Package staff is the domain of agency staff: their accounts and roles, the
// credentials they hold (console sessions, one-time sign-in links, API tokens), and
// the append-only audit log of what they did.
//
// A Store keeps all of it. Its contract, which the stores' conformance suite
// (staff/stafftest) checks sentence by sentence:
//
//   - An account's e-mail is unique, compared without case: creating a second
//     account with the same e-mail is ErrExists.
//   - A credential is found only by the SHA-256 hash of its secret; the secret itself
//     is never stored. A missing credential is ErrNotFound.
//   - Audit entries are only ever appended; they are listed newest first and are
//     never changed or deleted by any method.
//   - Lookups of something that does not exist return ErrNotFound, never a zero value
//     and a nil error.
package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what a member of staff may do. Roles are ordered: each one may do what the
// roles before it may.
type Role string

// The roles, from least to most trusted; the names are part of the public contract.
const (
	Viewer   Role = "viewer"   // reads conversations, feedback and analytics
	Editor   Role = "editor"   // drafts curated answers and synonyms, proposes suppressions
	Approver Role = "approver" // approves or retires what someone else drafted
	Admin    Role = "admin"    // staff accounts, tokens and settings
)

// Roles lists the roles in order.
var Roles = []Role{Viewer, Editor, Approver, Admin}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == strings.ToLower(strings.TrimSpace(s)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("staff: role %q: want viewer, editor, approver or admin", s)
}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Allows reports whether r may do what need may.
func (r Role) Allows(need Role) bool { return r.rank() >= 0 && r.rank() >= need.rank() }

// Account is a member of staff.
type Account struct {
	ID           string
	Email        string // lower case
	Name         string
	Role         Role
	PasswordHash string // argon2id in PHC format; "" until set or for single sign-on
	Disabled     bool
	CreatedAt    time.Time
}

// CredentialKind names what a credential opens.
type CredentialKind string

// Credential kinds.
const (
	KindSession CredentialKind = "session" // a console session (a cookie)
	KindLink    CredentialKind = "link"    // a one-time link to set a password and sign in
	KindToken   CredentialKind = "token"   // a staff API token (a bearer)
)

// Credential is a secret that staff hold, stored as the hash of the secret.
type Credential struct {
	Hash      string // hex SHA-256 of the secret
	Kind      CredentialKind
	AccountID string // the account it belongs to; "" for a token made from the shell
	Name      string // a token's name
	Role      Role   // a token's role; sessions and links take their account's
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time // hard expiry
	LastUsed  time.Time
	Revoked   bool
}

// Entry is one line of the audit log.
type Entry struct {
	ID     int64
	At     time.Time
	Actor  string // e-mail of the account, "token:NAME", or "cli"
	Action string // e.g. "signin", "signin_failed", "curated.approve"
	Target string // what it acted on: an id, dataset/key, e-mail
	Before string // JSON, "" when not applicable
	After  string // JSON, "" when not applicable
	Addr   string // the client's address, "" from the shell
}

// AuditFilter selects audit entries. Zero fields select everything.
type AuditFilter struct {
	Actor  string
	Action string // a prefix: "curated" matches "curated.approve"
	From   time.Time
	To     time.Time
	Before int64 // entries with an id below this (paging); 0 from the newest
	Limit  int
}

// Store keeps staff accounts, credentials and the audit log.
type Store interface {
	CreateAccount(ctx context.Context, a Account) error
	UpdateAccount(ctx context.Context, a Account) error
	Account(ctx context.Context, id string) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)
	Accounts(ctx context.Context) ([]Account, error)

	PutCredential(ctx context.Context, c Credential) error
	Credential(ctx context.Context, hash string) (Credential, error)
	// Credentials lists the credentials of one kind, newest first.
	Credentials(ctx context.Context, kind CredentialKind) ([]Credential, error)
	// TouchCredential records a use; RevokeCredential makes it unusable. Both are
	// ErrNotFound for an unknown hash.
	TouchCredential(ctx context.Context, hash string, at time.Time) error
	RevokeCredential(ctx context.Context, hash string) error
	// RevokeAccountCredentials revokes every session and link of an account.
	RevokeAccountCredentials(ctx context.Context, accountID string) error

	AppendAudit(ctx context.Context, e Entry) error
	Audit(ctx context.Context, f AuditFilter) ([]Entry, error)
}

// Errors of the staff domain; adapters translate theirs into these.
var (
	ErrNotFound  = errors.New("staff: not found")
	ErrExists    = errors.New("staff: already exists")
	ErrForbidden = errors.New("staff: not allowed for this role")
	// ErrFourEyes is returned when someone approves what they drafted themselves.
	ErrFourEyes = errors.New("staff: nobody approves their own draft")
)
