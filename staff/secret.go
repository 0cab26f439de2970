package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane), which
// costs about 30 ms a sign-in on one core.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password rules: long enough to resist guessing, short enough that hashing a
// submitted password cannot be used to tie up the server.
const (
	MinPassword = 12
	MaxPassword = 256
)

// ErrBadPassword is returned by HashPassword for a password that breaks the rules.
var ErrBadPassword = fmt.Errorf("staff: a password has %d to %d characters", MinPassword, MaxPassword)

// HashPassword returns the argon2id hash of a password in PHC string format.
func HashPassword(password string) (string, error) {
	if n := utf8.RuneCountInString(password); n < MinPassword || len(password) > MaxPassword {
		return "", ErrBadPassword
	}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword, in
// constant time. A malformed hash never matches.
func CheckPassword(hash, password string) bool {
	if len(password) > MaxPassword {
		return false
	}
	p := strings.Split(hash, "$")
	if len(p) != 6 || p[1] != "argon2id" || p[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var threads uint8
	if _, err := fmt.Sscanf(p[3], "m=%d,t=%d,p=%d", &m, &t, &threads); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(p[4])
	want, err2 := b64.DecodeString(p[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// secretPrefix marks civicbot's secrets, so that a leaked one is recognisable (by
// secret scanners, and by people).
const secretPrefix = "cb_"

// NewSecret returns a new random secret (256 bits) and the hash under which it is
// stored.
func NewSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the hash under which a secret is stored and looked up. The
// secrets are random, so a fast hash is enough: nothing can be guessed from it.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ValidSecret reports whether s has the shape of a secret made by NewSecret, so that
// junk is refused before any lookup.
func ValidSecret(s string) bool {
	rest, ok := strings.CutPrefix(s, secretPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// NewID returns a random identifier for accounts and drafts.
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var errEmail = errors.New("staff: an e-mail address looks like name@agency.gov.tw")

// NormalizeEmail returns an e-mail address in the form it is stored: trimmed, lower
// case, checked for one @ with something on each side.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(s, " \t\r\n<>\"'") || strings.Contains(domain, "@") || len(s) > 254 {
		return "", errEmail
	}
	return s, nil
}
