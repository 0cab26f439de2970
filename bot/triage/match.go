package triage

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// maxRunes bounds the work on a huge message: triage reads this many runes at most.
// The pipeline cuts questions far shorter; this guards direct callers.
const maxRunes = 2000

// maxHits bounds the hits kept with their positions. Group presence is always
// recorded, so only the proximity rules can miss on a pathological input.
const maxHits = 256

// text is a message as the lexicons see it.
type text struct {
	// zh holds the letters and digits only, lower-cased and folded to Simplified
	// characters: spaces and punctuation inside a phrase do not stop a match.
	zh []rune
	// en holds the Latin words and numbers, lower-cased, one space between them
	// and one at each end; apostrophes are dropped ("can't" is "cant").
	en     []byte
	qmark  bool // a question mark
	wave   bool // 👋 🙋
	thumbs bool // 🙏 👍 ❤ and smiles: thanks
	markup bool // chat-template tokens such as <|im_start|> or [INST]
}

// normalise reads msg into t, reusing t's buffers.
func (t *text) normalise(msg string) {
	*t = text{zh: t.zh[:0], en: append(t.en[:0], ' ')}
	end := 0
	for n := 0; end < len(msg) && n < maxRunes; n++ {
		r, size := utf8.DecodeRuneInString(msg[end:])
		end += size
		if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII, should NFKC have been skipped
			r -= 0xFEE0
		}
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
				fallthrough
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				t.zh = append(t.zh, r)
				t.en = append(t.en, byte(r))
			case r == '\'' || r == '`':
				// dropped: "don't" is "dont"
			case r == '?':
				t.qmark = true
				t.en = space(t.en)
			case r == '<' || r == '[':
				t.markup = true // checked below
				t.en = space(t.en)
			default:
				t.en = space(t.en)
			}
		case r == '’' || r == '‘':
		case r == '？':
			t.qmark = true
			t.en = space(t.en)
		case 0x4E00 <= r && r <= 0x9FFF: // CJK ideographs, the common case: no case to fold
			r = fold(r)
			t.zh = append(t.zh, r)
			t.en = space(t.en)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = fold(unicode.ToLower(r))
			t.zh = append(t.zh, r)
			if unicode.Is(unicode.Latin, r) {
				t.en = utf8.AppendRune(t.en, r)
			} else {
				t.en = space(t.en)
			}
		default:
			switch r {
			case '👋', '🙋':
				t.wave = true
			case '🙏', '👍', '❤', '😊', '🙂', '😀', '😄', '🥰', '💕':
				t.thumbs = true
			}
			t.en = space(t.en)
		}
	}
	t.en = space(t.en)
	t.markup = t.markup && hasMarkup(msg[:end])
}

func space(b []byte) []byte {
	if b[len(b)-1] != ' ' {
		b = append(b, ' ')
	}
	return b
}

// hasMarkup reports chat-template tokens that only a prompt injection would type.
func hasMarkup(raw string) bool {
	if strings.Contains(raw, "<|") {
		return true
	}
	l := strings.ToLower(raw)
	for _, m := range []string{"[inst]", "[/inst]", "<<sys>>", "[system]", "<system>", "</system>"} {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// entry is one phrase of a lexicon.
type entry struct {
	g      group
	reason string
	veto   bool
	zh     []rune // matched on text.zh
	en     string // matched on whole words of text.en
	prefix bool   // en: no word boundary needed at the end
}

type lexicon struct {
	entries []entry
	zh1     map[rune][]int32   // one-rune entries
	zh2     map[uint64][]int32 // longer entries by their first two runes, vetoes first
	zhFirst [1 << 10]uint64    // bitmap of the BMP runes that start an entry
	zhOne   [1 << 10]uint64    // bitmap of the BMP runes that are an entry
	en      [256][]int32       // entries by first byte, vetoes first
	greet   map[rune][]greetToken
}

type greetToken struct {
	runes  []rune
	reason string // "" for a filler
}

var lex = build()

func build() *lexicon {
	l := &lexicon{zh1: map[rune][]int32{}, zh2: map[uint64][]int32{}, greet: map[rune][]greetToken{}}
	type key struct {
		s        string
		g        group
		veto, en bool
	}
	seen := map[key]bool{}
	add := func(e entry, k key) {
		if seen[k] {
			return
		}
		seen[k] = true
		l.entries = append(l.entries, e)
	}
	for _, b := range blocks {
		for _, p := range fields(b.zh) {
			rs := []rune(foldString(p))
			add(entry{g: b.g, reason: b.reason, veto: b.veto, zh: rs}, key{string(rs), b.g, b.veto, false})
		}
		for _, p := range strings.Split(b.en, "|") {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" {
				continue
			}
			e := entry{g: b.g, reason: b.reason, veto: b.veto}
			if strings.HasSuffix(p, "*") {
				p, e.prefix = strings.TrimSuffix(p, "*"), true
			}
			e.en = p
			if e.prefix {
				p += "*"
			}
			add(e, key{p, b.g, b.veto, true})
		}
	}
	// Vetoes first, so that they are known before the hits they cancel.
	for pass := range 2 {
		veto := pass == 0
		for i, e := range l.entries {
			if e.veto != veto {
				continue
			}
			if e.zh != nil {
				r := e.zh[0]
				if len(e.zh) == 1 {
					l.zh1[r] = append(l.zh1[r], int32(i))
					if r < 1<<16 {
						l.zhOne[r>>6] |= 1 << (r & 63)
					}
				} else {
					k := pair(r, e.zh[1])
					l.zh2[k] = append(l.zh2[k], int32(i))
				}
				if r < 1<<16 {
					l.zhFirst[r>>6] |= 1 << (r & 63)
				}
			} else {
				c := e.en[0]
				l.en[c] = append(l.en[c], int32(i))
			}
		}
	}
	for _, g := range greetings {
		for _, t := range fields(g.tokens) {
			rs := []rune(foldString(t))
			l.greet[rs[0]] = append(l.greet[rs[0]], greetToken{runes: rs, reason: g.reason})
		}
	}
	for _, t := range fields(greetingFillers) {
		rs := []rune(foldString(t))
		l.greet[rs[0]] = append(l.greet[rs[0]], greetToken{runes: rs})
	}
	return l
}

func pair(a, b rune) uint64 { return uint64(a)<<32 | uint64(b) }

func fields(s string) []string { return strings.Fields(s) }
func join(s []string) string   { return strings.Join(s, " ") }

// hit is a lexicon entry found in the message.
type hit struct {
	e          int32 // index in lex.entries; -1 for a counted quantity
	g          group
	start, end int32 // runes in text.zh, bytes in text.en
	en         bool
}

// scan is a message with the lexicon entries found in it.
type scan struct {
	text
	has   [numGroups]bool
	first [numGroups]int32 // the entry of the first hit of each group, for its reason
	hits  []hit
}

// scans keeps scans and their buffers between calls; the buffers are bounded by
// maxRunes and maxHits.
var scans = sync.Pool{New: func() any { return &scan{hits: make([]hit, 0, maxHits)} }}

// analyse returns the scan of msg; give it back with release.
func analyse(msg string) *scan {
	s := scans.Get().(*scan)
	*s = scan{text: text{zh: s.zh, en: s.en}, hits: s.hits[:0]}
	s.normalise(msg)
	s.matchZH()
	s.matchEN()
	return s
}

func release(s *scan) { scans.Put(s) }

func (s *scan) add(h hit) {
	if !s.has[h.g] {
		s.has[h.g] = true
		s.first[h.g] = h.e
	}
	if len(s.hits) < maxHits {
		s.hits = append(s.hits, h)
	}
}

// matchZH finds the entries in text.zh. A veto cancels the shorter hits that lie
// inside it (the phrase it explains stays: 「自殺防治」 as a help-line request).
func (s *scan) matchZH() {
	zh := s.zh
	vetoStart, vetoEnd := 0, 0
	for i, r := range zh {
		if isCounter(r) {
			s.count(i)
		}
		if r < 1<<16 && lex.zhFirst[r>>6]&(1<<(r&63)) == 0 {
			continue
		}
		// Longer entries first: their vetoes cancel one-rune hits here (了解, 其他).
		if i+1 < len(zh) {
			for _, id := range lex.zh2[pair(r, zh[i+1])] {
				s.matchAt(id, i, &vetoStart, &vetoEnd)
			}
		}
		if r >= 1<<16 || lex.zhOne[r>>6]&(1<<(r&63)) != 0 {
			for _, id := range lex.zh1[r] {
				s.matchAt(id, i, &vetoStart, &vetoEnd)
			}
		}
	}
}

func (s *scan) matchAt(id int32, i int, vetoStart, vetoEnd *int) {
	e := &lex.entries[id]
	end := i + len(e.zh)
	if end > len(s.zh) || !equalRunes(s.zh[i:end], e.zh) {
		return
	}
	if e.veto {
		if end > *vetoEnd {
			*vetoStart, *vetoEnd = i, end
		}
		return
	}
	if end <= *vetoEnd && end-i < *vetoEnd-*vetoStart {
		return
	}
	s.add(hit{e: id, g: e.g, start: int32(i), end: int32(end)})
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// matchEN finds the entries in text.en, at word starts and on word boundaries.
func (s *scan) matchEN() {
	en := s.en
	vetoStart, vetoEnd := 0, 0
	for i := 1; i < len(en); i++ {
		if en[i-1] != ' ' || en[i] == ' ' {
			continue
		}
		for _, id := range lex.en[en[i]] {
			e := &lex.entries[id]
			end := i + len(e.en)
			if end >= len(en) || string(en[i:end]) != e.en || !e.prefix && en[end] != ' ' {
				continue
			}
			if e.prefix {
				for end < len(en)-1 && en[end] != ' ' {
					end++
				}
			}
			if e.veto {
				if end > vetoEnd {
					vetoStart, vetoEnd = i, end
				}
				continue
			}
			if end <= vetoEnd && end-i < vetoEnd-vetoStart {
				continue
			}
			s.add(hit{e: id, g: e.g, start: int32(i), end: int32(end), en: true})
			switch e.g {
			case gPillNoun, gMed, gAdultMed:
				s.countEN(i, end) // "20 pills", "15 tylenol"
			}
		}
	}
}

// near reports whether a hit of a and a hit of b in the same stream are at most
// gapZH runes (Chinese) or gapEN bytes (English) apart, in either order.
func (s *scan) near(a, b group, gapZH, gapEN int) bool {
	return s.within(a, b, gapZH, gapEN, true)
}

// follows reports whether a hit of b starts after a hit of a ends, within the gap.
func (s *scan) follows(a, b group, gapZH, gapEN int) bool {
	return s.within(a, b, gapZH, gapEN, false)
}

func (s *scan) within(a, b group, gapZH, gapEN int, either bool) bool {
	if !s.has[a] || !s.has[b] {
		return false
	}
	for _, x := range s.hits {
		if x.g != a {
			continue
		}
		for _, y := range s.hits {
			if y.g != b || y.en != x.en {
				continue
			}
			gap := gapZH
			if x.en {
				gap = gapEN
			}
			switch {
			case y.start >= x.end:
				if int(y.start-x.end) <= gap {
					return true
				}
			case x.start >= y.end:
				if either && int(x.start-y.end) <= gap {
					return true
				}
			default: // overlapping: "30 pills" is a quantity and a pill noun
				return true
			}
		}
	}
	return false
}

// distinct counts the different entries of g found, up to 2.
func (s *scan) distinct(g group) int {
	first := int32(-2)
	for _, h := range s.hits {
		if h.g != g {
			continue
		}
		if first == -2 {
			first = h.e
		} else if h.e != first {
			return 2
		}
	}
	if first == -2 {
		return 0
	}
	return 1
}

// reason returns the reason of the first entry of g found.
func (s *scan) reason(g group) string {
	if e := s.first[g]; s.has[g] && e >= 0 {
		return lex.entries[e].reason
	}
	return ""
}

// Counted quantities: 「吃了20顆」「三十粒」「兩瓶」, "20 pills". Five pills or more
// is a quantity; one bottle, strip or box is already one. Both forms are listed:
// text.zh is folded to Simplified.
func isCounter(r rune) bool {
	switch r {
	case '顆', '颗', '粒', '錠', '锭', '片', '包', '瓶', '排', '盒', '罐':
		return true
	}
	return false
}

func isPack(r rune) bool {
	switch r {
	case '瓶', '排', '盒', '罐':
		return true
	}
	return false
}

func (s *scan) count(i int) {
	j := i
	for j > 0 && i-j < 8 && isNumeral(s.zh[j-1]) {
		j--
	}
	if j == i {
		return
	}
	n, ok := parseNumber(s.zh[j:i])
	if !ok {
		return
	}
	least := 5.0
	if isPack(s.zh[i]) {
		least = 1
	}
	if n >= least {
		s.add(hit{e: -1, g: gQuantity, start: int32(j), end: int32(i + 1)})
	}
}

const cjkNumerals = "零〇一二兩两三四五六七八九十百千幾几多來来半"

func isNumeral(r rune) bool {
	if '0' <= r && r <= '9' {
		return true
	}
	return r >= 0x3000 && strings.ContainsRune(cjkNumerals, r)
}

// parseNumber reads 20, 三十, 十五, 二十幾 (taken as 25), 幾十 (50) or 十多; 幾
// alone (幾顆, a question) and 多 alone (很多顆, in the lexicon) are no number.
func parseNumber(rs []rune) (float64, bool) {
	var n, cur float64
	digits, ok := false, false
	for _, r := range rs {
		if '0' <= r && r <= '9' {
			if !digits {
				n, cur, digits = 0, 0, true
			}
			n = n*10 + float64(r-'0')
			ok = true
			continue
		}
		if digits {
			continue // 10多, 20來: the number is read
		}
		switch r {
		case '十', '百', '千':
			if cur == 0 {
				cur = 1
			}
			n += cur * map[rune]float64{'十': 10, '百': 100, '千': 1000}[r]
			cur, ok = 0, true
		case '幾', '几':
			if n >= 10 || len(rs) > 1 { // 十幾, 幾十
				cur = 5
			}
		case '半':
			cur, ok = cur+0.5, true
		default:
			if v, isDigit := cjkDigits[r]; isDigit {
				cur, ok = v, true
			}
		}
	}
	return n + cur, ok
}

var cjkDigits = map[rune]float64{'零': 0, '〇': 0, '一': 1, '二': 2, '兩': 2, '两': 2, '三': 3, '四': 4, '五': 5,
	'六': 6, '七': 7, '八': 8, '九': 9}

var numberWords = map[string]float64{
	"a": 1, "an": 1, "one": 1, "two": 2, "couple": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
	"forty": 40, "fifty": 50, "hundred": 100, "dozen": 12, "dozens": 24, "several": 5, "many": 5,
}

// countEN looks back from a pill noun at en[i:end] for a number: "20 pills",
// "ten of my sleeping pills".
func (s *scan) countEN(i, end int) {
	en := s.en
	j := i - 1 // the space before the noun
	for range 3 {
		k := j
		for k > 0 && en[k-1] != ' ' {
			k--
		}
		if k == j {
			return
		}
		w := string(en[k:j])
		n, ok := numberWords[w]
		if !ok && isDigits(w) {
			n, ok = 0, true
			for _, c := range w[:min(len(w), 6)] {
				n = n*10 + float64(c-'0')
			}
		}
		if ok {
			if n >= 5 {
				s.add(hit{e: -1, g: gQuantity, start: int32(k), end: int32(end), en: true})
			}
			return
		}
		switch w {
		case "my", "of", "the", "his", "her", "their", "extra", "more", "x":
			j = k - 1
		default:
			return
		}
	}
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// greeting returns the kind of greeting the whole message is, "" if it is not
// one: nothing but greeting tokens and fillers, with at least one token.
func (t *text) greeting() string {
	zh := t.zh
	if len(zh) == 0 {
		switch {
		case t.wave:
			return "hello"
		case t.thumbs:
			return "thanks"
		}
		return ""
	}
	const maxGreeting = 40
	if len(zh) > maxGreeting {
		return ""
	}
	// reason[i] is the reason of the first token on a path to position i: "-"
	// for a path of fillers only, "" for no path.
	var reason [maxGreeting + 1]string
	reason[0] = "-"
	for i := range zh {
		if reason[i] == "" {
			continue
		}
		for _, tok := range lex.greet[zh[i]] {
			end := i + len(tok.runes)
			if end > len(zh) || !equalRunes(zh[i:end], tok.runes) {
				continue
			}
			r := reason[i]
			if r == "-" && tok.reason != "" {
				r = tok.reason
			}
			if reason[end] == "" || reason[end] == "-" {
				reason[end] = r
			}
		}
	}
	if r := reason[len(zh)]; r != "-" {
		return r
	}
	return ""
}
