package ingest

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Replacement is U+FFFD, what a decoder writes for bytes it could not read.
const Replacement = utf8.RuneError

// etenHan are the Han characters of the Big5-ETEN extension, the ones a strict Big5
// decoder loses (see eten_words.txt).
const etenHan = "碁銹裏墻恒粧嫺"

//go:embed eten_words.txt
var etenWordsFile string

// etenWords are the listed words, each with the index (in runes) of its ETEN character.
var etenWords = mustETENWords(etenWordsFile)

type etenWord struct {
	runes []rune
	at    int
}

func mustETENWords(file string) []etenWord {
	var out []etenWord
	for n, line := range strings.Split(file, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rs := []rune(line)
		at := -1
		for i, r := range rs {
			if strings.ContainsRune(etenHan, r) {
				if at >= 0 {
					panic(fmt.Sprintf("ingest: eten_words.txt:%d: %q has two ETEN characters", n+1, line))
				}
				at = i
			}
		}
		if at < 0 || len(rs) < 2 {
			panic(fmt.Sprintf("ingest: eten_words.txt:%d: %q is not a word with one ETEN character", n+1, line))
		}
		out = append(out, etenWord{rs, at})
	}
	return out
}

// TextRepair counts the broken characters (U+FFFD) of a text and those repaired.
type TextRepair struct {
	Broken   int `json:"broken"`   // U+FFFD found
	Repaired int `json:"repaired"` // of them, replaced by the character the source lost
}

// SourceText is a source's count of broken characters in one ingest run.
type SourceText struct {
	Source string `json:"source"`
	TextRepair
}

// TextBySource lists the sources of a run that had broken characters.
func TextBySource(batches []*Batch) []SourceText {
	out := []SourceText{}
	for _, b := range batches {
		if b.Text.Broken > 0 {
			out = append(out, SourceText{b.Source, b.Text})
		}
	}
	return out
}

// Add adds another count.
func (t *TextRepair) Add(o TextRepair) { t.Broken += o.Broken; t.Repaired += o.Repaired }

// RepairText replaces each U+FFFD that a strict Big5 decoder left for a Big5-ETEN
// character by that character, when exactly one of the seven makes a listed word with
// the characters around it. Every other U+FFFD is left as it is, visible: nothing is
// guessed, and nothing is dropped from the middle of a word.
func RepairText(s string) (string, TextRepair) {
	if !strings.ContainsRune(s, Replacement) {
		return s, TextRepair{}
	}
	rs := []rune(s)
	var t TextRepair
	for i, r := range rs {
		if r != Replacement {
			continue
		}
		t.Broken++
		var found rune
		ambiguous := false
		for _, w := range etenWords {
			start := i - w.at
			if start < 0 || start+len(w.runes) > len(rs) || !matchesAround(rs[start:start+len(w.runes)], w) {
				continue
			}
			c := w.runes[w.at]
			if found != 0 && found != c {
				ambiguous = true
			}
			found = c
		}
		if found != 0 && !ambiguous {
			rs[i] = found
			t.Repaired++
		}
	}
	if t.Repaired == 0 {
		return s, t
	}
	return string(rs), t
}

// matchesAround: the text equals the word except at the word's ETEN position.
func matchesAround(text []rune, w etenWord) bool {
	for j, r := range w.runes {
		if j != w.at && text[j] != r {
			return false
		}
	}
	return true
}

// repairRecord repairs the record's title, text and string fields, and counts the
// broken characters of the source once: a title the text repeats is not counted again.
func repairRecord(r *Record) TextRepair {
	var t, x TextRepair
	inText := strings.Contains(r.Text, r.Title)
	r.Title, x = RepairText(r.Title)
	if !inText {
		t.Add(x)
	}
	r.Text, x = RepairText(r.Text)
	t.Add(x)
	for k, v := range r.Fields {
		if s, ok := v.(string); ok {
			// Fields repeat the text: they are repaired, not counted twice.
			r.Fields[k], _ = RepairText(s)
		}
	}
	return t
}
