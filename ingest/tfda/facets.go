package tfda

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

// facet gathers the rows of one licence in a facet dataset (39, 41, 42, 43): several
// rows per licence are normal there (one per pill, ATC code or ingredient).
type facet struct {
	line           int
	nameZH, nameEN string
	items          []any
	seen           map[string]bool // rows already taken, so that a repeated row counts once
	insert, box    []string        // 39
}

// facets keeps facets in the order their licences first appear.
type facets struct {
	byKey map[string]*facet
	order []string
}

func (fs *facets) get(key string, line int) *facet {
	if fs.byKey == nil {
		fs.byKey = map[string]*facet{}
	}
	f := fs.byKey[key]
	if f == nil {
		f = &facet{line: line, seen: map[string]bool{}}
		fs.byKey[key] = f
		fs.order = append(fs.order, key)
	}
	return f
}

// once reports whether a row is new for the facet.
func (f *facet) once(vals []string) bool {
	sig := strings.Join(vals, "\x00")
	if f.seen[sig] {
		return false
	}
	f.seen[sig] = true
	return true
}

func (f *facet) names(zh, en string) {
	if f.nameZH == "" {
		f.nameZH = strings.TrimSpace(zh)
	}
	if f.nameEN == "" {
		f.nameEN = strings.TrimSpace(en)
	}
}

// readFacets scans a facet dataset and emits one record per licence, built by build.
// An export that can be read again is read in two passes (readTwice), so that only the licences whose rows are still to come are held.
func readFacets(ctx context.Context, r io.Reader, emit ingest.Emit, t *table, add func(f *facet, vals []string), build func(key string, f *facet) ingest.Record) error {
	record := func(key string, f *facet) error {
		rec := build(key, f)
		rec.Dataset, rec.Key, rec.Line = corpus.DatasetDrug, key, f.line
		if rec.URL == "" {
			rec.URL = licenceURL(key)
		}
		return emit.Record(rec)
	}
	if emit.Again != nil {
		return readTwice(ctx, r, emit, t, t.key,
			func(line int) *facet { return &facet{line: line, seen: map[string]bool{}} },
			func(f *facet, vals []string) {
				if f.once(vals) {
					add(f, vals)
				}
			},
			func(f *facet) int { return f.line }, record)
	}
	var fs facets
	err := t.scan(ctx, r, emit, func(line int, vals []string) error {
		f := fs.get(vals[t.key], line)
		if f.once(vals) {
			add(f, vals)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, key := range fs.order {
		if i%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := record(key, fs.byKey[key]); err != nil {
			return err
		}
	}
	return nil
}

// title is the name a facet shows when no licence record gives one.
func (f *facet) title() string {
	if f.nameZH != "" {
		return f.nameZH
	}
	return f.nameEN
}

func (f *facet) nameFields(m map[string]any) {
	setNonEmpty(m, "name_zh", f.nameZH)
	setNonEmpty(m, "name_en", f.nameEN)
}

func (f *facet) nameLines(t *lines) {
	t.add("中文品名", f.nameZH)
	t.add("英文品名", f.nameEN)
}

// 42 藥品外觀.
const (
	aKey = iota
	aNameZH
	aNameEN
	aShape
	aSpecialForm
	aColor
	aOdor
	aScoreLine
	aSize
	aMark1
	aMark2
	aImages
)

var appearanceTable = &table{
	cols:     []string{"許可證字號", "中文品名", "英文品名", "形狀", "特殊劑型", "顏色", "特殊氣味", "刻痕", "外觀尺寸", "標註一", "標註二", "外觀圖檔連結"},
	required: []string{"許可證字號"},
	anyOf:    []string{"形狀", "顏色", "外觀圖檔連結"},
	key:      aKey,
}

func readAppearance(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	return readFacets(ctx, r, emit, appearanceTable, func(f *facet, v []string) {
		f.names(v[aNameZH], v[aNameEN])
		item := map[string]any{}
		setNonEmpty(item, "shape", splitMulti(v[aShape]))
		setNonEmpty(item, "special_form", joinDistinct(v[aSpecialForm]))
		setNonEmpty(item, "color", splitMulti(v[aColor]))
		setNonEmpty(item, "odor", joinDistinct(v[aOdor]))
		setNonEmpty(item, "score_line", joinDistinct(v[aScoreLine]))
		setNonEmpty(item, "size", splitMulti(v[aSize]))
		setNonEmpty(item, "mark1", joinDistinct(v[aMark1]))
		setNonEmpty(item, "mark2", joinDistinct(v[aMark2]))
		setNonEmpty(item, "images", splitLinks(v[aImages]))
		if len(item) > 0 {
			f.items = append(f.items, item)
		}
	}, func(key string, f *facet) ingest.Record {
		fields := map[string]any{}
		f.nameFields(fields)
		var t lines
		f.nameLines(&t)
		if len(f.items) > 0 {
			fields["items"] = f.items
		}
		// The text reads the pills as every reader of the stored facet does.
		for _, p := range (corpus.Facets{corpus.FacetAppearance: fields}).Appearance().Pills {
			t.line(appearanceLine(p))
		}
		return ingest.Record{Facet: corpus.FacetAppearance, Title: f.title(), Text: t.String(), Fields: fields}
	})
}

// maxCompactMark is the longest imprint run together that the text adds: imprints
// are short codes (retrieval's maxImprintWord).
const maxCompactMark = 12

// appearanceLine describes one pill as a pharmacist would read it out:
// "外觀：白色 圓形，刻痕：無，尺寸：8 mm，標註：FY T061".
func appearanceLine(p corpus.Pill) string {
	var colors []string
	for _, c := range p.Color {
		if !strings.HasSuffix(c, "色") && !strings.HasSuffix(c, "明") {
			c += "色"
		}
		colors = append(colors, c)
	}
	var parts []string
	look := strings.TrimSpace(strings.Join(colors, "、") + " " + strings.Join(p.Shape, "、"))
	if look != "" {
		parts = append(parts, "外觀："+look)
	}
	if s := p.SpecialForm; s != "" {
		parts = append(parts, "特殊劑型："+s)
	}
	if s := p.Odor; s != "" {
		parts = append(parts, "氣味："+s)
	}
	if s := p.ScoreLine; s != "" {
		parts = append(parts, "刻痕："+s)
	}
	if sizes := p.Size; len(sizes) > 0 {
		s := strings.Join(sizes, " / ")
		if numeric(sizes) {
			s += " mm"
		}
		parts = append(parts, "尺寸："+s)
	}
	var marks, compact []string
	for _, s := range p.Marks {
		// A code printed with spaces is asked for run together and the other
		// way round (「M T 300」「MT300」「mt300」): the text holds both, so that
		// one keyword matches it whatever the spacing.
		// (after the marks, which are quoted as the data writes them).
		if c := strings.NewReplacer(" ", "", "-", "").Replace(s); c != s && len(c) <= maxCompactMark {
			compact = append(compact, c)
		}
		marks = append(marks, s)
	}
	if len(marks) > 0 {
		line := "標註：" + strings.Join(marks, " / ")
		if len(compact) > 0 {
			line += "（" + strings.Join(compact, " / ") + "）"
		}
		parts = append(parts, line)
	}
	if len(parts) == 0 {
		return "外觀：見圖檔"
	}
	return strings.Join(parts, "，")
}

func numeric(ss []string) bool {
	for _, s := range ss {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return false
		}
	}
	return true
}

// joinDistinct shows a multi-value field whose values are one text each
// ("Lilly;;;Lilly" → "Lilly", "H1;;;H2" → "H1 / H2").
func joinDistinct(s string) string {
	return strings.Join(splitMulti(s), " / ")
}

// 41 ATC.
const (
	atcKey = iota
	atcRank
	atcCode
	atcNameEN
	atcNameZH
)

var atcTable = &table{
	cols:     []string{"許可證字號", "主或次項", "代碼", "英文分類名稱", "中文分類名稱"},
	required: []string{"許可證字號", "代碼"},
	key:      atcKey,
}

func readATC(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	return readFacets(ctx, r, emit, atcTable, func(f *facet, v []string) {
		code := strings.TrimSpace(v[atcCode])
		if code == "" {
			return
		}
		item := map[string]any{"primary": strings.TrimSpace(v[atcRank]) == "主", "code": code}
		setNonEmpty(item, "name_en", strings.TrimSpace(v[atcNameEN]))
		setNonEmpty(item, "name_zh", strings.TrimSpace(v[atcNameZH]))
		f.items = append(f.items, item)
	}, func(key string, f *facet) ingest.Record {
		var t lines
		for _, it := range f.items {
			m := it.(map[string]any)
			parts := []string{m["code"].(string)}
			for _, k := range []string{"name_en", "name_zh"} {
				if s, _ := m[k].(string); s != "" {
					parts = append(parts, s)
				}
			}
			t.add("ATC", strings.Join(parts, " "))
		}
		fields := f.itemFields()
		return ingest.Record{Facet: corpus.FacetATC, Text: t.String(), Fields: fields}
	})
}

// 43 詳細處方成分.
const (
	inKey = iota
	inLabel
	inName
	inCode
	inAmountDesc
	inAmount
	inUnit
)

var ingredientsTable = &table{
	cols:     []string{"許可證字號", "處方標示", "成分名稱", "成分代碼", "含量描述", "含量", "含量單位"},
	required: []string{"許可證字號", "成分名稱"},
	key:      inKey,
}

func readIngredients(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	return readFacets(ctx, r, emit, ingredientsTable, func(f *facet, v []string) {
		item := map[string]any{}
		setNonEmpty(item, "label", strings.TrimSpace(v[inLabel]))
		setNonEmpty(item, "name", strings.TrimSpace(v[inName]))
		setNonEmpty(item, "code", strings.TrimSpace(v[inCode]))
		setNonEmpty(item, "amount_desc", strings.TrimSpace(v[inAmountDesc]))
		setNonEmpty(item, "amount", trimNumber(v[inAmount]))
		setNonEmpty(item, "unit", strings.TrimSpace(v[inUnit]))
		if item["name"] != nil || item["code"] != nil {
			f.items = append(f.items, item)
		}
	}, func(key string, f *facet) ingest.Record {
		var t lines
		label := ""
		for _, it := range f.items {
			m := it.(map[string]any)
			str := func(k string) string { s, _ := m[k].(string); return s }
			if l := str("label"); l != "" && l != label {
				t.add("處方標示", l)
				label = l
			}
			amount := str("amount_desc")
			if amount == "" {
				amount = str("amount")
			}
			s := strings.TrimSpace(strings.Join([]string{str("name"), amount, str("unit")}, " "))
			t.add("成分", strings.Join(strings.Fields(s), " "))
		}
		fields := f.itemFields()
		return ingest.Record{Facet: corpus.FacetIngredients, Text: t.String(), Fields: fields}
	})
}

// 39 仿單或外盒.
const (
	piKey = iota
	piNameZH
	piNameEN
	piInsert
	piBox
)

var insertTable = &table{
	cols:     []string{"許可證字號", "中文品名", "英文品名", "仿單圖檔連結", "外盒圖檔連結"},
	required: []string{"許可證字號"},
	anyOf:    []string{"仿單圖檔連結", "外盒圖檔連結"},
	key:      piKey,
}

func readInsert(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	return readFacets(ctx, r, emit, insertTable, func(f *facet, v []string) {
		f.names(v[piNameZH], v[piNameEN])
		f.insert = union(f.insert, splitLinks(v[piInsert]))
		f.box = union(f.box, splitLinks(v[piBox]))
	}, func(key string, f *facet) ingest.Record {
		fields := map[string]any{}
		f.nameFields(fields)
		setNonEmpty(fields, "insert_images", f.insert)
		setNonEmpty(fields, "box_images", f.box)
		var t lines
		f.nameLines(&t)
		return ingest.Record{Facet: corpus.FacetInsert, Title: f.title(), Text: t.String(), Fields: fields}
	})
}

// itemFields is the Fields of a facet made of repeated rows (ATC codes, ingredients).
func (f *facet) itemFields() map[string]any {
	fields := map[string]any{}
	if len(f.items) > 0 {
		fields["items"] = f.items
	}
	return fields
}
