package lexicon

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ls, err := Parse("f.tsv", "# comment\n\na\tb c\r\n  # indented comment\nd\te\n", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].N != 3 || !slices.Equal(ls[0].Fields, []string{"a", "b c"}) || ls[1].N != 5 {
		t.Errorf("Parse = %+v", ls)
	}
	for _, tt := range []struct{ name, data, want string }{
		{"empty field", "a\t\tb\n", "f.tsv:1: field 2 is empty"},
		{"trailing tab", "x\ty\na\tb\t\n", "f.tsv:2: field 3 is empty"},
		{"spaces", "a\t b\n", "f.tsv:1: field 2 \" b\" has spaces around it"},
		{"too few", "a\n", "f.tsv:1: 1 fields, want at least 2"},
		{"not NFC", "a\te\u0301\n", "f.tsv:1: field 2"},
		{"nothing", "# only\n", "f.tsv: no entries"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse("f.tsv", tt.data, 2); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSetRefusesDuplicates(t *testing.T) {
	ls := MustParse("f.tsv", "a\tb\nc\ta\n", 1)
	if _, err := Set(ls); err == nil || !strings.Contains(err.Error(), "f.tsv:2: \"a\" is listed twice") {
		t.Errorf("Set: %v", err)
	}
}

func TestLongestFirst(t *testing.T) {
	got := LongestFirst([]string{"怎麼", "嗎", "怎麼辦", "什麼時候", "可以"})
	if want := []string{"什麼時候", "怎麼辦", "可以", "怎麼", "嗎"}; !slices.Equal(got, want) {
		t.Errorf("LongestFirst = %q, want %q", got, want)
	}
}

func TestHash(t *testing.T) {
	a := Hash(File{"a", "x"}, File{"b", "y"})
	if a != Hash(File{"a", "x"}, File{"b", "y"}) || a == Hash(File{"a", "x"}, File{"b", "z"}) || a == Hash(File{"a", "xb"}, File{"", "y"}) {
		t.Error("Hash is not a fingerprint of names and contents")
	}
}
