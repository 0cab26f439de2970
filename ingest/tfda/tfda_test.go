package tfda_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
)

const dataDir = "../opendata/tfda"

// output is what a reader emitted.
type output struct {
	records []ingest.Record
	rejects []ingest.Reject
}

func (o *output) record(tb testing.TB, key string) ingest.Record {
	tb.Helper()
	for _, r := range o.records {
		if r.Key == key {
			return r
		}
	}
	tb.Fatalf("no record %q among %d", key, len(o.records))
	return ingest.Record{}
}

func format(tb testing.TB, name string) ingest.Format {
	tb.Helper()
	for _, f := range tfda.Formats() {
		if f.Name == name {
			return f
		}
	}
	tb.Fatalf("no format %q", name)
	return ingest.Format{}
}

// read runs a format's reader on r and checks what holds for every reader: one record
// per (Dataset, Key, Facet), keys non-empty, lines from 1.
func read(tb testing.TB, name string, r io.Reader) (*output, error) {
	tb.Helper()
	out := &output{}
	err := format(tb, name).Read(context.Background(), r, ingest.Emit{
		Record: func(r ingest.Record) error {
			out.records = append(out.records, r)
			return nil
		},
		Reject: func(line int, reason string) {
			out.rejects = append(out.rejects, ingest.Reject{Line: line, Reason: reason})
		},
	})
	seen := map[[3]string]bool{}
	for _, r := range out.records {
		k := [3]string{r.Dataset, r.Key, r.Facet}
		if seen[k] {
			tb.Errorf("%s: two records for %v", name, k)
		}
		seen[k] = true
		if strings.TrimSpace(r.Key) == "" || r.Key != strings.TrimSpace(r.Key) {
			tb.Errorf("%s: record at line %d has key %q", name, r.Line, r.Key)
		}
		if r.Line < 1 {
			tb.Errorf("%s: record %q has line %d", name, r.Key, r.Line)
		}
	}
	for _, rj := range out.rejects {
		if rj.Line < 1 {
			tb.Errorf("%s: reject %q has line %d", name, rj.Reason, rj.Line)
		}
	}
	return out, err
}

func mustRead(tb testing.TB, name, data string) *output {
	tb.Helper()
	out, err := read(tb, name, strings.NewReader(data))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return out
}

func readFile(tb testing.TB, name, file string) *output {
	tb.Helper()
	f, err := os.Open(filepath.Join(dataDir, file))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	out, err := read(tb, name, f)
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	if len(out.rejects) > 0 {
		tb.Errorf("%s: %d rejects, first %v", file, len(out.rejects), out.rejects[0])
	}
	return out
}

// head is what the loader passes to Detect: the first 8 KB without the BOM.
func head(tb testing.TB, file string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, file))
	if err != nil {
		tb.Fatal(err)
	}
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	return b[:min(len(b), 8<<10)]
}

// detect returns the formats that claim a file, and their sources.
func detect(name string, head []byte) (formats, sources []string) {
	for _, f := range tfda.Formats() {
		if src, ok := f.Detect(name, head); ok {
			formats = append(formats, f.Name)
			sources = append(sources, src)
		}
	}
	return formats, sources
}

func TestFormatsAreComplete(t *testing.T) {
	want := []string{"tfda-licences", "tfda-insert", "tfda-atc", "tfda-appearance", "tfda-ingredients", "tfda-myth", "tfda-article"}
	var got []string
	for _, f := range tfda.Formats() {
		got = append(got, f.Name)
		if f.Detect == nil || f.Read == nil {
			t.Errorf("%s: Detect or Read missing", f.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("formats %v, want %v", got, want)
	}
}

func TestDetectRealFiles(t *testing.T) {
	tests := []struct {
		file, as     string // as: the name the file is offered under
		format, from string
	}{
		{"36_sample.csv", "36_sample.csv", "tfda-licences", "tfda-36"},
		{"36_sample.csv", "36_2.csv", "tfda-licences", "tfda-36"},
		{"36_sample.csv", "37_2.csv", "tfda-licences", "tfda-37"},
		{"36_sample.csv", "export.csv", "tfda-licences", "tfda-36"},
		{"42_5.json", "42_5.json", "tfda-appearance", "tfda-42"},
		{"42_5.json", "data.json", "tfda-appearance", "tfda-42"},
		{"42_5.json", "36_5.json", "tfda-appearance", "tfda-42"}, // content wins over name
		{"159.csv", "159.csv", "tfda-myth", "tfda-159"},
		{"159.csv", "190.csv", "tfda-myth", "tfda-159"},
		{"190.csv", "190.csv", "tfda-article", "tfda-190"},
		{"190.csv", "articles.csv", "tfda-article", "tfda-190"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" as "+tt.as, func(t *testing.T) {
			formats, sources := detect(tt.as, head(t, tt.file))
			if len(formats) != 1 || formats[0] != tt.format || sources[0] != tt.from {
				t.Errorf("detected by %v as %v, want only %s as %s", formats, sources, tt.format, tt.from)
			}
		})
	}
}

func TestDetectHeaders(t *testing.T) {
	q := func(cols ...string) []byte { return []byte(`"` + strings.Join(cols, `","`) + "\"\r\n") }
	tests := []struct {
		name   string
		file   string
		head   []byte
		format string // "" when no format may claim it
		source string
	}{
		{"licences 28", "x.csv", q("許可證字號", "註銷狀態", "註銷日期", "中文品名", "包裝與國際條碼"), "tfda-licences", "tfda-36"},
		{"licences with BOM", "x.csv", append([]byte("\uFEFF"), q("許可證字號", "註銷狀態", "中文品名")...), "tfda-licences", "tfda-36"},
		{"licences JSON", "37_5.json", []byte(` [{"許可證字號":"衛署藥製字第000001號","註銷狀態":null,"中文品名":"x"}]`), "tfda-licences", "tfda-37"},
		{"insert 39", "x.csv", q("許可證字號", "中文品名", "英文品名", "仿單圖檔連結", "外盒圖檔連結"), "tfda-insert", "tfda-39"},
		{"atc 41", "x.csv", q("許可證字號", "主或次項", "代碼", "英文分類名稱", "中文分類名稱"), "tfda-atc", "tfda-41"},
		{"appearance 42", "x.csv", q("許可證字號", "中文品名", "英文品名", "形狀", "特殊劑型", "顏色", "刻痕", "外觀尺寸", "標註一", "標註二", "外觀圖檔連結"), "tfda-appearance", "tfda-42"},
		{"ingredients 43", "x.csv", q("許可證字號", "處方標示", "成分名稱", "成分代碼", "含量描述", "含量", "含量單位"), "tfda-ingredients", "tfda-43"},
		{"myth 159 unquoted", "x.csv", []byte("分類,標題,內容,附檔連結,發布日期\n"), "tfda-myth", "tfda-159"},
		{"article 190", "x.csv", []byte("文章標題,分類,內容,上架時間\n"), "tfda-article", "tfda-190"},
		{"JSON keys cut by the head", "x.json", []byte(`[{"許可證字號":"衛署藥製字第000001號","中文品名":"x","形狀":"圓形","顏色":"白","外觀圖檔連結":"https://mcp.fda.gov.tw/insert/sha`), "tfda-appearance", "tfda-42"},
		{"unknown header, official name", "41_2.csv", q("a", "b"), "tfda-atc", "tfda-41"},
		{"unknown header, name 37", "37_2.csv", q("a", "b"), "tfda-licences", "tfda-37"},
		{"JSON object, official name", "42_5.json", []byte(`{"許可證字號":"x"}`), "tfda-appearance", "tfda-42"},
		{"unknown header, other name", "faq.csv", q("a", "b"), "", ""},
		{"XML named like an export", "36_2.csv", []byte(`<?xml version="1.0"?><xmlmessage>`), "", ""},
		{"Taipei FAQ", "faq.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><xmlmessage><datas><data>`), "", ""},
		{"official name, other extension", "36_2.xml", q("a", "b"), "", ""},
		{"number that is no dataset", "360.csv", q("a", "b"), "", ""},
		{"empty", "36_2.csv", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			formats, sources := detect(tt.file, tt.head)
			if tt.format == "" {
				if len(formats) > 0 {
					t.Errorf("claimed by %v as %v, want none", formats, sources)
				}
				return
			}
			if len(formats) != 1 || formats[0] != tt.format || sources[0] != tt.source {
				t.Errorf("detected by %v as %v, want only %s as %s", formats, sources, tt.format, tt.source)
			}
		})
	}
}

func TestReadLicencesSample(t *testing.T) {
	out := readFile(t, "tfda-licences", "36_sample.csv")
	if len(out.records) != 963 { // 963 rows, every licence once
		t.Errorf("%d records, want 963", len(out.records))
	}
	cancelled := 0
	for _, r := range out.records {
		if r.Dataset != corpus.DatasetDrug || r.Facet != corpus.FacetLicence {
			t.Fatalf("record %q is %s/%s", r.Key, r.Dataset, r.Facet)
		}
		switch r.Status {
		case corpus.StatusCancelled:
			cancelled++
		case corpus.StatusActive:
		default:
			t.Errorf("%s: status %q", r.Key, r.Status)
		}
		if r.Title == "" {
			t.Errorf("%s: no title", r.Key)
		}
	}
	if cancelled != 133 {
		t.Errorf("%d cancelled, want 133", cancelled)
	}

	r := out.record(t, "衛署藥製字第036825號")
	if r.Status != corpus.StatusCancelled || r.Title != `"優生"優田乳膏５０公/絲公克（艾賽可威）` {
		t.Errorf("036825: status %q title %q", r.Status, r.Title)
	}
	if !strings.Contains(r.Text, "註銷狀態：已註銷（2023-08-16）") || r.Fields["cancelled_on"] != "2023-08-16" {
		t.Errorf("036825: text %q fields %v", r.Text, r.Fields)
	}
	if !r.Date.Equal(time.Date(2023, 8, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("036825: date %v", r.Date)
	}
	if r.URL != "https://mcp.fda.gov.tw/im_detail_1/%E8%A1%9B%E7%BD%B2%E8%97%A5%E8%A3%BD%E5%AD%97%E7%AC%AC036825%E8%99%9F" {
		t.Errorf("036825: url %s", r.URL)
	}

	r = out.record(t, "衛署藥製字第034015號") // 主成分略述 "ACYCLOVIR;;ACYCLOVIR"
	if r.Status != corpus.StatusActive || r.Fields["indication"] != "由單純泡疹引起之感染。" || r.Fields["dosage_form"] != "乳膏劑" {
		t.Errorf("034015: %q %v", r.Status, r.Fields)
	}
	if got := r.Fields["ingredients"]; !slices.Equal(got.([]string), []string{"ACYCLOVIR"}) {
		t.Errorf("034015: ingredients %v", got)
	}
	for _, want := range []string{"中文品名：\"羅得\"安克疹乳膏", "許可證字號：衛署藥製字第034015號", "適應症：由單純泡疹引起之感染。", "劑型：乳膏劑", "主成分：ACYCLOVIR"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("034015: text %q lacks %q", r.Text, want)
		}
	}
	if strings.Contains(r.Text, "註銷") || strings.Contains(r.Text, "英文品名") {
		t.Errorf("034015: text has empty or wrong lines: %q", r.Text)
	}
}

func TestReadAppearanceReal(t *testing.T) {
	out := readFile(t, "tfda-appearance", "42_5.json")
	if len(out.records) != 6126 { // 6,126 rows, 6,126 distinct licences
		t.Errorf("%d records, want 6126", len(out.records))
	}
	ysp, bare := 0, 0
	for _, r := range out.records {
		if r.Facet != corpus.FacetAppearance || r.Status != "" || !strings.HasPrefix(r.URL, "https://mcp.fda.gov.tw/im_detail_1/") {
			t.Fatalf("%s: facet %q status %q url %q", r.Key, r.Facet, r.Status, r.URL)
		}
		items, _ := r.Fields["items"].([]any)
		if len(items) == 0 { // a row with every appearance column empty
			bare++
			if strings.Contains(r.Text, "外觀") || !strings.Contains(r.Text, "中文品名：") {
				t.Errorf("%s: text %q", r.Key, r.Text)
			}
		}
		for _, it := range items {
			m := it.(map[string]any)
			m1, _ := m["mark1"].(string)
			m2, _ := m["mark2"].(string)
			if strings.Contains(m1, "YSP") || strings.Contains(m2, "YSP") {
				ysp++
			}
		}
	}
	if ysp != 129 || bare != 4 {
		t.Errorf("%d pills marked YSP (want 129), %d licences without appearance (want 4)", ysp, bare)
	}

	r := out.record(t, "內衛成製字第000075號")
	if !strings.Contains(r.Text, "外觀：白色 圓形，刻痕：無，尺寸：8 mm，標註：FY T061") {
		t.Errorf("000075: text %q", r.Text)
	}
	if !strings.Contains(r.Text, "中文品名：\"福元\"蘇打錠500毫克") || !strings.Contains(r.Text, "英文品名：SODIUM BICARBONATE TABLETS") {
		t.Errorf("000075: names missing from %q", r.Text)
	}
	if r.Title != `"福元"蘇打錠500毫克` || r.Fields["name_en"] != `SODIUM BICARBONATE TABLETS "F.Y."` {
		t.Errorf("000075: title %q fields %v", r.Title, r.Fields)
	}

	r = out.record(t, "內衛藥製字第000107號") // 顏色 "藍;;;透明", 標註一 "YSP BTCp"
	it := r.Fields["items"].([]any)[0].(map[string]any)
	if !slices.Equal(it["color"].([]string), []string{"藍", "透明"}) || it["mark1"] != "YSP BTCp" || it["shape"].([]string)[0] != "膠囊" {
		t.Errorf("000107: item %v", it)
	}
	if !strings.Contains(r.Text, "外觀：藍色、透明 膠囊") || !strings.Contains(r.Text, "標註：YSP BTCp") {
		t.Errorf("000107: text %q", r.Text)
	}

	r = out.record(t, "衛部藥輸字第027288號") // every field ";;;"-joined, five images
	it = r.Fields["items"].([]any)[0].(map[string]any)
	if len(it["images"].([]string)) != 5 || it["mark1"] != "Lilly" || it["mark2"] != "2" || !slices.Equal(it["size"].([]string), []string{"9"}) {
		t.Errorf("027288: item %v", it)
	}
	if !strings.Contains(r.Text, "標註：Lilly / 2") {
		t.Errorf("027288: text %q", r.Text)
	}

	r = out.record(t, "衛署藥製字第042876號") // 中文品名 null
	if r.Title == "" || r.Fields["name_zh"] != nil {
		t.Errorf("042876: title %q, name_zh %v", r.Title, r.Fields["name_zh"])
	}
}

func TestReadMythReal(t *testing.T) {
	out := readFile(t, "tfda-myth", "159.csv")
	if len(out.records) != 300 {
		t.Errorf("%d records, want 300", len(out.records))
	}
	medicines, attached := 0, 0
	for _, r := range out.records {
		if r.Dataset != corpus.DatasetMyth || r.Facet != corpus.FacetMain || r.Status != corpus.StatusActive {
			t.Fatalf("%s: %s/%s %s", r.Key, r.Dataset, r.Facet, r.Status)
		}
		if r.Date.IsZero() || r.Text == "" || r.Title != r.Key {
			t.Errorf("%s: date %v, text %d bytes, title %q", r.Key, r.Date, len(r.Text), r.Title)
		}
		if r.URL != "https://data.fda.gov.tw/frontsite/data/DataAction.do?method=doDetail&infoId=159" {
			t.Errorf("%s: url %s", r.Key, r.URL)
		}
		if r.Fields["category"] == "藥品" {
			medicines++
		}
		if a, ok := r.Fields["attachments"].([]string); ok && len(a) > 0 {
			attached++
		}
	}
	if medicines != 62 || attached != 3 {
		t.Errorf("%d about medicines (want 62), %d with attachments (want 3)", medicines, attached)
	}
	r := out.records[0] // "11 17 2016"
	if r.Fields["published"] != "2016-11-17" || !r.Date.Equal(time.Date(2016, 11, 17, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first: published %v date %v", r.Fields["published"], r.Date)
	}
	if !strings.HasPrefix(r.Text, "解答：") {
		t.Errorf("first: text %q", r.Text)
	}
}

func TestReadArticleReal(t *testing.T) {
	out := readFile(t, "tfda-article", "190.csv")
	// 17 rows: two articles share the title 食藥專家出擊謠言迷思退散 (one with a
	// trailing space), so 16 documents.
	if len(out.records) != 16 {
		t.Errorf("%d records, want 16", len(out.records))
	}
	for _, r := range out.records {
		if r.Dataset != corpus.DatasetArticle || r.Date.IsZero() || r.Text == "" {
			t.Errorf("%s: dataset %s date %v text %q", r.Key, r.Dataset, r.Date, r.Text)
		}
		if strings.ContainsAny(r.Text, "<>＂") {
			t.Errorf("%s: markup left in %q", r.Key, r.Text)
		}
	}
	r := out.record(t, "兒童與成人用藥大不同，小心誤踩8大地雷區")
	if r.Fields["category"] != "用藥安全" || r.Fields["published"] != "2016-04-27" || !strings.Contains(r.Text, "兒童不是縮小版的大人") {
		t.Errorf("article: %v %q", r.Fields, r.Text[:min(200, len(r.Text))])
	}
	// The two rows titled 食藥專家出擊謠言迷思退散 hold the same text once the markup
	// is gone: the first is kept.
	if r := out.record(t, "食藥專家出擊謠言迷思退散"); r.Fields["category"] != "用藥安全" || r.Line != 6 {
		t.Errorf("repeated title: kept %v from line %d", r.Fields, r.Line)
	}
	r = out.record(t, "這樣吃...真的會致癌嗎!?") // a video alone: the title stands in
	if text, _, _ := strings.Cut(r.Text, "\n"+corpus.AskedLabel+"："); text != r.Title {
		t.Errorf("video article: text %q", r.Text)
	}
}

// TestReadThroughLoader reads real files as civicbot ingest does: detection, BOM,
// ZIP, batches per source.
func TestReadThroughLoader(t *testing.T) {
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "36.zip")
	writeZip(t, zipPath, "36_2.csv", func(w io.Writer) error { return tfda.WriteSynthetic(w, 1200, 3) })
	l := &ingest.Loader{Formats: tfda.Formats()}
	batches, err := l.Load(context.Background(), zipPath,
		filepath.Join(dataDir, "42_5.json"), filepath.Join(dataDir, "159.csv"), filepath.Join(dataDir, "190.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, b := range batches {
		got[b.Source] = len(b.Records)
		if len(b.Rejects) > 0 {
			t.Errorf("%s: rejects %v", b.Source, b.Rejects)
		}
	}
	want := map[string]int{"tfda-36": 1100, "tfda-42": 6126, "tfda-159": 300, "tfda-190": 16}
	for s, n := range want {
		if got[s] != n {
			t.Errorf("source %s: %d records, want %d (all: %v)", s, got[s], n, got)
		}
	}
}

func writeZip(tb testing.TB, path, entry string, write func(io.Writer) error) {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(entry)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	if err := write(bw); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestFacetsReadBack: what the readers write into a drug's facets is what
// corpus.Facets reads out of a stored document (the field names live in two places,
// the writer here and the reader there; this ties them).
func TestFacetsReadBack(t *testing.T) {
	stored := func(rs ...ingest.Record) corpus.Facets {
		t.Helper()
		js, err := json.Marshal(ingest.Compose(rs).Facets)
		if err != nil {
			t.Fatal(err)
		}
		var f corpus.Facets
		if err := json.Unmarshal(js, &f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	lics := readFile(t, "tfda-licences", "36_sample.csv")
	checked := 0
	for _, r := range lics.records {
		lic := stored(r).Licence()
		for k, got := range map[string]string{"name_zh": lic.NameZH, "name_en": lic.NameEN, "category": lic.Category,
			"controlled_level": lic.ControlledLevel, "indication": lic.Indication, "dosage_form": lic.DosageForm,
			"usage": lic.Usage, "cancelled_on": lic.CancelledOn, "cancel_reason": lic.CancelReason} {
			if want, _ := r.Fields[k].(string); got != strings.TrimSpace(want) {
				t.Errorf("%s: %s %q read as %q", r.Key, k, want, got)
			}
		}
		if want, _ := r.Fields["ingredients"].([]string); len(want) != len(lic.Ingredients) {
			t.Errorf("%s: ingredients %q read as %q", r.Key, want, lic.Ingredients)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no licence read")
	}

	app := readFile(t, "tfda-appearance", "42_5.json").record(t, "衛部藥輸字第027288號")
	got := stored(app).Appearance()
	if len(got.Pills) != 1 {
		t.Fatalf("027288: %d pills, want 1: %+v", len(got.Pills), got)
	}
	p := got.Pills[0]
	if len(p.Images) != 5 || !slices.Equal(p.Marks, []string{"Lilly", "2"}) || !slices.Equal(p.Size, []string{"9"}) || len(p.Color) == 0 || len(p.Shape) == 0 {
		t.Errorf("027288: pill read as %+v from %v", p, app.Fields)
	}
}
