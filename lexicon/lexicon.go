// Package lexicon reads the word lists of the language and the domain (synonym groups,
// glossaries, words of asking, names) that the code of other packages applies: the
// lists are data files embedded beside that code, and this package parses and checks
// them, and fingerprints them so that a store can record which lists it indexed with.
//
// A file is TSV: one entry a line, its fields separated by tabs; "#" starts a comment
// line; blank lines are skipped. Every field is non-empty NFC text without leading or
// trailing spaces. A file that breaks a rule fails with its name and line number.
package lexicon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Line is one entry of a file: its fields, and where it stands, for error messages.
type Line struct {
	File   string
	N      int
	Fields []string
}

// Errorf returns an error that names the line: "file:n: message".
func (l Line) Errorf(format string, args ...any) error {
	return fmt.Errorf("lexicon: %s:%d: %s", l.File, l.N, fmt.Sprintf(format, args...))
}

// Parse splits a file into its entries, each with at least minFields fields.
func Parse(file, data string, minFields int) ([]Line, error) {
	var out []Line
	for i, raw := range strings.Split(data, "\n") {
		n := i + 1
		raw = strings.TrimSuffix(raw, "\r")
		if strings.TrimSpace(raw) == "" || strings.HasPrefix(strings.TrimSpace(raw), "#") {
			continue
		}
		l := Line{File: file, N: n, Fields: strings.Split(raw, "\t")}
		for j, f := range l.Fields {
			switch {
			case !utf8.ValidString(f):
				return nil, l.Errorf("field %d is not UTF-8", j+1)
			case f == "":
				return nil, l.Errorf("field %d is empty (two tabs in a row, or a tab at the end)", j+1)
			case strings.TrimSpace(f) != f:
				return nil, l.Errorf("field %d %q has spaces around it", j+1, f)
			case !norm.NFC.IsNormalString(f):
				return nil, l.Errorf("field %d %q is not NFC", j+1, f)
			}
		}
		if len(l.Fields) < minFields {
			return nil, l.Errorf("%d fields, want at least %d", len(l.Fields), minFields)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lexicon: %s: no entries", file)
	}
	return out, nil
}

// MustParse is Parse for the files embedded in the binary: a bad file is a bug of the
// build, found by the tests and at start.
func MustParse(file, data string, minFields int) []Line {
	ls, err := Parse(file, data, minFields)
	if err != nil {
		panic(err)
	}
	return ls
}

// Words returns the fields of every line, in order, for a file that is a plain list.
func Words(lines []Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Fields...)
	}
	return out
}

// Set returns the fields of every line as a set, failing on a word listed twice.
func Set(lines []Line) (map[string]bool, error) {
	m := map[string]bool{}
	for _, l := range lines {
		for _, w := range l.Fields {
			if m[w] {
				return nil, l.Errorf("%q is listed twice", w)
			}
			m[w] = true
		}
	}
	return m, nil
}

// LongestFirst returns words sorted longest first (in runes), then in string order: the
// order in which a replacer that takes the first match at a position takes the longest.
func LongestFirst(words []string) []string {
	out := slices.Clone(words)
	slices.SortStableFunc(out, func(a, b string) int {
		if d := utf8.RuneCountInString(b) - utf8.RuneCountInString(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

// Hash fingerprints files (name, then content, in the order given): the version of a
// set of lists, logged at start and recorded by the stores with what they indexed.
func Hash(files ...File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%s", f.Name, len(f.Data), f.Data)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// File is a named list, for Hash.
type File struct{ Name, Data string }
