package redact

import (
	"bytes"
	"regexp"
	"strings"
)

// runRE finds runs of digit groups joined by what people type inside a number:
// spaces, hyphens and dots, the brackets around an area code, and the mark before
// an extension. A run may hold several numbers ("0912-345-678 02-2345-6789") or
// none (a date); run.parse splits it.
var runRE = regexp.MustCompile(`[+(]?[0-9]+(?:(?:[ .\-]{1,3}|[ \-]?[()][ \-]?|[ ]?(?:#|分機|分机|轉|转|(?i:ext)[.:]?)[ :]{0,2})[0-9]+)*`)

// An item has from minDigits (a landline outside Taipei and Taichung) to
// maxDigits (a payment card, or a landline written with the country code and an
// extension).
const (
	minDigits = 9
	maxDigits = 19
)

// publicNumbers are service lines, in national form, that are never masked: a
// citizen who types the poison centre's number is asking about it, not giving
// away their own. Toll-free 080x numbers are left alone by prefix, and the short
// codes (110 police, 113 protection hotline, 119 fire and ambulance, 165
// anti-fraud, 1925 mental health, 1999 city hotline) by being shorter than any
// item.
var publicNumbers = map[string]bool{
	"0228717121": true, // (02) 2871-7121, poison centre
	"0228757525": true, // (02) 2875-7525, poison centre
}

// appendNumbers appends the phone, NHI card and payment card numbers in b.
func appendNumbers(spans []span, b []byte) []span {
	r := run{b: b}
	for _, m := range runRE.FindAllIndex(b, -1) {
		r.start, r.end = m[0], m[1]
		r.groups = r.groups[:0]
		for i := r.start; i < r.end; {
			if !isDigit(b[i]) {
				i++
				continue
			}
			j := i
			for j < r.end && isDigit(b[j]) {
				j++
			}
			g := group{start: i, end: j}
			if n := len(r.groups); n > 0 {
				g.sep = sepKind(b[r.groups[n-1].end:i])
			}
			r.groups = append(r.groups, g)
			i = j
		}
		spans = r.parse(spans)
	}
	return spans
}

// group is a run of digits, and what joins it to the group before.
type group struct {
	start, end int
	sep        sep
}

type sep int

const (
	sepPlain sep = iota // spaces, hyphens, dots
	sepParen            // with a bracket
	sepExt              // an extension mark
)

func sepKind(b []byte) sep {
	switch {
	case onlyBytes(b, " -."):
		return sepPlain
	case onlyBytes(b, " -()"):
		return sepParen
	}
	return sepExt
}

// run is one match of runRE, with its digit groups.
type run struct {
	b          []byte
	start, end int
	groups     []group
	digits     []byte // scratch
	nat        []byte // scratch
}

// item is what a sequence of groups is.
type item struct {
	kind Kind
	mask bool // false for a public number, which stays as it is
	intl bool // written with the country code 886
}

// parse appends the items of the run. From its first group on, it takes the
// longest sequence of whole groups that is an item (masked or public) and goes on
// after it, or moves one group on when there is none.
//
// A masked item never starts or ends inside a group, nor next to a letter (it
// would be part of a code such as "AB0912345678"), except a payment card, so that
// no Luhn-valid card number is left whatever surrounds it. On a second pass a
// run can only be cut shorter, by masks, and the items it holds are judged the
// same way, so nothing new is found.
func (r *run) parse(spans []span) []span {
	letterBefore := r.start > 0 && isLetter(r.b[r.start-1])
	letterAfter := r.end < len(r.b) && isLetter(r.b[r.end])
	last := len(r.groups) - 1
	for i := 0; i <= last; {
		// The digits of the groups from i on, as many as an item may have; n[k]
		// is how many of them groups i..i+k hold.
		var n [maxDigits]int
		r.digits = r.digits[:0]
		top := i
		for ; top <= last; top++ {
			g := r.groups[top]
			if len(r.digits)+g.end-g.start > maxDigits {
				break
			}
			r.digits = append(r.digits, r.b[g.start:g.end]...)
			n[top-i] = len(r.digits)
		}
		j := top - 1
		var it item
		for ; j >= i; j-- {
			if n[j-i] < minDigits {
				j = i - 1
				break
			}
			var ok bool
			if it, ok = r.classify(i, j, r.digits[:n[j-i]]); !ok {
				continue
			}
			if it.mask && it.kind != CreditCard && (i == 0 && letterBefore || j == last && letterAfter) {
				continue
			}
			break
		}
		if j < i {
			i++
			continue
		}
		if it.mask {
			spans = append(spans, span{r.itemStart(i, j, it), r.groups[j].end, it.kind})
		}
		i = j + 1
	}
	return spans
}

// itemStart returns where the item of groups i..j starts: with the '+' of the
// country code, and with the bracket of an area code when the closing one is in
// the item, so that "(02)2345-6789" leaves no bracket behind but "(0912345678)"
// keeps both.
func (r *run) itemStart(i, j int, it item) int {
	s := r.groups[i].start
	if s == r.start {
		return s
	}
	switch r.b[s-1] {
	case '+':
		if it.intl {
			return s - 1
		}
	case '(':
		if i < j && bytes.IndexByte(r.b[r.groups[i].end:r.groups[i+1].start], ')') >= 0 {
			return s - 1
		}
	}
	return s
}

// classify reports what groups i..j, holding the digits d, are, if anything.
func (r *run) classify(i, j int, d []byte) (item, bool) {
	ext, plain := false, true // plain: groups joined by spaces, hyphens and dots only
	for k := i + 1; k <= j; k++ {
		switch r.groups[k].sep {
		case sepParen:
			plain = false
		case sepExt: // only the last group, the extension, may follow one
			if k != j || r.groups[j].end-r.groups[j].start > 6 {
				return item{}, false
			}
			ext = true
		}
	}
	if ext {
		d = d[:len(d)-(r.groups[j].end-r.groups[j].start)]
	}
	nat, intl := r.national(d)
	switch {
	case publicNumbers[string(nat)], tollFree(nat):
		return item{kind: Phone}, true
	case landline(nat):
		return item{kind: Phone, mask: true, intl: intl}, true
	case ext:
		return item{}, false
	case len(nat) == 10 && nat[0] == '0' && nat[1] == '9':
		return item{kind: Mobile, mask: true, intl: intl}, true
	case !plain:
		return item{}, false
	case len(d) >= 14 && cardGroups(r.groups[i:j+1]) && luhn(d):
		return item{kind: CreditCard, mask: true}, true
	case len(d) == 12 && (i == j || j == i+2 && allLen(r.groups[i:j+1], 4)):
		// A bare 12-digit number is as likely an NHI card number written without
		// its label as anything else.
		return item{kind: NHICard, mask: true}, true
	}
	return item{}, false
}

// national returns d as dialled in Taiwan: the country code 886, and the trunk 0
// some people keep after it ("+886 (0)2"), become the trunk 0.
func (r *run) national(d []byte) ([]byte, bool) {
	if len(d) > 4 && string(d[:3]) == "886" {
		rest := d[3:]
		if rest[0] == '0' {
			rest = rest[1:]
		}
		r.nat = append(append(r.nat[:0], '0'), rest...)
		return r.nat, true
	}
	return d, false
}

// tollFree reports whether n is a toll-free number in national form (0800, 0809):
// an organisation's, not a person's.
func tollFree(n []byte) bool {
	return (len(n) == 9 || len(n) == 10) && bytes.HasPrefix(n, []byte("080"))
}

// landline reports whether n is a landline number in national form: an area code
// 02 to 08 (037, 049, 082, 0826, 0836 and 089 included) and a local number of 5
// to 8 digits, 9 or 10 digits in all. No area has shorter numbers, and requiring 9
// keeps dates such as 02-03-2026 out.
func landline(n []byte) bool {
	return (len(n) == 9 || len(n) == 10) && n[0] == '0' && n[1] >= '2' && n[1] <= '8'
}

// cardGroups reports whether gs are grouped as a card number is written: all
// together, in fours (the last group shorter), or 4-6-5 and 4-6-4 (American
// Express, Diners Club). Other groupings are more likely several numbers.
func cardGroups(gs []group) bool {
	l := func(k int) int { return gs[k].end - gs[k].start }
	switch {
	case len(gs) == 1:
		return true
	case len(gs) == 3 && l(0) == 4 && l(1) == 6 && (l(2) == 4 || l(2) == 5):
		return true
	case len(gs) >= 3:
		return allLen(gs[:len(gs)-1], 4) && l(len(gs)-1) <= 4
	}
	return false
}

func allLen(gs []group, n int) bool {
	for _, g := range gs {
		if g.end-g.start != n {
			return false
		}
	}
	return true
}

// luhn reports whether the digits d pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

func onlyBytes(b []byte, set string) bool {
	for _, c := range b {
		if strings.IndexByte(set, c) < 0 {
			return false
		}
	}
	return true
}
