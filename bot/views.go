package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

// The views below are what the templates in prompts/ read. They are built from a
// document's structured facets, not from its text, so that a drug card shows exactly
// the fields the agency published.

// DrugCard is one medicine.
type DrugCard struct {
	Name, NameEN, Key    string
	Category, Controlled string
	Indication           string
	DosageForm           string
	Ingredients          []string
	Usage                string
	Cancelled            bool
	CancelledOn          string
	CancelReason         string
	Pills                []Pill
	InsertURL            string
	// Aspect is what the question asked about ("appearance", "side_effects", "storage",
	// "dose", ...), "" for the whole card.
	Aspect string
	// Others names further candidates, when the question was not specific.
	Others []string
	// IngredientsStated quotes another TFDA record (IngredientsSource, a myth or an
	// article) that states the ingredients of this name, when the licence lists none.
	IngredientsStated, IngredientsSource string
	// StrengthAsked is the strength the question gave («20mg»), when the licence
	// answered with states only others.
	StrengthAsked string
	// Asked is the longer name the question gave, when the licence's title holds only
	// part of it: the licence may be another product.
	Asked string
}

// Pill is one appearance record of a medicine.
type Pill struct {
	Desc  string // 白色 圓形，刻痕：無，尺寸：8 mm，標註：YSP 52
	Image string
}

// PillList is a pill-identification answer.
type PillList struct{ Candidates []DrugCard }

// Passage is a city-FAQ, myth or article answer.
type Passage struct {
	Title, Answer, Agency, Phone string
	Stale                        bool
	// EndDate is the end of the record's publication period (a city FAQ's), shown
	// when it is past.
	EndDate string
	// Related are the titles of other passages found, when the best one may not be
	// the one meant.
	Related []string
}

func drugCard(h retrieval.Hit, english bool) DrugCard {
	lic := h.Facets.Licence()
	app := h.Facets.Appearance()
	c := DrugCard{
		Key:          h.Key,
		Name:         firstNonEmpty(lic.NameZH, app.NameZH, h.Title),
		NameEN:       firstNonEmpty(lic.NameEN, app.NameEN),
		Category:     lic.Category,
		Controlled:   lic.ControlledLevel,
		Indication:   lic.Indication,
		DosageForm:   lic.DosageForm,
		Ingredients:  lic.Ingredients,
		Usage:        lic.Usage,
		Cancelled:    h.Status == string(corpus.StatusCancelled),
		CancelledOn:  lic.CancelledOn,
		CancelReason: lic.CancelReason,
	}
	if c.NameEN == c.Name {
		c.NameEN = ""
	}
	if imgs := h.Facets.Insert().Images; len(imgs) > 0 {
		c.InsertURL = imgs[0]
	}
	for _, it := range app.Pills {
		p := Pill{Desc: pillDesc(it, english)}
		if len(it.Images) > 0 {
			p.Image = it.Images[0]
		}
		if p.Desc != "" || p.Image != "" {
			c.Pills = append(c.Pills, p)
		}
	}
	return c
}

// pillImages are a medicine's pill photos, each described by its appearance record,
// so that a channel can show the photo with a text that stands for it.
func pillImages(h retrieval.Hit, english bool) []conversation.Image {
	if h.Dataset != corpus.DatasetDrug {
		return nil
	}
	c := drugCard(h, english)
	var out []conversation.Image
	for _, p := range c.Pills {
		if p.Image == "" {
			continue
		}
		alt := c.Name
		if p.Desc != "" {
			alt += map[bool]string{false: "，外觀：", true: ", appearance: "}[english] + p.Desc
		}
		out = append(out, conversation.Image{URL: p.Image, Alt: alt})
	}
	return out
}

// pillDesc reads one appearance record out as a pharmacist would.
func pillDesc(it corpus.Pill, english bool) string {
	var parts []string
	var colors []string
	for _, c := range it.Color {
		// The data writes 白, 黃; a citizen reads 白色, 黃色.
		if !english && utf8.RuneCountInString(c) == 1 {
			c += "色"
		}
		colors = append(colors, c)
	}
	look := strings.TrimSpace(strings.Join(colors, "、") + " " + strings.Join(it.Shape, "、"))
	if f := it.SpecialForm; f != "" {
		look = strings.TrimSpace(look + " " + f)
	}
	if look != "" {
		parts = append(parts, look)
	}
	label := func(zh, en string) string {
		if english {
			return en
		}
		return zh
	}
	sep := label("：", ": ")
	if s := it.ScoreLine; s != "" {
		parts = append(parts, label("刻痕", "score line")+sep+s)
	}
	if s := it.Size; len(s) > 0 {
		parts = append(parts, label("尺寸", "size")+sep+strings.Join(s, "、")+" mm")
	}
	if len(it.Marks) > 0 {
		parts = append(parts, label("標註", "imprint")+sep+strings.Join(it.Marks, " / "))
	}
	if s := it.Odor; s != "" {
		parts = append(parts, label("氣味", "odour")+sep+s)
	}
	return strings.Join(parts, label("，", ", "))
}

// passage builds a FAQ, myth or article answer from a document's body: the question
// line is dropped (the title says it) and so are the contact lines (shown from the
// facets).
func passage(h retrieval.Hit) Passage {
	m := h.Facets.Main()
	p := Passage{
		Title:   h.Title,
		Agency:  m.Agency,
		Phone:   m.ContactPhone,
		Stale:   h.Status == string(corpus.StatusStale),
		EndDate: m.EndDate,
	}
	body := h.Body
	if body == "" {
		body = h.Snippet
	}
	var keep []string
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			continue
		case hasAnyPrefix(t, "問：", "標題：", "文章標題：", "承辦機關：", "聯絡人：", "聯絡電話：", "分類：", "發布日期：", "關鍵字：", corpus.AskedLabel+"："):
			continue
		case t == h.Title:
			continue
		}
		t = strings.TrimPrefix(t, "答：")
		t = strings.TrimPrefix(t, "解答：")
		keep = append(keep, t)
	}
	p.Answer = strings.Join(keep, "\n")
	return p
}

func hasAnyPrefix(s string, ps ...string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// nameStop are characters that do not belong to a medicine's name: pronouns, verbs of
// asking, buying and taking, and particles («請問», «我想買», «這個»).
const nameStop = "我你他她它想要買吃用擦喝噴問請有的是這那個種款家些會能可以給把被在對跟和與及或了嗎呢吧啊關於幫查找說"

// askedName returns the name the question gives a medicine when it is longer than what
// the licence's title shares with it: 「斯斯感冒膠囊」 asked, 感冒膠囊 found. The citizen
// must be told the licence may be another product. "" when the title holds what was
// asked (or the question names no more than the title shares).
func askedName(q, title string) string {
	rq, rt := []rune(q), []rune(title)
	// The longest run of Chinese characters the question and the title share.
	bestLen, bestEnd := 0, 0
	prev := make([]int, len(rt)+1)
	for i := 1; i <= len(rq); i++ {
		cur := make([]int, len(rt)+1)
		for j := 1; j <= len(rt); j++ {
			if rq[i-1] == rt[j-1] && unicode.Is(unicode.Han, rq[i-1]) {
				cur[j] = prev[j-1] + 1
				if cur[j] > bestLen {
					bestLen, bestEnd = cur[j], i
				}
			}
		}
		prev = cur
	}
	if bestLen < 2 {
		return ""
	}
	start := bestEnd - bestLen
	// The characters just before it that could be part of a name.
	from := start
	for from > 0 && start-from < 4 && unicode.Is(unicode.Han, rq[from-1]) && !strings.ContainsRune(nameStop, rq[from-1]) {
		from--
	}
	if start-from < 2 {
		return ""
	}
	extra := rq[from:start]
	if !slices.ContainsFunc(extra, func(r rune) bool { return !strings.ContainsRune(title, r) }) {
		return "" // 「明大感冒膠囊」 for "明大" 感冒膠囊: the title holds it, apart
	}
	return string(rq[from:bestEnd])
}

// namesGeneric reports whether question q names licence h by a name in Latin letters
// that the licence holds as a whole word (its English name, its ingredients): a
// generic name («atenolol 是什麼藥»), an English brand («tamiflu»), a mainland generic
// name read as its international name («阿昔洛韦» is acyclovir), or one of these typed
// by ear within an edit or two («famotadine»). That is the name evidence search used to
// find it, whatever else the question asks about the medicine. In a Chinese question,
// or alone, a word in Latin letters is a name; in an English sentence it may be any
// word («animal protection office» and a licence named PROTECTION): not counted there.
// Everyday English words and words under five letters are not names.
func namesGeneric(q string, h retrieval.Hit) bool {
	if isEnglish(q) {
		return false
	}
	latin := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) })
	}
	var names []string
	for _, w := range latin(q + " " + retrieval.Expand(q)) {
		if len(w) >= 5 && !retrieval.IsEnglishWord(w) && !slices.Contains(names, w) {
			names = append(names, w)
		}
	}
	if len(names) == 0 {
		return false
	}
	held := latin(h.Title + "\n" + h.Body)
	for _, w := range names {
		if slices.Contains(held, w) || typoOf(w, held) {
			return true
		}
	}
	return false
}

// minBrandRunes is the least length of a brand that a question names by holding it:
// two characters are as often a word of the question as a brand («感冒», «胃藥»).
const minBrandRunes = 3

// namesBrand reports whether question q (normalised) holds the brand of licence h
// whole: its core name (retrieval.LicenceCoreName) without the dosage form that ends
// it, three characters or more, in Chinese. A brand is named inside a sentence, glued
// to the words around it («醫生開榮富力給我», «點溫美眼») where search's name leg,
// which compares the question's spans with the names, does not see it; found by
// search, the licence is what the question is about, however little else of the
// question its text holds.
func namesBrand(q string, h retrieval.Hit) bool {
	brand := withoutForm(retrieval.LicenceCoreName(h.Title))
	if utf8.RuneCountInString(brand) < minBrandRunes || !strings.ContainsFunc(brand, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return false
	}
	return strings.Contains(strings.ToLower(q), brand)
}

// typoOf reports whether the word w is a misspelling of one of words, as a name typed
// by ear is: the same first two letters, within one edit for a word under ten letters
// and two from ten («renew» is not «renal», nor «burial» «buccal»).
func typoOf(w string, words []string) bool {
	limit := 1
	if len(w) >= 10 {
		limit = 2
	}
	for _, x := range words {
		if len(x) >= 5 && w[:2] == x[:2] && retrieval.EditDistance(w, x, limit) <= limit {
			return true
		}
	}
	return false
}

// sharesName reports whether question q names licence h: two Chinese characters in a
// row of its title without the maker (the generic name in brackets included), or a
// Latin word of four letters or more that the licence holds (its English name, its
// ingredients).
func sharesName(q string, h retrieval.Hit) bool {
	name := retrieval.WithoutMaker(h.Title)
	rq, rn := []rune(q), []rune(name)
	for i := 0; i+1 < len(rq); i++ {
		if unicode.Is(unicode.Han, rq[i]) && unicode.Is(unicode.Han, rq[i+1]) && strings.Contains(string(rn), string(rq[i:i+2])) {
			return true
		}
	}
	text := strings.ToLower(h.Title + "\n" + h.Body + "\n" + h.Snippet)
	latin := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) })
	}
	for _, w := range latin(strings.ToLower(q)) {
		if len(w) < 4 || retrieval.IsEnglishWord(w) {
			continue
		}
		if strings.Contains(text, w) {
			return true
		}
		// Typed by ear («famotadine»): one edit for a name under ten letters, two from
		// ten («burial» is not «buccal»).
		if len(w) >= 5 && typoOf(w, latin(text)) {
			return true
		}
	}
	return false
}
