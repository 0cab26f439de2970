package redact

import "unicode/utf8"

// text is a message folded for matching: full-width ASCII (ＡＢ１２＠－) becomes
// ASCII, and the other spaces and dashes a phone keyboard or a copied page puts
// inside a number become ' ' and '-', so that one set of patterns serves every way
// of typing an item. Everything else, invalid UTF-8 included, is kept byte for
// byte: folding turns whole runes into ASCII, which cannot complete a broken
// sequence, so the patterns see the same runes as the message.
type text struct {
	b   []byte
	off []int // off[i] is the offset in the message of b[i]; nil when b has the message's offsets
}

// orig returns the offset in the message of offset i of the folded text; i is on
// a rune boundary.
func (t text) orig(i int) int {
	if t.off == nil {
		return i
	}
	return t.off[i]
}

func fold(s string) text {
	i := 0
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if _, ok := foldRune(r); ok {
			break
		}
		i += n
	}
	if i == len(s) {
		return text{b: []byte(s)}
	}

	t := text{b: make([]byte, 0, len(s)), off: make([]int, 0, len(s)+1)}
	t.b = append(t.b, s[:i]...)
	for j := range i {
		t.off = append(t.off, j)
	}
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			t.b = append(t.b, s[i])
			t.off = append(t.off, i)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if c, ok := foldRune(r); ok {
			t.b = append(t.b, c)
			t.off = append(t.off, i)
		} else {
			for k := range n {
				t.b = append(t.b, s[i+k])
				t.off = append(t.off, i+k)
			}
		}
		i += n
	}
	t.off = append(t.off, len(s))
	return t
}

// foldRune returns the ASCII byte r is read as, for a rune that is not ASCII.
func foldRune(r rune) (byte, bool) {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return byte(r - 0xFEE0), true
	case r == 0x00A0, r == 0x3000, r >= 0x2000 && r <= 0x200D, r == 0x202F, r == 0x205F, r == 0x2060, r == 0xFEFF:
		// No-break, ideographic and thin spaces; zero-width ones too, as a digit
		// hidden behind one is still a digit of the same number.
		return ' ', true
	case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE58, r == 0xFE63: // dashes, minus
		return '-', true
	}
	return 0, false
}
