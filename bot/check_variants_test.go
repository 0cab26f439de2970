package bot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/civicbot/civicbot/contact"
	"github.com/civicbot/civicbot/retrieval"
)

// variantHits are the sources of the variant tests: a city FAQ (a trusted dataset) with
// a phone number and a link.
var variantHits = []retrieval.Hit{
	{Dataset: "taipei_faq", Key: "GIP_1", Title: "路邊停車費如何繳納?", URL: "https://example.gov.taipei/faq/1",
		Body: "可至「全國繳費網」（https://ebill.ba.org.tw/pay）繳費。聯絡電話：02-2725-6888"},
}

var (
	zhDigits    = []rune("〇一二三四五六七八九")
	zeroDigits  = []rune("零一二三四五六七八九")
	financial   = []rune("零壹貳參肆伍陸柒捌玖")
	numberSeps  = []string{"-", "/", ".", " ", "－", "–", "／", "．", "　", "", "\u200b", " - ", "(", "_"}
	groupsOf    = func(s string) []string { return strings.Split(s, "-") }
	fullWidthOf = func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r + 0xfee0
		}
		return r
	}
)

// phoneVariants writes a number given as dash-separated groups («0900-000-000») every
// way a model could: digit forms (ASCII, full-width, mixed, Chinese numerals) times
// separators, with and without the country code.
func phoneVariants(number string) []string {
	digitForms := []func(int, rune) rune{
		func(_ int, r rune) rune { return r },
		func(_ int, r rune) rune { return fullWidthOf(r) },
		func(i int, r rune) rune {
			if i%2 == 0 {
				return fullWidthOf(r)
			}
			return r
		},
		func(_ int, r rune) rune { return zhDigits[r-'0'] },
		func(_ int, r rune) rune { return zeroDigits[r-'0'] },
		func(_ int, r rune) rune { return financial[r-'0'] },
		func(i int, r rune) rune {
			if i%3 == 0 {
				return zhDigits[r-'0']
			}
			return r
		},
	}
	var out []string
	for _, form := range digitForms {
		for _, sep := range numberSeps {
			var parts []string
			i := 0
			for _, g := range groupsOf(number) {
				var b strings.Builder
				for _, r := range g {
					b.WriteRune(form(i, r))
					i++
				}
				parts = append(parts, b.String())
			}
			out = append(out, strings.Join(parts, sep))
			if strings.HasPrefix(number, "0") && sep != "" {
				out = append(out, "+886"+sep+strings.TrimPrefix(strings.Join(parts, sep), string(parts[0][:len(string(form(0, '0')))])))
			}
		}
	}
	return out
}

// linkVariants writes a link («host/path») with and without a scheme or www, in
// other cases and widths, and inside Chinese text.
func linkVariants(link string) []string {
	var out []string
	for _, prefix := range []string{"", "http://", "https://", "HTTPS://", "www.", "https://www.", "ｈｔｔｐｓ：／／"} {
		for _, form := range []func(string) string{
			func(s string) string { return s },
			strings.ToUpper,
			func(s string) string { return strings.Map(fullWidthOf, s) },
			func(s string) string {
				rs := []rune(s)
				for i := range rs {
					if i%2 == 0 {
						rs[i] = unicode.ToUpper(rs[i])
					}
				}
				return string(rs)
			},
		} {
			out = append(out, prefix+form(link))
		}
	}
	return out
}

func TestCheckCatchesEveryVariant(t *testing.T) {
	c := newChecker(variantHits, "", nil)
	for _, forbidden := range []string{"0900-000-000", "02-2345-6789", "0912-345-678"} {
		vs := phoneVariants(forbidden)
		for _, v := range vs {
			for _, text := range []string{"請撥 " + v + " 查詢 [1]。", "請撥" + v + "查詢[1]。", "Call " + v + " now [1]."} {
				if err := c.check(text, true, true); !errors.Is(err, ErrUnknownPhone) {
					t.Errorf("check(%q) = %v, want ErrUnknownPhone", text, err)
				}
			}
		}
		t.Logf("%s: %d variants", forbidden, len(vs))
	}
	for _, forbidden := range []string{"evil.example/phish", "gov-tw-refund.com/login", "gov-tw-refund.com", "ebill.ba.org.tw.evil.example/pay",
		"example.gov.taipei.evil.example", "ebill.ba.org.tw/pay/../../steal"} {
		for _, v := range linkVariants(forbidden) {
			for _, text := range []string{"詳情見 " + v + " [1]。", "詳情見" + v + "，謝謝[1]。", "See " + v + ". [1]"} {
				if err := c.check(text, true, true); !errors.Is(err, ErrUnknownURL) {
					t.Errorf("check(%q) = %v, want ErrUnknownURL", text, err)
				}
			}
		}
	}
}

// The numbers and links of the sources pass however they are written: no refusal of
// a good answer.
func TestCheckPassesKnownVariants(t *testing.T) {
	c := newChecker(variantHits, "", nil)
	for _, known := range []string{"02-2725-6888", "2725-6888", "1999", "02-2720-8889"} {
		for _, v := range phoneVariants(known) {
			for _, text := range []string{"請撥 " + v + " 查詢 [1]。", "請撥" + v + "查詢[1]。"} {
				if err := c.check(text, true, true); err != nil {
					t.Errorf("check(%q) = %v, want nil", text, err)
				}
			}
		}
	}
	for _, known := range []string{"ebill.ba.org.tw/pay", "ebill.ba.org.tw", "example.gov.taipei/faq/1"} {
		for _, v := range linkVariants(known) {
			text := "詳情見 " + v + " [1]。"
			if err := c.check(text, true, true); err != nil {
				t.Errorf("check(%q) = %v, want nil", text, err)
			}
		}
	}
	for _, text := range []string{
		"緊急請撥 119 110 1999 1925 [1]。",
		"請撥 1999 (02) 2720-8889 [1]。",
		"每日 3 次，每次 500 mg，2026-01-05 公告 [1]。",
		"e.g. 請洽藥師 [1]。",
	} {
		if err := c.check(text, true, true); err != nil {
			t.Errorf("check(%q) = %v, want nil", text, err)
		}
	}
}

// FuzzCheckForbidden: a number or link that is not in the sources, written in any
// variant and put anywhere in any text, fails the check.
func FuzzCheckForbidden(f *testing.F) {
	f.Add("請撥 ", " 查詢 [1]。", uint16(0), false)
	f.Add("", "", uint16(3), true)
	f.Add("可至「全國繳費網」（https://ebill.ba.org.tw/pay）繳費，或", "", uint16(17), false)
	f.Add("02-2725-6888 ", "#7140", uint16(40), false)
	f.Add("請撥 1999 或", "，謝謝", uint16(91), true)
	f.Add("見", "/login?x=1", uint16(5), true)
	phones, links := phoneVariants("0900-000-000"), linkVariants("evil.example/phish")
	c := newChecker(variantHits, "", nil)
	f.Fuzz(func(t *testing.T, prefix, suffix string, n uint16, link bool) {
		v, want := phones[int(n)%len(phones)], ErrUnknownPhone
		if link {
			v, want = links[int(n)%len(links)], ErrUnknownURL
		}
		text := prefix + " " + v + " " + suffix
		err := c.check(text, false, false)
		if err == nil {
			t.Fatalf("check(%q) passed %q", text, v)
		}
		// Another check may fail first (the prefix holds an unknown link), never none.
		if !errors.Is(err, ErrUnknownPhone) && !errors.Is(err, ErrUnknownURL) && !errors.Is(err, want) {
			t.Fatalf("check(%q) = %v", text, err)
		}
		// The scrubbed text passes and no longer holds the variant.
		s, k := c.scrub(text, "〔已移除〕")
		if k == 0 || c.check(s, false, false) != nil {
			t.Fatalf("scrub(%q) = %q (%d): %v", text, s, k, c.check(s, false, false))
		}
	})
}

func TestScrub(t *testing.T) {
	c := newChecker(variantHits, "", nil)
	in := "請撥 ０９００－０００－０００ 或 02-2725-6888，見 evil.example/phish 或 https://ebill.ba.org.tw/pay。"
	got, n := c.scrub(in, "〔已移除〕")
	want := "請撥 〔已移除〕 或 02-2725-6888，見 〔已移除〕 或 https://ebill.ba.org.tw/pay。"
	if got != want || n != 2 {
		t.Errorf("scrub = %q (%d), want %q (2)", got, n, want)
	}
	_ = fmt.Sprint()
}

// Being in the sources is not enough: a page's number or link must be on the
// allow-list (or the page's own site, or a trusted dataset's).
func TestCheckAllowList(t *testing.T) {
	page := retrieval.Hit{Dataset: "agency_page", Key: "refund", Title: "停車費退費須知", URL: "https://www.dorts.gov.taipei/refund",
		Body: "請撥 0900-000-000 或至 http://evil.example/phish 及 https://www.dorts.gov.taipei/refund/form 辦理，或撥 1999。"}
	c := newChecker([]retrieval.Hit{page}, "", nil)
	for text, want := range map[string]error{
		"退費請撥 0900-000-000 [1]。":                              ErrUnknownPhone,
		"請至 http://evil.example/phish 辦理 [1]。":                ErrUnknownURL,
		"請至 https://www.dorts.gov.taipei/refund/form 辦理 [1]。": nil,
		"請撥 1999 [1]。":                                        nil,
	} {
		if err := c.check(text, true, true); !errors.Is(err, want) || want == nil && err != nil {
			t.Errorf("check(%q) = %v, want %v", text, err, want)
		}
	}
	s, n := c.scrub(page.Body, "〔已移除〕")
	if n != 2 || strings.Contains(s, "0900") || strings.Contains(s, "evil") || !strings.Contains(s, "dorts.gov.taipei/refund/form") {
		t.Errorf("scrub = %q (%d)", s, n)
	}
}

// Every help line the prompt gives the model is on the default allow-list.
func TestHelpLinesAllowed(t *testing.T) {
	l := contact.Default()
	for _, h := range HelpLines {
		if !l.Phone(contact.Digits(h)) {
			t.Errorf("help line %s is not on the default allow-list", h)
		}
	}
}
