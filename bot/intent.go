package bot

import (
	_ "embed"
	"slices"
	"strings"
	"unicode"

	"github.com/civicbot/civicbot/retrieval"
)

// Aspects of a medicine or service a question can ask about. The drug card puts the
// matching note first; a question that is nothing but an aspect ("副作用呢？") is a
// follow-up about the last topic.
var aspects = []struct {
	name  string
	words []string
}{
	{"appearance", []string{"長什麼樣", "長怎樣", "長甚麼樣", "什麼樣子", "外觀", "顏色", "形狀", "照片", "圖片", "刻字", "look like", "appearance", "colour", "color", "shape", "picture", "photo"}},
	{"side_effects", []string{"副作用", "不良反應", "注意事項", "禁忌", "side effect", "adverse"}},
	{"interactions", []string{"喝酒", "配酒", "跟酒", "和酒", "與酒", "加酒", "酒一起", "一起吃", "一起服用", "一起用", "同時吃", "同時服用", "併用", "交互作用",
		"with alcohol", "with beer", "with wine", "together with", "at the same time", "interaction", "combine"}},
	{"storage", []string{"保存", "存放", "冰箱", "放多久", "storage", "store it", "keep it"}},
	{"dose", []string{"幾顆", "幾粒", "幾錠", "幾次", "幾包", "幾毫升", "幾cc", "劑量", "怎麼吃", "怎麼服用", "吃多少", "用量", "一天吃", "一次吃", "一天可以吃", "一次可以吃", "每天吃", "多久吃", "飯前", "飯後",
		"dose", "dosage", "how much", "how many", "how often", "times a day"}},
	{"indication", []string{"治什麼", "做什麼用", "什麼用", "用途", "功效", "適應症", "what is it for", "used for"}},
	{"ingredients", []string{"成分", "成份", "含什麼", "ingredient"}},
	{"status", []string{"註銷", "合法", "許可證", "licence", "license", "cancelled", "canceled"}},
	{"contact", []string{"電話", "聯絡", "打給誰", "找誰", "phone", "contact", "call"}},
}

// populations are the people for whom the licence data's general wording is not
// enough: a medicine answer about them starts by sending the citizen to a doctor or
// pharmacist.
var populations = []struct {
	name  string
	words []string
}{
	{"pregnancy", []string{"懷孕", "孕婦", "孕期", "妊娠", "懷胎", "哺乳", "餵母奶", "餵奶", "母乳", "坐月子",
		"pregnant", "pregnancy", "breastfeeding", "breastfeed", "breast-feeding"}},
	{"child", []string{"小孩", "孩子", "兒童", "小朋友", "嬰兒", "寶寶", "幼兒", "新生兒", "孩童", "兒子", "女兒", "歲以下",
		"baby", "babies", "child", "children", "kid", "kids", "infant", "infants", "toddler", "toddlers", "son", "daughter"}},
	{"elderly", []string{"老人", "長輩", "長者", "年長", "高齡", "銀髮", "阿公", "阿嬤", "爺爺", "奶奶", "外公", "外婆", "老年",
		"elderly", "senior", "seniors", "grandma", "grandpa", "grandmother", "grandfather"}},
}

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

// anaphora refer back to the last topic.
var anaphora = []string{"它", "牠", "這個藥", "那個藥", "這顆", "那顆", "這藥", "那藥", "該藥", "此藥", "這款", "那款", "這種藥", "那種藥", "剛剛", "剛才", "上面那", "this one", "that one", "this medicine", "that medicine", "this drug", "that drug"}

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

var baseFillerWords = []string{"請問", "那麼", "那", "呢", "嗎", "的", "要", "怎麼", "如何", "什麼", "甚麼", "有沒有", "有", "會", "可以", "能", "是", "吃", "用", "一下", "還有", "另外", "也", "樣子", "樣", "子",
	"what", "about", "and", "the", "its", "it", "is", "are", "does", "do", "how", "any", "please", "tell", "me"}

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

// isFollowUp says whether a question refers to the conversation's last topic rather
// than naming its own: it points back (「它」「這顆」, "this one"), or it asks only for an
// aspect (「副作用呢？」「怎麼保存」).
func isFollowUp(q string) bool {
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
	if aspectOf(q) == "" {
		return false
	}
	rest := lq
	for _, a := range aspects {
		for _, w := range a.words {
			rest = strings.ReplaceAll(rest, w, " ")
		}
	}
	for _, w := range fillerWords {
		if isASCII(w) {
			rest = replaceWord(rest, w)
		} else {
			rest = strings.ReplaceAll(rest, w, " ")
		}
	}
	n := 0
	for _, r := range rest {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n <= 1
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
