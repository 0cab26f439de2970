package retrieval

import (
	"embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/civicbot/civicbot/lexicon"
)

// The word lists of search live in lexicons/*.tsv (see package lexicon for the format):
// this file reads and checks them when the program starts, and a bad file stops it
// with the file and line.
//
//go:embed lexicons/*.tsv
var lexiconFiles embed.FS

// lexFile returns an embedded list by its name.
func lexFile(name string) string {
	b, err := lexiconFiles.ReadFile("lexicons/" + name)
	if err != nil {
		panic(fmt.Sprintf("retrieval: %v", err))
	}
	return string(b)
}

// lexLines parses an embedded list, panicking on a bad one.
func lexLines(name string, minFields int) []lexicon.Line {
	return lexicon.MustParse(name, lexFile(name), minFields)
}

// lexSet is an embedded list as a set; a word listed twice is an error.
func lexSet(name string) map[string]bool {
	m, err := lexicon.Set(lexLines(name, 1))
	if err != nil {
		panic(err)
	}
	return m
}

// lexMap reads a list of "key<TAB>value..." lines; a key listed twice is an error.
func lexMap(name string) map[string][]string {
	m := map[string][]string{}
	for _, l := range lexLines(name, 2) {
		if _, dup := m[l.Fields[0]]; dup {
			panic(l.Errorf("%q is listed twice", l.Fields[0]))
		}
		m[l.Fields[0]] = l.Fields[1:]
	}
	return m
}

// LexiconVersion fingerprints every list of search: those of lexicons/ and the lists
// beside the code (pill words, function characters, strength units), and IndexVersion:
// logged at start, so that a change of behaviour can be traced to a change of the lists.
func LexiconVersion() string {
	entries, err := lexiconFiles.ReadDir("lexicons")
	if err != nil {
		panic(fmt.Sprintf("retrieval: %v", err))
	}
	files := []lexicon.File{{Name: "pillwords.txt", Data: pillWordsFile}, {Name: "functionchars.txt", Data: functionCharsFile}, {Name: "strengthunits.txt", Data: strengthUnitsFile}}
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, lexicon.File{Name: e.Name(), Data: lexFile(e.Name())})
		}
	}
	return lexicon.Hash(append(files, lexicon.File{Name: "index", Data: IndexVersion()})...)
}

// SynonymGroup is a group of words that stand for each other in a question: a group of
// synonyms.tsv, or one that staff approved. Name identifies it; the first word labels
// the concept the group stands for.
type SynonymGroup struct {
	Name  string
	Words []string
}

// synonymTable is the query side's synonym groups, indexed.
type synonymTable struct {
	groups   []SynonymGroup
	index    map[string][]string // word → its group's words
	byName   map[string][]string // group name → words
	maxRunes int
}

// addGroup adds g to t, or says why it may not join: a group needs a name not taken, and
// two words or more, each of two characters or more, none of them in another group.
func (t *synonymTable) addGroup(g SynonymGroup) error {
	if g.Name == "" {
		return fmt.Errorf("a synonym group needs a name")
	}
	if _, dup := t.byName[g.Name]; dup {
		return fmt.Errorf("synonym group %q already exists", g.Name)
	}
	if len(g.Words) < 2 {
		return fmt.Errorf("synonym group %q has %d words, want two or more", g.Name, len(g.Words))
	}
	for i, w := range g.Words {
		switch {
		case utf8.RuneCountInString(w) < 2:
			return fmt.Errorf("synonym group %q: %q is shorter than two characters", g.Name, w)
		case Normalize(w) != w:
			return fmt.Errorf("synonym group %q: %q is not written as questions are read (%q)", g.Name, w, Normalize(w))
		case slices.Contains(g.Words[:i], w):
			return fmt.Errorf("synonym group %q lists %q twice", g.Name, w)
		}
		if other, ok := t.index[w]; ok {
			return fmt.Errorf("%q of synonym group %q is already in the group of %q", w, g.Name, other[0])
		}
	}
	words := slices.Clone(g.Words)
	t.groups = append(t.groups, SynonymGroup{Name: g.Name, Words: words})
	t.byName[g.Name] = words
	for _, w := range words {
		t.index[w] = words
		t.maxRunes = max(t.maxRunes, utf8.RuneCountInString(w))
	}
	return nil
}

// clone returns a copy of t that groups can be added to without changing t.
func (t *synonymTable) clone() *synonymTable {
	return &synonymTable{groups: slices.Clone(t.groups), index: maps.Clone(t.index), byName: maps.Clone(t.byName), maxRunes: t.maxRunes}
}

// parseSynonyms reads synonyms.tsv: one group a line, its name, then its words.
func parseSynonyms(file, data string) (*synonymTable, error) {
	lines, err := lexicon.Parse(file, data, 3)
	if err != nil {
		return nil, err
	}
	t := &synonymTable{index: map[string][]string{}, byName: map[string][]string{}}
	for _, l := range lines {
		if err := t.addGroup(SynonymGroup{Name: l.Fields[0], Words: l.Fields[1:]}); err != nil {
			return nil, l.Errorf("%v", err)
		}
	}
	return t, nil
}

// builtinSynonyms are the groups of synonyms.tsv.
var builtinSynonyms = func() *synonymTable {
	t, err := parseSynonyms("synonyms.tsv", lexFile("synonyms.tsv"))
	if err != nil {
		panic(err)
	}
	return t
}()

// synonyms is the table questions are expanded with: the built-in groups and those
// staff approved (UseStaffSynonyms).
var synonyms = func() *atomic.Pointer[synonymTable] {
	var p atomic.Pointer[synonymTable]
	p.Store(builtinSynonyms)
	return &p
}()

// UseStaffSynonyms makes the staff's approved groups, beside the built-in ones, the
// synonyms of every later question. They act on the query side only (Expand, Concepts,
// Coverage): the index holds the documents' own words, so nothing is re-indexed. On an
// error the synonyms in use do not change.
func UseStaffSynonyms(staff []SynonymGroup) error {
	t, err := withStaff(staff)
	if err != nil {
		return err
	}
	synonyms.Store(t)
	lexiconGen.Add(1) // kept searches used the synonyms before (SearchCache)
	return nil
}

func withStaff(staff []SynonymGroup) (*synonymTable, error) {
	t := builtinSynonyms.clone()
	for _, g := range staff {
		if err := t.addGroup(g); err != nil {
			return nil, fmt.Errorf("retrieval: %w", err)
		}
	}
	return t, nil
}

// actionGroups are the synonym groups (by label, their first word) that say what is to
// be done or asked about anything, and actionWords the other words that do
// (actions.tsv).
var actionGroups, actionWords = func() (groups, words map[string]bool) {
	groups, words = map[string]bool{}, map[string]bool{}
	for _, l := range lexLines("actions.tsv", 2) {
		switch l.Fields[0] {
		case "group":
			for _, name := range l.Fields[1:] {
				g, ok := builtinSynonyms.byName[name]
				if !ok {
					panic(l.Errorf("no synonym group %q in synonyms.tsv", name))
				}
				groups[g[0]] = true
			}
		case "word":
			for _, w := range l.Fields[1:] {
				words[w] = true
			}
		default:
			panic(l.Errorf("%q is neither group nor word", l.Fields[0]))
		}
	}
	return groups, words
}()

// charWords are the words of the data for things citizens name with one character.
var charWords = func() map[rune][]string {
	m := map[rune][]string{}
	for _, l := range lexLines("charwords.tsv", 2) {
		r, size := utf8.DecodeRuneInString(l.Fields[0])
		if size != len(l.Fields[0]) {
			panic(l.Errorf("%q is not one character", l.Fields[0]))
		}
		if _, dup := m[r]; dup {
			panic(l.Errorf("%q is listed twice", l.Fields[0]))
		}
		m[r] = l.Fields[1:]
	}
	return m
}()

// The English glossary (glossary.tsv, glossaryphrases.tsv), the dictionary's English
// (cedict*.tsv) and English function words.
var (
	glossary        = lowerKeys("glossary.tsv", lexMap("glossary.tsv"))
	glossaryPhrases = lowerKeys("glossaryphrases.tsv", lexMap("glossaryphrases.tsv"))
	// The dictionary's words and phrases (cedictwords.tsv, cedictphrases.tsv) widen an
	// English question's search only (translateWider, widerLeg).
	dictionary        = lowerKeys("cedictwords.tsv", lexMap("cedictwords.tsv"))
	dictionaryPhrases = lowerKeys("cedictphrases.tsv", lexMap("cedictphrases.tsv"))
	englishStop       = lexSet("englishstop.tsv")
	englishFiller     = lexSet("englishfiller.tsv")
)

// lowerKeys checks that the English keys of a glossary are lower case words separated by
// single spaces, as translate reads a question.
func lowerKeys(file string, m map[string][]string) map[string][]string {
	for k := range m {
		if k != strings.ToLower(k) || strings.Join(strings.Fields(k), " ") != k {
			panic(fmt.Sprintf("lexicon: %s: %q is not lower case words separated by one space", file, k))
		}
	}
	return m
}

// mainlandNames are the mainland generic names of medicines with their international
// names (mainland.tsv).
var mainlandNames = func() map[string]string {
	m := map[string]string{}
	for k, v := range lexMap("mainland.tsv") {
		if len(v) != 1 {
			panic(fmt.Sprintf("lexicon: mainland.tsv: %q has %d international names, want one", k, len(v)))
		}
		m[k] = v[0]
	}
	return m
}()

// filler are the bigrams of question words (fillerbigrams.tsv).
var filler = lexSet("fillerbigrams.tsv")

// particles end a verb or a clause without meaning of their own (particles.tsv).
var particles = func() map[rune]bool {
	m := map[rune]bool{}
	for _, l := range lexLines("particles.tsv", 1) {
		for _, f := range l.Fields {
			r, size := utf8.DecodeRuneInString(f)
			if size != len(f) || m[r] {
				panic(l.Errorf("%q is not one character listed once", f))
			}
			m[r] = true
		}
	}
	return m
}()

// questionWordList are the words of asking (questionwords.tsv), longest first.
var questionWordList = func() []string {
	set := lexSet("questionwords.tsv")
	return lexicon.LongestFirst(slices.Collect(maps.Keys(set)))
}()

// Words of the medicine domain (domain.tsv).
var medicineCues, licenceFieldWords, licenceFields = func() (cues, fields []string, record string) {
	var rec []string
	for _, l := range lexLines("domain.tsv", 2) {
		switch l.Fields[0] {
		case "cue":
			cues = append(cues, l.Fields[1:]...)
		case "field":
			fields = append(fields, l.Fields[1:]...)
		case "record":
			rec = append(rec, l.Fields[1:]...)
		default:
			panic(l.Errorf("%q is not cue, field or record", l.Fields[0]))
		}
	}
	return cues, fields, strings.Join(rec, " ")
}()

// The words of a pill's look (appearance.tsv and the lists beside it).
var chineseAppearance, englishAppearance = func() (zh, en map[string]appearanceTerm) {
	zh, en = map[string]appearanceTerm{}, map[string]appearanceTerm{}
	shapes := []string{ShapeRound, ShapeOval, ShapeCapsule, ShapeTriangle, ShapeQuadrangle, ShapePentagon, ShapeHexagon,
		ShapeOctagon, ShapeTeardrop, ShapeDoubleRound, ShapeLiquid, ShapePowder, ShapeOther}
	for _, l := range lexLines("appearance.tsv", 3) {
		w := l.Fields[0]
		var t appearanceTerm
		switch l.Fields[1] {
		case "colour":
			t.colors = l.Fields[2:]
		case "shape":
			for _, s := range l.Fields[2:] {
				if !slices.Contains(shapes, s) {
					panic(l.Errorf("%q is not a shape of the TFDA's", s))
				}
			}
			t.shapes = l.Fields[2:]
		default:
			panic(l.Errorf("%q is neither colour nor shape", l.Fields[1]))
		}
		m := zh
		if !strings.ContainsFunc(w, func(r rune) bool { return !isASCIILetter(r) }) {
			m = en
			if w != strings.ToLower(w) {
				panic(l.Errorf("%q is not lower case", w))
			}
		}
		if _, dup := m[w]; dup {
			panic(l.Errorf("%q is listed twice", w))
		}
		m[w] = t
	}
	return zh, en
}()

var (
	appearanceStop = lexSet("appearancestop.tsv")
	colorContext   = lexicon.Words(lexLines("colourcontext.tsv", 1))
	bareColors     = func() map[rune]string {
		m := map[rune]string{}
		for _, l := range lexLines("barecolours.tsv", 2) {
			r, size := utf8.DecodeRuneInString(l.Fields[0])
			if size != len(l.Fields[0]) || len(l.Fields) != 2 {
				panic(l.Errorf("want one character and its colour"))
			}
			m[r] = l.Fields[1]
		}
		return m
	}()
)

// The lists read when documents are written (lexicons/index/): what the stores hold
// depends on them, so they are part of IndexVersion.
//
//go:embed lexicons/index/*.tsv
var indexLexiconFiles embed.FS

func indexFile(name string) string {
	b, err := indexLexiconFiles.ReadFile("lexicons/index/" + name)
	if err != nil {
		panic(fmt.Sprintf("retrieval: %v", err))
	}
	return string(b)
}

// nameForm matches a dosage form of licenceforms.tsv at the end of a name.
var nameForm = func() *regexp.Regexp {
	m, err := lexicon.Set(lexicon.MustParse("licenceforms.tsv", indexFile("licenceforms.tsv"), 1))
	if err != nil {
		panic(err)
	}
	forms := lexicon.LongestFirst(slices.Collect(maps.Keys(m)))
	for i, f := range forms {
		forms[i] = regexp.QuoteMeta(f)
	}
	return regexp.MustCompile(`(` + strings.Join(forms, "|") + `)$`)
}()

// indexProbe is text that exercises the tokeniser and the facts of a licence: how the
// stores tokenise it is part of IndexVersion, so that a change of tokeniser (its code or
// the dictionaries it converts with) counts as a change of the index.
const indexProbe = "愛心悠遊卡遺失怎麼辦？ＹＳＰ　５２ ysp-52 TCH25 Ibuprofen 400mg 衛署藥製字第029478號 药片白色圆形 Café ½ 💊 ㄅ 한국 日本語"

// IndexVersion identifies what the stores derive from a document when they write it: the
// keyword tokens (Tokens) and a licence's core name, through the lists of
// lexicons/index/. A store records it with its index and, when it opens with another
// version, derives again what it holds from the stored text. The lists of the query side
// (synonyms, glossary, words of asking) are not part of it: changing them needs no
// re-index.
var IndexVersion = sync.OnceValue(func() string {
	files := []lexicon.File{
		{Name: "tokens", Data: TokenString(indexProbe)},
		{Name: "names", Data: LicenceCoreName(`"全可利"膜衣錠`) + " " + LicenceCoreName(`"瑪科隆"舒必朗錠50毫克(斯比樂)`)},
	}
	entries, err := indexLexiconFiles.ReadDir("lexicons/index")
	if err != nil {
		panic(fmt.Sprintf("retrieval: %v", err))
	}
	for _, e := range entries {
		files = append(files, lexicon.File{Name: e.Name(), Data: indexFile(e.Name())})
	}
	return lexicon.Hash(files...)
})
