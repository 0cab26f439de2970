package line

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// units counts UTF-16 code units: LINE's measure of text length (a character outside
// the Basic Multilingual Plane, like most emoji, is two).
func units(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// ellipsis ends a shortened text.
const ellipsis = "…"

// cut shortens s to at most max UTF-16 units, ending with "…" when it was shortened,
// without breaking a character or an emoji sequence.
func cut(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	if units(s) <= max {
		return s
	}
	end := prefixBytes(s, max-units(ellipsis))
	for end > 0 && joined(s, end) {
		_, size := utf8.DecodeLastRuneInString(s[:end])
		end -= size
	}
	return strings.TrimRightFunc(s[:end], unicode.IsSpace) + ellipsis
}

// prefixBytes is the length in bytes of the longest prefix of s of at most max
// UTF-16 units.
func prefixBytes(s string, max int) int {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max {
			return i
		}
		n += w
	}
	return len(s)
}

// split cuts text into at most parts pieces of at most limit UTF-16 units each, at
// the best boundary in reach: a blank line, a line end, the end of a sentence, a
// space — never inside a URL, a character, an emoji sequence or a word of letters
// and digits when there is another choice. When the text needs more pieces, the
// last one is shortened and ends with "…".
func split(text string, limit, parts int) []string {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	if parts <= 0 || limit <= 0 {
		return nil
	}
	var out []string
	for text != "" {
		if units(text) <= limit {
			out = append(out, text)
			break
		}
		if len(out) == parts-1 {
			out = append(out, cut(text, limit))
			break
		}
		at := cutPoint(text, limit)
		if piece := strings.TrimRightFunc(text[:at], unicode.IsSpace); piece != "" {
			out = append(out, piece)
		}
		text = strings.TrimLeftFunc(text[at:], unicode.IsSpace)
	}
	return out
}

// urlPattern finds URLs as chat apps link them: up to a space or a Chinese character
// or punctuation mark.
var urlPattern = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s\p{Han}\x{3000}-\x{303f}\x{ff01}-\x{ff0f}\x{ff1a}-\x{ff20}\x{ff3b}-\x{ff40}\x{ff5b}-\x{ff65}<>"]+`)

// cutPoint returns where to cut text, a long text, so that the first piece has at
// most limit units: a byte offset in (0, len(text)).
func cutPoint(text string, limit int) int {
	end := prefixBytes(text, limit)
	if end == 0 {
		// limit is smaller than the first character.
		_, size := utf8.DecodeRuneInString(text)
		return size
	}
	var urls [][]int
	for _, u := range urlPattern.FindAllStringIndex(text, -1) {
		if u[0] >= end+1 {
			break
		}
		urls = append(urls, u)
	}
	inURL := func(i int) bool {
		for _, u := range urls {
			if u[0] < i && i < u[1] {
				return true
			}
		}
		return false
	}
	good := func(i int) bool { return !joined(text, i) && !inURL(i) }
	// Boundaries by preference; all but the last must leave the first piece at least
	// half full, so that a text is not cut into many short messages.
	classes := []func(i int) bool{
		func(i int) bool { return strings.HasSuffix(text[:i], "\n\n") },
		func(i int) bool { return text[i-1] == '\n' },
		func(i int) bool { return sentenceEnd(text, i) },
		func(i int) bool { return text[i-1] == ' ' || text[i] == ' ' || text[i-1] == '\t' },
		func(i int) bool { return !inWord(text, i) },
	}
	for k, class := range classes {
		low := end / 2
		if k == len(classes)-1 {
			low = 0
		}
		for i := end; i > low; i-- {
			if utf8.RuneStart(text[i]) && class(i) && good(i) {
				return i
			}
		}
	}
	// A URL or a word longer than a message: cut it, between characters at least.
	for i := end; i > 0; i-- {
		if utf8.RuneStart(text[i]) && !joined(text, i) {
			return i
		}
	}
	return end
}

// sentenceEnd says whether text[:i] ends a sentence: 。！？；… or !?; (or . before a
// space), possibly followed by closing quotes or brackets.
func sentenceEnd(text string, i int) bool {
	s := text[:i]
	for {
		r, size := utf8.DecodeLastRuneInString(s)
		switch r {
		case '」', '』', '）', ')', '"', '”', '’', '】', '〕':
			s = s[:len(s)-size]
			continue
		case '。', '！', '？', '；', '…', '!', '?', ';':
			return true
		case '.':
			return i < len(text) && (text[i] == ' ' || text[i] == '\n')
		}
		return false
	}
}

// inWord says whether i falls between two ASCII letters or digits (a word, a number,
// a licence number): cutting there would garble it.
func inWord(text string, i int) bool {
	isWord := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return isWord(text[i-1]) && isWord(text[i])
}

// joined says whether the characters either side of i belong together: a combining
// mark, a zero-width joiner, a variation selector, an emoji modifier or tag, a keycap,
// a regional-indicator pair (a flag), CR LF.
func joined(text string, i int) bool {
	if i <= 0 || i >= len(text) {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	next, _ := utf8.DecodeRuneInString(text[i:])
	switch {
	case prev == '\r' && next == '\n':
		return true
	case prev == 0x200D || next == 0x200D: // zero-width joiner
		return true
	case unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc):
		return true
	case next >= 0xFE00 && next <= 0xFE0F, next >= 0xE0100 && next <= 0xE01EF: // variation selectors
		return true
	case next >= 0x1F3FB && next <= 0x1F3FF: // skin tones
		return true
	case next >= 0xE0020 && next <= 0xE007F: // tags (subdivision flags)
		return true
	case next == 0x20E3: // keycap
		return true
	case isRegional(prev) && isRegional(next):
		// Flags are pairs: inside one when an odd number of indicators precede.
		n := 0
		for s := text[:i]; ; n++ {
			r, size := utf8.DecodeLastRuneInString(s)
			if !isRegional(r) {
				break
			}
			s = s[:len(s)-size]
		}
		return n%2 == 1
	}
	return false
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
