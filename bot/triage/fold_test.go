package triage

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/longbridgeapp/opencc"
)

var update = flag.Bool("update", false, "rewrite the t2s table in fold.go")

// TestFoldTable checks that fold knows every Traditional character whose
// Simplified form (by OpenCC's t2s) appears in a lexicon: without it, a message
// in that character would miss the entry. With -update it rewrites the table.
func TestFoldTable(t *testing.T) {
	cc, err := opencc.New("t2s")
	if err != nil {
		t.Fatal(err)
	}
	conv := func(r rune) rune {
		s, err := cc.Convert(string(r))
		if err != nil {
			t.Fatal(err)
		}
		rs := []rune(s)
		if len(rs) != 1 {
			return r
		}
		return rs[0]
	}

	var all strings.Builder
	for _, b := range blocks {
		all.WriteString(b.zh)
	}
	for _, g := range greetings {
		all.WriteString(g.tokens)
	}
	all.WriteString(greetingFillers + "顆粒錠片包瓶排盒罐" + cjkNumerals)
	used := map[rune]bool{}
	for _, r := range all.String() {
		if unicode.Is(unicode.Han, r) {
			used[conv(r)] = true
		}
	}

	want := map[rune]rune{}
	for _, rng := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}} {
		for r := rng[0]; r <= rng[1]; r++ {
			if s := conv(r); s != r && used[s] {
				want[r] = s
			}
		}
	}

	for i, rs := 0, []rune(extraPairs); i+1 < len(rs); i += 2 {
		want[rs[i]] = rs[i+1]
	}
	var missing []string
	for r, s := range want {
		if t2s[r] != s {
			missing = append(missing, string(r)+"→"+string(s))
		}
	}
	if len(missing) == 0 && len(t2s) == len(want) {
		return
	}
	if !*update {
		t.Fatalf("fold table out of date (%d missing or wrong, %d wanted, %d held): run go test -run TestFoldTable -update\n%s",
			len(missing), len(want), len(t2s), strings.Join(missing, " "))
	}
	var keys []rune
	for r := range want {
		if !strings.ContainsRune(extraPairs, r) {
			keys = append(keys, r)
		}
	}
	slices.Sort(keys)
	var pairs strings.Builder
	for _, r := range keys {
		pairs.WriteRune(r)
		pairs.WriteRune(want[r])
	}
	src, err := os.ReadFile("fold.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^const t2sPairs = .*$`)
	out := re.ReplaceAll(src, []byte("const t2sPairs = "+strconv.Quote(pairs.String())))
	if err := os.WriteFile("fold.go", out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d pairs", len(keys))
}
