package retrieval

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxImprintCandidates bounds what ImprintCandidates returns.
const maxImprintCandidates = 12

// maxImprintWord is the longest word kept: dataset 42's marks are short codes and
// brand words ("YSP", "SPC 201", "BAYER", "Rhinolax").
const maxImprintWord = 12

// ImprintCandidates returns the codes a pill description may quote from the pill's
// imprint (dataset 42's 標註一 and 標註二), uppercase, best first:
// 「白色圓形，上面寫 YSP 52」 gives "YSP 52", "YSP52", "YSP", "52".
//
// Words of Latin letters and digits separated by spaces or hyphens only form a
// group, given with single spaces and run together (and, in a group of three or
// more, each neighbouring pair too); then each word alone. A word mixing letters
// and digits ("YSP52") is also given split ("YSP 52"), then its parts, because the
// data writes both.
//
// Some words are left out, and split a group: the English words of a description
// ("white", "round", "pill", "with"...), doses and sizes ("500mg", "500 毫克",
// "8 mm", "2顆"), decimals, licence numbers (字第029478號) and words longer than 12
// characters. "I" is always English; "a" is English and "A" is kept, since an imprint
// "A" is written in capitals.
//
// q is normalised first, so full-width 「ＹＳＰ５２」 works. The result is nil when
// q quotes nothing that looks like an imprint.
func ImprintCandidates(q string) []string {
	s := Normalize(q)
	var groups [][]string
	var cur []string
	prevEnd := -1
	for _, m := range imprintWord.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if len(cur) > 0 && strings.Trim(s[prevEnd:start], " -") != "" {
			groups, cur = append(groups, cur), nil
		}
		prevEnd = end
		if !isImprintWord(s, start, end) {
			if len(cur) > 0 {
				groups, cur = append(groups, cur), nil
			}
			continue
		}
		cur = append(cur, strings.ToUpper(s[start:end]))
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}

	var out []string
	add := func(c string) {
		if len(out) < maxImprintCandidates && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, g := range groups {
		if len(g) > 1 {
			add(strings.Join(g, " "))
			add(strings.Join(g, ""))
		}
		if len(g) > 2 {
			for i := 0; i+1 < len(g); i++ {
				add(g[i] + " " + g[i+1])
				add(g[i] + g[i+1])
			}
		}
	}
	for _, g := range groups {
		for _, w := range g {
			add(w)
			if parts := letterDigitParts(w); len(parts) > 1 {
				add(strings.Join(parts, " "))
				for _, p := range parts {
					add(p)
				}
			}
		}
	}
	return out
}

// imprintWord matches a word of Latin letters and digits; a decimal is one word, so
// that it can be left out whole.
var imprintWord = regexp.MustCompile(`[A-Za-z0-9]+(?:\.[0-9]+)*`)

// dose matches a dose or size written as one word.
var dose = regexp.MustCompile(`(?i)^[0-9]+(mg|mcg|ug|g|ml|cc|mm|cm|kg|iu)$`)

// isImprintWord reports whether s[start:end] may be part of an imprint.
func isImprintWord(s string, start, end int) bool {
	w := s[start:end]
	if len(w) > maxImprintWord || strings.Contains(w, ".") || dose.MatchString(w) {
		return false
	}
	if w == "A" {
		return true
	}
	if imprintStopWords[strings.ToLower(w)] {
		return false
	}
	if strings.Trim(w, "0123456789") != "" {
		return true
	}
	// A number: a dose, a count, a date or a licence number rather than an imprint
	// when a unit follows or 第/字 precedes it.
	rest := strings.TrimLeft(s[end:], " ")
	for _, u := range numberUnits {
		if strings.HasPrefix(rest, u) {
			return false
		}
	}
	if u := leadingLetters(rest); u != "" && latinUnits[strings.ToLower(u)] {
		return false
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); r == '第' || r == '字' {
		return false
	}
	return true
}

// letterDigitParts cuts a word where letters and digits meet: "ysp52" → ysp, 52.
func letterDigitParts(w string) []string {
	var parts []string
	start := 0
	for i := 1; i < len(w); i++ {
		if isDigit(w[i]) != isDigit(w[i-1]) {
			parts = append(parts, w[start:i])
			start = i
		}
	}
	return append(parts, w[start:])
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func leadingLetters(s string) string {
	i := 0
	for i < len(s) && isASCIILetter(rune(s[i])) {
		i++
	}
	return s[:i]
}

// latinUnits follow a number that is a dose or a size.
var latinUnits = map[string]bool{"mg": true, "mcg": true, "ug": true, "g": true, "ml": true, "cc": true, "mm": true, "cm": true, "kg": true, "iu": true}

// numberUnits follow a number that is not an imprint.
var numberUnits = []string{
	"%", "毫克", "公絲", "公克", "微克", "毫升", "西西", "毫米", "公釐", "公分", "公斤",
	"顆", "粒", "錠", "片", "包", "瓶", "支", "天", "日", "週", "周", "個月", "月", "年", "歲",
	"次", "個", "小時", "點", "分鐘", "號", "元", "塊", "度", "樓", "人",
}

// imprintStopWords are English words of pill descriptions and questions, and units.
var imprintStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		a an the and or of on in at to for with without from by as is are was were be
		it its this that these those there here what which who how why when where whose
		i me my we our you your he she they them his her can could may might should would
		do does did have has had not no yes any some one two side sides both each other
		found find pick picked up floor bag drawer pocket kid child mom dad
		pill pills tablet tablets tab tabs capsule capsules caplet caplets medicine medicines
		medication medications drug drugs dose doses
		imprint imprinted imprints marked marking markings mark marks code codes number
		letter letters text written writing says say reads read printed print engraved
		stamped debossed embossed label labelled
		white ivory cream yellow orange pink red blue green teal turquoise cyan purple
		violet lavender brown tan black grey gray silver clear transparent translucent
		light dark pale bright color colour colored coloured
		round circle circular oval oblong elliptical ellipse triangle triangular square
		rectangle rectangular diamond rhombus pentagon pentagonal hexagon hexagonal
		octagon octagonal teardrop shape shaped small big large tiny flat thick thin
		score scored line half halves split
		identify identification id unknown please help thanks thank
		mg mcg ug g ml mm cm kg iu`) {
		m[w] = true
	}
	return m
}()

// ImprintTokens are the keyword tokens of the imprint codes a query quotes
// (ImprintCandidates). With specific set, only tokens mixing letters and digits
// ("ysp52"): a bare "ysp" or "52" is on hundreds of pills and needs the pill's colour
// and shape beside it to mean anything.
func ImprintTokens(text string, specific bool) []string {
	var out []string
	for _, c := range ImprintCandidates(text) {
		for _, t := range Tokens(c) {
			if (!specific || hasLetterAndDigit(t)) && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// AppearanceTokens are the keyword tokens of the colours and shapes a query describes
// («白色», «圓形»), as the appearance facet of a drug holds them; nil when it
// describes none (PillTerms).
func AppearanceTokens(text string) []string {
	colors, shapes := PillTerms(text)
	var terms []string
	for _, c := range colors {
		terms = append(terms, Tokens(c+"色")...)
	}
	for _, sh := range shapes {
		terms = append(terms, Tokens(sh)...)
	}
	return terms
}

func hasLetterAndDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0
}
