// Package textseg normalises text and cuts it into the pieces that both legs of
// search index: runs of CJK characters and words of letters and digits.
//
// The offline embedder (retrieval/hashembed) and the keyword tokens
// (retrieval.Tokens) segment text here, so that a query and a document are cut the
// same way by both, and so that a change of the rules is made once.
package textseg

import (
	"iter"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWordRunes is the longest word emitted. Longer runs of letters and digits are
// hashes, encoded blobs or run-together junk, not words anyone searches for; they
// are dropped rather than indexed (PostgreSQL would refuse very long lexemes anyway).
const MaxWordRunes = 64

// Code joining applies only to code-shaped pairs: a few letters beside a short
// number, as in the pill imprint "YSP 52" or the dose "500 mg". Without a limit,
// every "tablets 400" would add a junk token.
const (
	maxCodeLetters = 5
	maxCodeDigits  = 6
	maxCodeGap     = 3 // separator runes allowed between the two halves
)

// Kind says what a Segment is.
type Kind uint8

const (
	// CJK is a maximal run of Han, kana, hangul or bopomofo letters.
	CJK Kind = iota + 1
	// Word is a maximal run of other letters and digits: "ibuprofen", "52", "ysp52".
	Word
	// Part is a letters-only or digits-only piece of a Word that mixes both:
	// "ysp52" gives the Parts "ysp" and "52".
	Part
	// Code is a letters-only Word and a digits-only Word next to each other,
	// joined: "ysp 52" and "YSP-52" give the Code "ysp52".
	Code
)

func (k Kind) String() string {
	switch k {
	case CJK:
		return "cjk"
	case Word:
		return "word"
	case Part:
		return "part"
	case Code:
		return "code"
	}
	return "unknown"
}

// Segment is one piece of normalised text.
type Segment struct {
	Kind Kind
	// Text is lowercased and non-empty. It points into the Segmenter's buffers:
	// it is valid only until the loop that received it continues.
	Text []rune
	// Letters is true when Text has no digits (always true for CJK runs).
	Letters bool
}

// Normalize folds compatibility forms (full-width letters and digits, ligatures,
// circled numbers) with Unicode NFKC and lowercases the result.
func Normalize(s string) string {
	var sg Segmenter
	sg.normalize(s)
	return string(sg.text)
}

// Segmenter segments text, reusing its buffers from one call to the next.
// The zero value is ready to use. A Segmenter must not be used concurrently.
type Segmenter struct {
	norm []byte // NFKC of the input
	text []rune // normalised, lowercased runes; marks dropped
	code []rune // scratch for a joined Code
}

// normalize fills sg.text with the normalised, lowercased runes of s.
func (sg *Segmenter) normalize(s string) {
	sg.norm = norm.NFKC.AppendString(sg.norm[:0], s)
	sg.text = sg.text[:0]
	for i := 0; i < len(sg.norm); {
		r := rune(sg.norm[i])
		if r < utf8.RuneSelf {
			i++
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			sg.text = append(sg.text, r)
			continue
		}
		r, n := utf8.DecodeRune(sg.norm[i:])
		i += n
		if 0x3400 <= r && r <= 0x9FFF { // CJK ideographs: no case, no marks
			sg.text = append(sg.text, r)
			continue
		}
		if unicode.Is(unicode.M, r) {
			// A combining mark left over after NFKC belongs to the letter before
			// it; dropping it keeps words whole and tokens free of non-letters.
			continue
		}
		if r == '〇' {
			// The ideographic zero of dates such as 一〇三年 is not a letter in
			// Unicode; 零 is, and means the same.
			r = '零'
		}
		sg.text = append(sg.text, unicode.ToLower(r))
	}
}

// class of a normalised rune.
const (
	sep = iota
	cjk
	letter
	digit
)

func classOf(r rune) int {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z':
			return letter
		case '0' <= r && r <= '9':
			return digit
		}
		return sep
	}
	if 0x4E00 <= r && r <= 0x9FFF { // CJK unified ideographs: nearly all Chinese text
		return cjk
	}
	if unicode.IsDigit(r) {
		return digit
	}
	if !unicode.IsLetter(r) {
		return sep
	}
	if isCJK(r) {
		return cjk
	}
	return letter
}

// isCJK reports whether the letter r belongs to a script written without spaces
// between words.
func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	if 0x3000 <= r && r <= 0x31FF { // CJK symbols, kana, bopomofo, kanbun, kana extensions
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// word records the last Word seen, for joining Codes.
type word struct {
	start, end int  // in sg.text
	letters    bool // only letters
	digits     bool // only digits
}

// Segments normalises s and yields its segments in text order. A Word that mixes
// letters and digits is followed by its Parts; a Code follows the second of the
// two Words it joins.
func (sg *Segmenter) Segments(s string) iter.Seq[Segment] {
	return func(yield func(Segment) bool) {
		sg.normalize(s)
		text := sg.text
		var prev word
		havePrev := false
		for i := 0; i < len(text); {
			c := classOf(text[i])
			switch c {
			case sep:
				i++
				continue
			case cjk:
				j := i + 1
				for j < len(text) && classOf(text[j]) == cjk {
					j++
				}
				if !yield(Segment{Kind: CJK, Text: text[i:j:j], Letters: true}) {
					return
				}
				i = j
				havePrev = false // a CJK run separates what is on either side
				continue
			}
			w := word{start: i, letters: true, digits: true}
			j := i
		scan:
			for ; j < len(text); j++ {
				switch classOf(text[j]) {
				case letter:
					w.digits = false
				case digit:
					w.letters = false
				default:
					break scan
				}
			}
			w.end = j
			i = j
			if j-w.start > MaxWordRunes {
				havePrev = false
				continue
			}
			if !sg.yieldWord(yield, w) {
				return
			}
			if havePrev && w.start-prev.end <= maxCodeGap {
				if !sg.yieldCode(yield, prev, w) {
					return
				}
			}
			prev, havePrev = w, true
		}
	}
}

// yieldWord yields w, and its Parts if it mixes letters and digits.
func (sg *Segmenter) yieldWord(yield func(Segment) bool, w word) bool {
	t := sg.text[w.start:w.end:w.end]
	if !yield(Segment{Kind: Word, Text: t, Letters: w.letters}) {
		return false
	}
	if w.letters || w.digits {
		return true
	}
	for i := 0; i < len(t); {
		isDigit := classOf(t[i]) == digit
		j := i + 1
		for j < len(t) && (classOf(t[j]) == digit) == isDigit {
			j++
		}
		if !yield(Segment{Kind: Part, Text: t[i:j:j], Letters: !isDigit}) {
			return false
		}
		i = j
	}
	return true
}

// yieldCode yields a and b joined when they are a code-shaped pair.
func (sg *Segmenter) yieldCode(yield func(Segment) bool, a, b word) bool {
	var letters, digits word
	switch {
	case a.letters && b.digits:
		letters, digits = a, b
	case a.digits && b.letters:
		letters, digits = b, a
	default:
		return true
	}
	if letters.end-letters.start > maxCodeLetters || digits.end-digits.start > maxCodeDigits {
		return true
	}
	sg.code = append(sg.code[:0], sg.text[a.start:a.end]...)
	sg.code = append(sg.code, sg.text[b.start:b.end]...)
	n := len(sg.code)
	return yield(Segment{Kind: Code, Text: sg.code[:n:n], Letters: false})
}
