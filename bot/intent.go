package bot

import (
	_ "embed"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civicbot/civicbot/retrieval"
)

// populationOf returns the first population a question is about, "" if none.
func populationOf(q string) string {
	if ps := populationsOf(q); len(ps) > 0 {
		return ps[0]
	}
	return ""
}

// populationsOf returns the populations a question is about, in the order of
// populations. English words match whole ("kid" is not in "kidneys").
func populationsOf(q string) []string {
	lq := strings.ToLower(q)
	words := strings.FieldsFunc(lq, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' || r > unicode.MaxASCII })
	var out []string
	for _, p := range populations {
		if slices.ContainsFunc(p.words, func(w string) bool {
			return isASCII(w) && slices.Contains(words, w) || !isASCII(w) && strings.Contains(lq, w)
		}) {
			out = append(out, p.name)
		}
	}
	return out
}

//go:embed followupwords.txt
var followUpWordsFile string

// fillerWords are removed before deciding whether a question names something of its
// own: those below and followupwords.txt's.
var fillerWords = append(baseFillerWords, dataWords(followUpWordsFile)...)

// dataWords are the words of an embedded list: one a line, # starts a comment.
func dataWords(file string) []string {
	var out []string
	for _, l := range strings.Split(file, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// aspectOf returns the first aspect a question mentions, "" if none.
func aspectOf(q string) string {
	lq := strings.ToLower(q)
	for _, a := range aspects {
		for _, w := range a.words {
			if strings.Contains(lq, w) {
				return a.name
			}
		}
	}
	return ""
}

// followUp is what a question says of the conversation before it, read once: whether it
// points back, the aspects of a service it asks, and its own units of meaning.
type followUp struct {
	// points is set when it points back («它», "this one"); asks when it asks an aspect
	// of a medicine or of a service, asks about a population, or uses an English pronoun
	// for the topic (pointer).
	points, asks, pointer bool
	// aspects are the aspects of a service it asks (retrieval's aspects, and their
	// English forms: «要帶什麼», "What documents do I need?").
	aspects []string
	// units are its units of meaning (retrieval.ContentUnits) besides those aspects, the
	// medicine's aspects, the people it asks about, the English follow-up words and the
	// words that name nothing (filler).
	units []string
}

// readFollowUp reads q as a possible follow-up.
func readFollowUp(q string) followUp {
	var f followUp
	f.points = pointsBack(q)
	rest, asked := retrieval.CutAskedAspects(q)
	for _, a := range englishAsked(q) {
		if a == "pointer" {
			f.pointer = true
		} else if !slices.Contains(asked, a) {
			asked = append(asked, a)
		}
	}
	f.aspects = asked
	f.asks = aspectOf(q) != "" || len(asked) > 0 || len(populationsOf(q)) > 0 || f.pointer
	cut := func(w string) {
		if isASCII(w) {
			rest = replaceWord(rest, w)
		} else {
			rest = strings.ReplaceAll(rest, w, " ")
		}
	}
	for _, a := range aspects {
		for _, w := range a.words {
			rest = strings.ReplaceAll(rest, w, " ") // "side effect" of "side effects"
		}
	}
	for _, p := range populations {
		for _, w := range p.words {
			cut(w)
		}
	}
	for _, g := range englishFollowUps {
		for _, w := range g.words {
			cut(w)
		}
	}
	for _, w := range fillerWords {
		cut(w)
	}
	f.units = retrieval.ContentUnits(rest)
	return f
}

// isFollowUp says whether a question refers to the conversation's last topic rather
// than naming its own: it points back (「它」「這顆」, "this one"), or it asks only for an
// aspect of a medicine (「副作用呢？」「怎麼保存」) or of a service (「要帶什麼」「要多少錢」
// 「在哪裡辦」, retrieval's aspects), or only whether it suits someone (「小孩可以吃嗎」
// 「那老人呢」), with at most one character of meaning of its own besides (retrieval's
// ContentUnits: «在哪裡辦» keeps 辦, «要多久才拿得到» 拿; a Latin word is a name).
func isFollowUp(q string) bool { return readFollowUp(q).isFollowUp() }

func (f followUp) isFollowUp() bool {
	switch {
	case f.points:
		return true
	case !f.asks:
		return false
	case len(f.units) == 1 && f.pointer && retrieval.IsLatin(f.units[0]):
		return true // "When is it paid?": one word besides, and the topic it stands for
	}
	return len(f.units) == 0 || len(f.units) == 1 && utf8.RuneCountInString(f.units[0]) == 1
}

// englishAsked returns the labels of englishFollowUps that q holds a form of, whole
// words.
func englishAsked(q string) []string {
	lq := strings.ToLower(q)
	var out []string
	for _, g := range englishFollowUps {
		if slices.ContainsFunc(g.words, func(w string) bool { return containsWord(lq, w) }) {
			out = append(out, g.name)
		}
	}
	return out
}

// pointsBack says whether q refers back to what was said («它», «這顆», "this one").
func pointsBack(q string) bool {
	lq := strings.ToLower(q)
	for _, w := range anaphora {
		if isASCII(w) {
			if containsWord(lq, w) {
				return true
			}
		} else if strings.Contains(lq, w) {
			return true
		}
	}
	return false
}

// maxContextUnits is the most units of meaning of its own a question may have for the
// conversation to be asked whether it named them already (follows): a longer one names
// a subject.
const maxContextUnits = 4

// mayFollow says whether the question is short enough, and names no Latin name, to be a
// follow-up of what the conversation said (follows).
func (f followUp) mayFollow() bool {
	return len(f.units) <= maxContextUnits && !slices.ContainsFunc(f.units, func(u string) bool { return utf8.RuneCountInString(u) > 1 })
}

// follows says whether the question names nothing that the conversation (said, its last
// question and the title of what answered it) did not: at most one of its own units of
// meaning is new to it, and no Latin name. «去哪裡申請» after «防走失手鍊誰可以申請»,
// «上課要錢嗎» after a question on a training course; not «海葬要錢嗎» after a question on
// taxis for the elderly.
func (f followUp) follows(said string) bool {
	if !f.mayFollow() {
		return false
	}
	known := retrieval.ContentUnits(said)
	n := 0
	for _, u := range f.units {
		if _, ok := slices.BinarySearch(known, u); !ok {
			n++
		}
	}
	return n <= 1
}

// substitute returns what a question such as «那咖啡呢» («咖啡呢？», «那如果是咖啡呢») asks
// about in place of the conversation's subject: what stands between its opening «那»
// and its closing «呢», when that is a few units of meaning (at most maxContextUnits);
// "" otherwise.
func substitute(q string) string {
	s := strings.TrimRightFunc(retrieval.Normalize(q), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	s, ok := strings.CutSuffix(s, "呢")
	if !ok {
		return ""
	}
	for _, p := range []string{"那如果是", "如果是", "那麼", "那", "換成", "改成"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = rest
			break
		}
	}
	s = strings.TrimSpace(s)
	if n := len(retrieval.ContentUnits(s)); n == 0 || n > maxContextUnits || !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return ""
	}
	return s
}

// describesPill says whether q describes a pill by its look or imprint rather than
// naming the licence h: a Latin word that looks like an imprint to isPillQuestion but
// is a name h holds («famotidine 是胃藥嗎», «ibuprofen 是止痛藥嗎») names the medicine,
// and is answered from its licence, not with a list of pills that look alike. A colour or
// a shape always describes.
func describesPill(q string, h retrieval.Hit) bool {
	if colors, shapes := retrieval.PillTerms(q); len(colors)+len(shapes) > 0 {
		return true
	}
	if !isPillQuestion(q) || namesGeneric(q, h) {
		return false
	}
	if strings.ContainsAny(q, "寫刻") || strings.Contains(strings.ToLower(q), "imprint") {
		return true
	}
	// Only «藥» or «錠» made it a pill: a code then has a digit or is short; a Latin word
	// of six letters or more is a medicine's name, whether or not this licence writes it
	// in Latin (非潰膜衣錠(啡莫替定) for famotidine).
	return slices.ContainsFunc(retrieval.ImprintCandidates(q), func(c string) bool {
		return len(c) < 6 || strings.ContainsFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' })
	})
}

// isPillQuestion says whether a question describes a pill by its look or imprint.
func isPillQuestion(q string) bool {
	colors, shapes := retrieval.PillTerms(q)
	if len(colors)+len(shapes) > 0 {
		return true
	}
	return len(retrieval.ImprintCandidates(q)) > 0 && (strings.Contains(q, "藥") || strings.Contains(q, "錠") || strings.Contains(q, "寫") || strings.Contains(q, "刻") || strings.Contains(strings.ToLower(q), "pill") || strings.Contains(strings.ToLower(q), "imprint"))
}

// isEnglish says whether a message is written in English rather than Chinese.
func isEnglish(q string) bool {
	latin, han := 0, 0
	for _, r := range q {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			latin++
		}
	}
	if han > 0 || latin < 2 {
		return false
	}
	// A code or a name alone («YSP 52», «ibuprofen») is no language: the default holds.
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if retrieval.IsEnglishWord(w) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordByte(s[j-1])
		after := j+len(w) == len(s) || !isWordByte(s[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func replaceWord(s, w string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], w) && (i == 0 || !isWordByte(s[i-1])) && (i+len(w) == len(s) || !isWordByte(s[i+len(w)])) {
			b.WriteByte(' ')
			i += len(w)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 0x80 || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
