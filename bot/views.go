package bot

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civicbot/civicbot/ingest"
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
	lic := facet(h.Facets, ingest.FacetLicence)
	app := facet(h.Facets, ingest.FacetAppearance)
	ins := facet(h.Facets, ingest.FacetInsert)
	c := DrugCard{
		Key:          h.Key,
		Name:         firstNonEmpty(str(lic, "name_zh"), str(app, "name_zh"), h.Title),
		NameEN:       firstNonEmpty(str(lic, "name_en"), str(app, "name_en")),
		Category:     str(lic, "category"),
		Controlled:   str(lic, "controlled_level"),
		Indication:   str(lic, "indication"),
		DosageForm:   str(lic, "dosage_form"),
		Ingredients:  strs(lic, "ingredients"),
		Usage:        str(lic, "usage"),
		Cancelled:    h.Status == string(ingest.StatusCancelled),
		CancelledOn:  str(lic, "cancelled_on"),
		CancelReason: str(lic, "cancel_reason"),
	}
	if c.NameEN == c.Name {
		c.NameEN = ""
	}
	if imgs := strs(ins, "insert_images"); len(imgs) > 0 {
		c.InsertURL = imgs[0]
	}
	for _, it := range items(app) {
		p := Pill{Desc: pillDesc(it, english)}
		if imgs := strs(it, "images"); len(imgs) > 0 {
			p.Image = imgs[0]
		}
		if p.Desc != "" || p.Image != "" {
			c.Pills = append(c.Pills, p)
		}
	}
	return c
}

// pillImages are a medicine's pill photos, each described by its appearance record,
// so that a channel can show the photo with a text that stands for it.
func pillImages(h retrieval.Hit, english bool) []Image {
	if h.Dataset != ingest.DatasetDrug {
		return nil
	}
	c := drugCard(h, english)
	var out []Image
	for _, p := range c.Pills {
		if p.Image == "" {
			continue
		}
		alt := c.Name
		if p.Desc != "" {
			alt += map[bool]string{false: "，外觀：", true: ", appearance: "}[english] + p.Desc
		}
		out = append(out, Image{URL: p.Image, Alt: alt})
	}
	return out
}

// pillDesc reads one appearance record out as a pharmacist would.
func pillDesc(it map[string]any, english bool) string {
	var parts []string
	var colors []string
	for _, c := range strs(it, "color") {
		// The data writes 白, 黃; a citizen reads 白色, 黃色.
		if !english && utf8.RuneCountInString(c) == 1 {
			c += "色"
		}
		colors = append(colors, c)
	}
	look := strings.TrimSpace(strings.Join(colors, "、") + " " + strings.Join(strs(it, "shape"), "、"))
	if f := str(it, "special_form"); f != "" {
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
	if s := str(it, "score_line"); s != "" {
		parts = append(parts, label("刻痕", "score line")+sep+s)
	}
	if s := strs(it, "size"); len(s) > 0 {
		parts = append(parts, label("尺寸", "size")+sep+strings.Join(s, "、")+" mm")
	}
	var marks []string
	for _, k := range []string{"mark1", "mark2"} {
		if m := str(it, k); m != "" {
			marks = append(marks, m)
		}
	}
	if len(marks) > 0 {
		parts = append(parts, label("標註", "imprint")+sep+strings.Join(marks, " / "))
	}
	if s := str(it, "odor"); s != "" {
		parts = append(parts, label("氣味", "odour")+sep+s)
	}
	return strings.Join(parts, label("，", ", "))
}

// passage builds a FAQ, myth or article answer from a document's body: the question
// line is dropped (the title says it) and so are the contact lines (shown from the
// facets).
func passage(h retrieval.Hit) Passage {
	m := facet(h.Facets, ingest.FacetMain)
	p := Passage{
		Title:   h.Title,
		Agency:  str(m, "agency"),
		Phone:   str(m, "contact_phone"),
		Stale:   h.Status == string(ingest.StatusStale),
		EndDate: str(m, "end_date"),
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
		case hasAnyPrefix(t, "問：", "標題：", "文章標題：", "承辦機關：", "聯絡人：", "聯絡電話：", "分類：", "發布日期：", "關鍵字："):
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

func facet(f map[string]any, name string) map[string]any {
	m, _ := f[name].(map[string]any)
	return m
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return strings.TrimSpace(v)
	case nil:
		return ""
	case []any:
		return strings.Join(strs(m, k), "、")
	default:
		return fmt.Sprint(v)
	}
}

func strs(m map[string]any, k string) []string {
	switch v := m[k].(type) {
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	case []string:
		return v
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return []string{v}
		}
	}
	return nil
}

func items(m map[string]any) []map[string]any {
	v, _ := m["items"].([]any)
	var out []map[string]any
	for _, x := range v {
		if it, ok := x.(map[string]any); ok {
			out = append(out, it)
		}
	}
	return out
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
