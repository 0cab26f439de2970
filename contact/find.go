// Package contact finds the phone numbers and links in a text, however they are
// written, and says which of them a citizen may be given (the allow-list staff keep).
//
// Text is folded before it is read: full-width forms become ASCII (NFKC), Chinese
// numerals (〇一二…九, 零, 壹貳…) become digits, dashes become '-', and invisible format
// characters are dropped. A phone number is then a run of digits with separators
// (spaces, dashes, dots, slashes, brackets) holding at least MinPhoneDigits digits; a
// link is any domain-like token, with or without a scheme. Answers and sources are
// read the same way, so that a number written «０９００／〇〇〇／〇〇〇» in one and
// «0900-000-000» in the other are the same number.
package contact

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MinPhoneDigits is how many digits a run must hold to be read as a phone number:
// shorter ones are doses, years and serials. Short numbers (help lines) are read only
// inside longer runs, where the allow-list names them.
const MinPhoneDigits = 7

// Kind is what a mention is.
type Kind int

const (
	Phone Kind = iota + 1
	Link
)

// Mention is a phone number or link found in a text.
type Mention struct {
	Kind Kind
	// Start and End are the byte offsets of the mention in the original text.
	Start, End int
	// Groups are a phone number's digit groups, as its separators split them.
	Groups []string
	// Digits is a phone number's digits, run together.
	Digits string
	// URL is a link folded and lower-cased, without its scheme; Host is its host.
	URL, Host string
}

var chineseDigits = map[rune]rune{
	'〇': '0', '零': '0', '一': '1', '二': '2', '三': '3', '四': '4', '五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
	'壹': '1', '貳': '2', '贰': '2', '參': '3', '叁': '3', '肆': '4', '伍': '5', '陸': '6', '陆': '6', '柒': '7', '捌': '8', '玖': '9',
}

// fold returns text folded for reading (see the package doc) and, for every byte of
// the folded text, the offset of the rune of text it came from (one more entry, for
// the end).
func fold(text string) (string, []int) {
	var b strings.Builder
	b.Grow(len(text))
	offs := make([]int, 0, len(text)+1)
	var buf [utf8.UTFMax]byte
	for i, r := range text {
		// ASCII and the unified ideographs read as themselves (but for the numerals):
		// most of a source is one or the other.
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
			offs = append(offs, i)
			continue
		}
		if isIdeograph(r) {
			if d, ok := chineseDigits[r]; ok {
				b.WriteByte(byte(d))
				offs = append(offs, i)
				continue
			}
			b.WriteString(text[i : i+3])
			offs = append(offs, i, i, i)
			continue
		}
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) {
			continue
		}
		out := string(r)
		switch {
		case r >= 0xFF01 && r <= 0xFF5E && !fullWidthKept(r-0xFEE0):
			// Full-width punctuation that ends a link in Chinese text (「，」「；」「？」)
			// stays itself: as ASCII it would run into the link.
		case r >= 0x80:
			out = norm.NFKC.String(out)
		}
		for _, o := range out {
			if d, ok := chineseDigits[o]; ok {
				o = d
			} else if o != '-' && (unicode.Is(unicode.Pd, o) || o == 'ー' || o == '−') {
				o = '-'
			}
			n := utf8.EncodeRune(buf[:], o)
			b.Write(buf[:n])
			for range n {
				offs = append(offs, i)
			}
		}
	}
	offs = append(offs, len(text))
	return b.String(), offs
}

// isIdeograph reports whether r is a CJK unified ideograph of the basic block, which
// NFKC leaves as it is and which is neither a format character nor a dash.
func isIdeograph(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }

// Fold returns text as it is read for phone numbers and links: full-width forms as
// ASCII, Chinese numerals as digits, dashes as '-', no invisible characters.
func Fold(text string) string {
	s, _ := fold(text)
	return s
}

var (
	// linkRE finds domain-like tokens: labels ending in a top-level label of letters,
	// or an IPv4 address after a scheme; then a port and a path.
	linkRE = regexp.MustCompile(`(?i)(?:[a-z][a-z0-9+.-]{1,15}://)?(?:(?:[a-z0-9](?:[a-z0-9-]{0,62})\.)+[a-z]{2,63}|(?:https?://)\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#][^\s<>"'（）()「」『』，。、；！？…\[\]{}|\\^` + "`" + `]*)?`)
	// phoneRE finds runs of digits with up to three separators between them.
	phoneRE  = regexp.MustCompile(`\+?\d(?:[\p{Zs}\t\-./\\()_~]{0,3}\d)*`)
	digitsRE = regexp.MustCompile(`\d+`)
	schemeRE = regexp.MustCompile(`(?i)^[a-z][a-z0-9+.-]{1,15}://`)
)

// Find returns the phone numbers (of at least MinPhoneDigits digits) and links in
// text, in order. Digits inside a link are part of the link.
func Find(text string) []Mention {
	f, offs := fold(text)
	var out []Mention
	var linkSpans [][]int
	// Every link holds a '.', every phone number an ASCII digit: most passages and
	// answer pieces lack one or the other, and the expressions cost more than the
	// look.
	var links, phones [][]int
	if strings.IndexByte(f, '.') >= 0 {
		links = linkRE.FindAllStringIndex(f, -1)
	}
	if strings.ContainsAny(f, "0123456789") {
		phones = phoneRE.FindAllStringIndex(f, -1)
	}
	for _, m := range links {
		raw := strings.TrimRight(f[m[0]:m[1]], ".,:;!?'\"*~-_")
		end := m[0] + len(raw)
		u := NormalizeURL(raw)
		out = append(out, Mention{Kind: Link, Start: offs[m[0]], End: offs[end], URL: u, Host: HostOf(u)})
		linkSpans = append(linkSpans, []int{m[0], end})
	}
	inLink := func(i int) bool {
		for _, s := range linkSpans {
			if s[0] <= i && i < s[1] {
				return true
			}
		}
		return false
	}
	for _, m := range phones {
		if inLink(m[0]) {
			continue
		}
		run := f[m[0]:m[1]]
		groups := digitsRE.FindAllString(run, -1)
		digits := strings.Join(groups, "")
		if len(digits) < MinPhoneDigits || isDate(groups) {
			continue
		}
		out = append(out, Mention{Kind: Phone, Start: offs[m[0]], End: offs[m[1]], Groups: groups, Digits: digits})
	}
	sortMentions(out)
	return out
}

func sortMentions(ms []Mention) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Start < ms[j-1].Start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// NormalizeURL returns a link folded, lower-cased, without its scheme, a leading
// "www." or a trailing '/'.
func NormalizeURL(u string) string {
	u = strings.ToLower(Fold(u))
	u = schemeRE.ReplaceAllString(u, "")
	u = strings.TrimPrefix(u, "www.")
	return strings.TrimRight(u, "/")
}

// HostOf returns the host of a normalised URL.
func HostOf(u string) string {
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexByte(u, ':'); i >= 0 {
		u = u[:i]
	}
	return u
}

// Digits returns the digits of a phone number as it is written («(02) 2871-7121»).
func Digits(s string) string {
	return strings.Join(digitsRE.FindAllString(Fold(s), -1), "")
}

// isDate reports whether digit groups are a date, year first (2026-01-05, ROC 115/1/5).
func isDate(groups []string) bool {
	if len(groups) != 3 || len(groups[1]) > 2 || len(groups[2]) > 2 {
		return false
	}
	y, m, d := atoi(groups[0]), atoi(groups[1]), atoi(groups[2])
	year := len(groups[0]) == 4 && y >= 1900 && y < 2100 || len(groups[0]) == 3 && y >= 1 && y < 200 && groups[0][0] != '0'
	return year && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// fullWidthKept reports whether the full-width form of r is read as r: letters, digits
// and the characters that write phone numbers and links.
func fullWidthKept(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("-./:_~#%&=+@", r)
}
