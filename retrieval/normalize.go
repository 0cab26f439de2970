package retrieval

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/unicode/norm"
)

// maxScanRunes bounds the work Normalize does on a huge input: it reads this many
// runes at most, enough for MaxQueryRunes of text padded with spaces and controls.
const maxScanRunes = 8 * MaxQueryRunes

// Normalize returns a citizen's question as search should see it, without any model:
//
//   - invalid UTF-8, U+FFFD, control characters and format characters (zero-width
//     spaces, bidirectional overrides, BOM) are dropped; tabs and newlines are spaces;
//   - compatibility forms are folded with NFKC, so full-width 「ＹＳＰ　５２」 is
//     "YSP 52";
//   - Simplified Chinese is converted to Traditional Chinese with Taiwan's variants
//     (OpenCC's s2tw: 「药片白色圆形」 → 「藥片白色圓形」);
//   - runs of whitespace become one space, and the ends are trimmed;
//   - the result is cut to MaxQueryRunes runes.
//
// Case is kept: Tokens lowercases, and a person shown the query expects their own.
//
// Conversion applies only to a run of Han characters that holds at least one
// character that exists in Simplified Chinese alone (药, 丢, 这...). OpenCC converts
// every character it knows, also in text that is already Traditional: it writes
// 台 as 臺, 鹽酸 as 鹽痠 and 里格卡因 as 裡格卡因, which would no longer match
// the records, which are written as their agencies wrote them.
//
// OpenCC's s2twp (s2tw plus Taiwan phrases) is not used: its phrase list is for
// software texts and turns 皮肤 and even 皮膚 (skin) into 面板 (panel), 比特 into
// 位元; a medication assistant cannot have that. Phrases such as 短信 → 簡訊 are
// left to the search's other legs.
//
// Normalize is idempotent and safe for concurrent use. The converter's dictionaries
// are embedded in the binary and built on first use (about 40 ms).
func Normalize(q string) string {
	// Drop what is never text, before NFKC: removing a character after NFKC could
	// bring a letter and a combining mark together and make the result unstable.
	var b strings.Builder
	b.Grow(min(len(q), 4*maxScanRunes))
	n := 0
	for i := 0; i < len(q) && n < maxScanRunes; n++ {
		r, size := utf8.DecodeRuneInString(q[i:])
		i += size
		switch {
		case r == utf8.RuneError:
			// invalid byte, or a U+FFFD left by an earlier broken decoding
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		default:
			b.WriteRune(r)
		}
	}
	s := norm.NFKC.String(b.String())
	s = strings.Join(strings.Fields(s), " ")
	// Cut before converting too, to convert no more than is kept: conversion
	// changes lengths only a little (a phrase may become one of another length).
	s = cutRunes(s, MaxQueryRunes)
	s = toTraditional(s)
	return strings.TrimSpace(cutRunes(s, MaxQueryRunes))
}

// cutRunes returns the first n runes of s.
func cutRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// toTraditional converts each run of Han characters that is Simplified Chinese.
func toTraditional(s string) string {
	var out strings.Builder
	start := 0 // s[start:] is not written yet
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.Is(unicode.Han, r) {
			i += size
			continue
		}
		j := i
		simplified := false
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !unicode.Is(unicode.Han, r) {
				break
			}
			if !simplified && isSimplified(r) {
				simplified = true
			}
			j += size
		}
		if simplified {
			if t, ok := convert(s[i:j]); ok {
				out.WriteString(s[start:i])
				out.WriteString(t)
				start = j
			}
		}
		i = j
	}
	if start == 0 {
		return s
	}
	out.WriteString(s[start:])
	return out.String()
}

// converter is OpenCC's s2tw with the set of characters that it may write, which are
// therefore Traditional (or shared by both scripts).
type converter struct {
	cc          *opencc.OpenCC
	traditional map[rune]bool
	// simplified caches isSimplified for the characters that are not traditional.
	mu         sync.RWMutex
	simplified map[rune]bool
}

// taiwanForms are characters that Big5 lacks and OpenCC converts, yet Taiwan writes:
// the Ministry of Education's standard 疱 (疱疹, herpes; 168 times in the bundled
// TFDA data, against 5 for 皰).
const taiwanForms = "疱"

// s2tw builds the converter once, on first use; later calls share it. OpenCC's
// conversion only reads its dictionaries, so one converter serves every goroutine.
// (The opencc package also registers a -dir flag on flag.CommandLine for
// dictionaries on disk; it is never used, the embedded ones are.)
var s2tw = sync.OnceValue(func() *converter {
	cc, err := opencc.New("s2tw")
	if err != nil {
		// The dictionaries are embedded in the binary: this cannot fail at run time
		// unless the module is broken, which TestConverter catches. Queries then go
		// unconverted rather than fail.
		return nil
	}
	c := &converter{cc: cc, traditional: map[rune]bool{}, simplified: map[rune]bool{}}
	for _, r := range taiwanForms {
		c.traditional[r] = true
	}
	for _, g := range cc.DictChains {
		for _, d := range g.Dicts {
			for _, vs := range d.Values {
				for _, v := range vs {
					for _, r := range v {
						c.traditional[r] = true
					}
				}
			}
		}
	}
	return c
})

// isSimplified reports whether r is a Simplified Chinese character that Traditional
// text never uses: OpenCC converts it, never writes it, and Big5, the character set
// of Traditional Chinese in Taiwan, has no code for it. OpenCC alone is not enough:
// it converts 雇 to 僱, yet 雇主 is how Taiwan's own texts write "employer".
func isSimplified(r rune) bool {
	c := s2tw()
	if c == nil || c.traditional[r] {
		return false
	}
	c.mu.RLock()
	simp, ok := c.simplified[r]
	c.mu.RUnlock()
	if ok {
		return simp
	}
	simp = !inBig5(r)
	if simp {
		t, err := c.cc.Convert(string(r))
		simp = err == nil && t != string(r)
	}
	c.mu.Lock()
	if len(c.simplified) < 1<<16 { // bounded: queries may hold any of 90,000 Han characters
		c.simplified[r] = simp
	}
	c.mu.Unlock()
	return simp
}

// inBig5 reports whether r is a character of Big5 proper: its two planes of Han
// characters (lead bytes A4-C6 and C9-F9). x/text's Big5 is the WHATWG one, which
// adds Hong Kong's HKSCS, and that holds Simplified characters such as 药 and 头.
func inBig5(r rune) bool {
	b, err := traditionalchinese.Big5.NewEncoder().String(string(r))
	if err != nil || len(b) != 2 {
		return false
	}
	lead, trail := b[0], b[1]
	return 0xA4 <= lead && lead <= 0xC5 || lead == 0xC6 && trail <= 0x7E || 0xC9 <= lead && lead <= 0xF9
}

// convert converts s to Traditional, leaving taiwanForms as they are.
func convert(s string) (string, bool) {
	c := s2tw()
	if c == nil {
		return s, false
	}
	var out strings.Builder
	for in := s; s != ""; {
		i := strings.IndexAny(s, taiwanForms)
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			t, err := c.cc.Convert(s[:i])
			if err != nil || !utf8.ValidString(t) {
				return in, false
			}
			out.WriteString(t)
		}
		if i == len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		out.WriteString(s[i : i+size])
		s = s[i+size:]
	}
	return out.String(), true
}

// lower is strings.ToLower without the copy when no rune changes: titles and
// passages are mostly ideographs, which have no case, and strings.ToLower maps
// every rune of a text that is not all ASCII.
func lower(s string) string {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				return strings.ToLower(s)
			}
		case r >= 0x3000 && r <= 0x9FFF:
			// Caseless: CJK symbols, kana, bopomofo, ideographs (TestLowerCaseless).
		case r == utf8.RuneError || unicode.ToLower(r) != r:
			return strings.ToLower(s)
		}
	}
	return s
}
