package contact

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // kind:normalised
	}{
		{"請撥 ０９００－０００－０００。", []string{"phone:0900000000"}},
		{"請撥〇九〇〇／〇〇〇／〇〇〇", []string{"phone:0900000000"}},
		{"請撥 09\u200b00.000.000", []string{"phone:0900000000"}},
		{"見 EVIL.example/Phish。", []string{"link:evil.example/phish"}},
		{"見https://www.fda.gov.tw/TC/a.aspx?id=5，謝謝", []string{"link:fda.gov.tw/tc/a.aspx?id=5"}},
		{"2026-01-05 公告，劑量 500 mg，一日三次", nil},
		{"電話 02-87897158#7140", []string{"phone:0287897158"}},
		{"e.g. 藥師", nil},
	} {
		var got []string
		for _, m := range Find(tc.text) {
			switch m.Kind {
			case Phone:
				got = append(got, "phone:"+m.Digits)
			case Link:
				got = append(got, "link:"+m.URL)
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Find(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{
		"phone 119\n",                      // no version
		"version 1\nphone abc\n",           // not a number
		"version 1\ndomain not a domain\n", // not a domain
		"version 1\nweb evil.example\n",    // unknown entry
		"version 1\nversion 2\n",           // two versions
		"version 1\ndataset\n",             // no value
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = nil error", bad)
		}
	}
	l, err := Parse("version 7\nphone (02) 2871-7121 # poison centre\ndomain gov.tw\ndataset taipei_faq\n")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Phone("0228717121") || !l.Domain("www.fda.gov.tw") || l.Domain("gov.tw.evil.example") || !l.Trusted("taipei_faq") || l.Version != "7" {
		t.Errorf("list %+v", l)
	}
	d := Default()
	for _, n := range []string{"119", "110", "1925", "1999", "1919", "0227208889", "0228717121"} {
		if !d.Phone(n) {
			t.Errorf("the default allow-list lacks %s", n)
		}
	}
}

// foldSlow is fold without its shortcuts for ASCII and the ideographs: every rune
// through the general path.
func foldSlow(text string) (string, []int) {
	var b strings.Builder
	var offs []int
	for i, r := range text {
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) {
			continue
		}
		out := string(r)
		switch {
		case r >= 0xFF01 && r <= 0xFF5E && !fullWidthKept(r-0xFEE0):
		case r >= 0x80:
			out = norm.NFKC.String(out)
		}
		for _, o := range out {
			if d, ok := chineseDigits[o]; ok {
				o = d
			} else if o != '-' && (unicode.Is(unicode.Pd, o) || o == 'ー' || o == '−') {
				o = '-'
			}
			n := len(string(o))
			b.WriteRune(o)
			for range n {
				offs = append(offs, i)
			}
		}
	}
	return b.String(), append(offs, len(text))
}

// TestFoldShortcuts: every rune, alone and between others, folds as through the
// general path (the shortcuts change no output and no offset).
func TestFoldShortcuts(t *testing.T) {
	check := func(text string) {
		t.Helper()
		got, gotOffs := fold(text)
		want, wantOffs := foldSlow(text)
		if got != want || !slices.Equal(gotOffs, wantOffs) {
			t.Fatalf("fold(%q) = %q %v, want %q %v", text, got, gotOffs, want, wantOffs)
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		check(string(r))
	}
	for _, text := range []string{
		"請撥〇九〇〇／〇〇〇／〇〇〇，或 02-2871-7121（一二三）",
		"見 https://www.fda.gov.tw/TC/a.aspx?id=5，壹貳參肆伍陸柒捌玖零",
		"a\u200bb\ufe0f九\xff十",
	} {
		check(text)
	}
}
