// Package redact masks personal data in a citizen's message before it is stored,
// logged or sent to a model: Taiwan national ID and resident certificate numbers,
// mobile and landline numbers, e-mail addresses, NHI card numbers and payment card
// numbers, in Chinese or English text, typed in full-width characters or with
// spaces, hyphens or dots inside.
//
// Candidates are found by patterns on a folded copy of the message and then
// validated in Go (check digits, the Luhn sum, the numbering plan), so that what a
// medication question is made of — licence numbers, imprint codes, doses, dates,
// barcodes, public help lines — is left alone.
//
// Matching is linear in the length of the message (RE2 patterns and single passes),
// and redaction is idempotent: a redacted message has nothing left to redact.
package redact

import (
	"cmp"
	"slices"
	"strings"
)

// Kind names a kind of personal data. The names are part of the public contract:
// they are recorded with a message in place of the data.
type Kind string

const (
	NationalID Kind = "national_id" // 身分證統一編號
	ResidentID Kind = "resident_id" // 居留證統一證號, the old and the 2021 format
	Mobile     Kind = "mobile"
	Phone      Kind = "phone" // a landline, with its extension
	Email      Kind = "email"
	NHICard    Kind = "nhi_card"    // 健保卡號
	CreditCard Kind = "credit_card" // any payment card number that passes the Luhn check
)

// kinds is the order in which Redact reports what it found.
var kinds = [...]Kind{NationalID, ResidentID, Mobile, Phone, Email, NHICard, CreditCard}

// Mask is what replaces each item.
const Mask = "***"

// span is an item found in the folded text, [start, end).
type span struct {
	start, end int
	kind       Kind
}

// Redact returns s with every item replaced by Mask, and the kinds found (each once,
// in a fixed order), nil when none.
//
// The finders run in turn, each on the text with the finds of the ones before
// blanked out: e-mail addresses first (a number inside an address is part of the
// address), then IDs, then numbers. A finder turns a candidate down only for
// what masking cannot change (a letter next to it, or a digit that a later mask
// would take together with part of the candidate), which is what makes a second
// pass over the result find nothing.
func Redact(s string) (string, []Kind) {
	if !mayHold(s) {
		return s, nil
	}
	t := fold(s)
	spans := appendEmails(nil, t.b)
	blank(t.b, spans)
	n := len(spans)
	spans = appendIDs(spans, t.b)
	blank(t.b, spans[n:])
	spans = appendNumbers(spans, t.b)
	if len(spans) == 0 {
		return s, nil
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })

	var found [len(kinds)]bool
	var out strings.Builder
	out.Grow(len(s))
	prev := 0
	for _, sp := range spans {
		out.WriteString(s[prev:t.orig(sp.start)])
		out.WriteString(Mask)
		prev = t.orig(sp.end)
		found[slices.Index(kinds[:], sp.kind)] = true
	}
	out.WriteString(s[prev:])

	var ks []Kind
	for i, k := range kinds {
		if found[i] {
			ks = append(ks, k)
		}
	}
	return out.String(), ks
}

// mayHold reports whether s has a digit or an at sign, ASCII or full-width: every
// item has one, and most messages are questions without either.
func mayHold(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '@':
			return true
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && (s[i+2] >= 0x90 && s[i+2] <= 0x99 || s[i+2] == 0xA0):
			return true // ０-９, ＠
		}
	}
	return false
}

// blank overwrites the spans so that later finders neither match them nor take
// them for a neighbouring letter or digit, as they will see Mask on a second pass.
func blank(b []byte, spans []span) {
	for _, sp := range spans {
		for i := sp.start; i < sp.end; i++ {
			b[i] = '*'
		}
	}
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
