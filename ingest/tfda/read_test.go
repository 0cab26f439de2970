package tfda_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
)

// licenceHeader is the 28-column header of datasets 36 and 37.
const licenceHeader = `"許可證字號","註銷狀態","註銷日期","註銷理由","有效日期","發證日期","許可證種類","舊證字號","通關簽審文件編號","中文品名","英文品名","適應症","劑型","包裝","藥品類別","管制藥品分類級別","主成分略述","申請商名稱","申請商地址","申請商統一編號","製造商名稱","製造廠廠址","製造廠公司地址","製造廠國別","製程","異動日期","用法用量","包裝與國際條碼"`

// licenceRow builds a quoted 28-column row from column → value pairs.
func licenceRow(kv ...string) string {
	cols := strings.Split(strings.Trim(licenceHeader, `"`), `","`)
	vals := make([]string, len(cols))
	for i := 0; i+1 < len(kv); i += 2 {
		j := slices.Index(cols, kv[i])
		if j < 0 {
			panic("no column " + kv[i])
		}
		vals[j] = strings.ReplaceAll(kv[i+1], `"`, `""`)
	}
	return `"` + strings.Join(vals, `","`) + `"`
}

func csvFile(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestReadLicenceFields(t *testing.T) {
	data := csvFile(licenceHeader,
		licenceRow("許可證字號", "衛署藥製字第000480號", "註銷狀態", "已廢止", "註銷日期", "2013/10/16", "註銷理由", "公告廢止",
			"有效日期", "2003/05/01", "發證日期", "1969/07/09", "許可證種類", "製　劑", "舊證字號", "00000000",
			"中文品名", " 阿司匹靈錠\"K.Y.\" ", "英文品名", `ASPIRIN TABLETS "K.Y."`, "適應症", "解熱、鎮痛劑", "劑型", "錠劑",
			"包裝", "罐裝;;瓶裝", "藥品類別", "成藥", "管制藥品分類級別", "第四級管制藥品", "主成分略述", "ASPIRIN;;CAFFEINE",
			"申請商名稱", "洸洋化學製藥股份有限公司", "製造商名稱", "健康化學製藥股份有限公司", "製造廠國別", "TW",
			"異動日期", "2013/10/20", "用法用量", "每次一錠", "包裝與國際條碼", "4710000000000"),
	)
	out := mustRead(t, "tfda-licences", data)
	if len(out.records) != 1 || len(out.rejects) != 0 {
		t.Fatalf("%d records, rejects %v", len(out.records), out.rejects)
	}
	r := out.records[0]
	want := map[string]any{
		"name_zh": `阿司匹靈錠"K.Y."`, "name_en": `ASPIRIN TABLETS "K.Y."`, "indication": "解熱、鎮痛劑",
		"dosage_form": "錠劑", "packages": []string{"罐裝", "瓶裝"}, "category": "成藥",
		"controlled_level": "第四級管制藥品", "ingredients": []string{"ASPIRIN", "CAFFEINE"},
		"applicant": "洸洋化學製藥股份有限公司", "manufacturer": "健康化學製藥股份有限公司",
		"manufacturer_country": "TW", "licence_type": "製劑", "issued": "1969-07-09", "valid_until": "2003-05-01",
		"cancel_status": "已廢止", "cancelled_on": "2013-10-16", "cancel_reason": "公告廢止", "old_licence": "00000000",
		"changed_on": "2013-10-20", "usage": "每次一錠", "barcodes": []string{"4710000000000"},
	}
	for k, v := range want {
		if fmt.Sprint(r.Fields[k]) != fmt.Sprint(v) {
			t.Errorf("field %s = %#v, want %#v", k, r.Fields[k], v)
		}
	}
	for k := range r.Fields {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %s = %v", k, r.Fields[k])
		}
	}
	if r.Title != `阿司匹靈錠"K.Y."` || r.Status != corpus.StatusCancelled || r.Line != 2 {
		t.Errorf("title %q status %q line %d", r.Title, r.Status, r.Line)
	}
	if !r.Date.Equal(time.Date(2013, 10, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date %v, want the latest of 異動日期/發證日期/註銷日期", r.Date)
	}
	wantText := strings.Join([]string{
		`中文品名：阿司匹靈錠"K.Y."`,
		`英文品名：ASPIRIN TABLETS "K.Y."`,
		"許可證字號：衛署藥製字第000480號",
		"藥品類別：成藥",
		"管制藥品：第四級管制藥品",
		"適應症：解熱、鎮痛劑",
		"劑型：錠劑",
		"主成分：ASPIRIN、CAFFEINE",
		"用法用量：每次一錠",
		"申請商：洸洋化學製藥股份有限公司",
		"製造廠：健康化學製藥股份有限公司（TW）",
		"有效日期：2003-05-01",
		"註銷狀態：已廢止（2013-10-16，公告廢止）",
	}, "\n")
	if r.Text != wantText {
		t.Errorf("text\n%s\nwant\n%s", r.Text, wantText)
	}
}

func TestReadLicencesMergesRepeatedRows(t *testing.T) {
	key := "衛部藥輸字第026799號"
	data := csvFile(licenceHeader,
		licenceRow("許可證字號", key, "中文品名", "艾疹零凍晶注射劑250毫克", "包裝", "小瓶裝", "主成分略述", "ACYCLOVIR"),
		licenceRow("許可證字號", "衛署藥製字第000001號", "中文品名", "別的藥"),
		licenceRow("許可證字號", key, "中文品名", "另一個名字", "英文品名", "ACYCLOVIR FOR INJECTION", "包裝", "盒裝;;小瓶裝", "主成分略述", "ACYCLOVIR SODIUM", "包裝與國際條碼", "4711111111116"),
	)
	out := mustRead(t, "tfda-licences", data)
	if len(out.records) != 2 || len(out.rejects) != 0 {
		t.Fatalf("%d records, rejects %v", len(out.records), out.rejects)
	}
	r := out.records[0]
	if r.Key != key || r.Line != 2 || out.records[1].Key != "衛署藥製字第000001號" {
		t.Errorf("order: %s (line %d), %s", r.Key, r.Line, out.records[1].Key)
	}
	if r.Title != "艾疹零凍晶注射劑250毫克" || r.Fields["name_en"] != "ACYCLOVIR FOR INJECTION" {
		t.Errorf("first non-empty values should win: title %q name_en %v", r.Title, r.Fields["name_en"])
	}
	if got := r.Fields["packages"].([]string); !slices.Equal(got, []string{"小瓶裝", "盒裝"}) {
		t.Errorf("packages %v", got)
	}
	if got := r.Fields["ingredients"].([]string); !slices.Equal(got, []string{"ACYCLOVIR", "ACYCLOVIR SODIUM"}) {
		t.Errorf("ingredients %v", got)
	}
	if got := r.Fields["barcodes"].([]string); !slices.Equal(got, []string{"4711111111116"}) {
		t.Errorf("barcodes %v", got)
	}
}

func TestReadLicencesOlderLayout(t *testing.T) {
	header := strings.TrimSuffix(licenceHeader, `,"包裝與國際條碼"`) + `,"包裝","國際條碼"`
	row := func(key, pkg, pkg2, code string) string {
		return `"` + key + `","","","","","","製　劑","","","舊版藥錠","","","錠劑","` + pkg +
			`","成藥","","","","","","","","","","","","","` + pkg2 + `","` + code + `"`
	}
	data := csvFile(header, row("衛署成製字第000001號", "瓶裝", "盒裝", "4712345678903"), row("衛署成製字第000001號", "瓶裝", "袋裝", "4712345678910"))
	out := mustRead(t, "tfda-licences", data)
	if len(out.records) != 1 || len(out.rejects) != 0 {
		t.Fatalf("%d records, rejects %v", len(out.records), out.rejects)
	}
	r := out.records[0]
	if got := r.Fields["packages"].([]string); !slices.Equal(got, []string{"瓶裝", "盒裝", "袋裝"}) {
		t.Errorf("packages %v", got)
	}
	if got := r.Fields["barcodes"].([]string); !slices.Equal(got, []string{"4712345678903", "4712345678910"}) {
		t.Errorf("barcodes %v", got)
	}
	if r.Fields["category"] != "成藥" || r.Fields["dosage_form"] != "錠劑" {
		t.Errorf("columns shifted: %v", r.Fields)
	}
}

func TestReadLicencesEncodings(t *testing.T) {
	body := []string{
		licenceHeader,
		licenceRow("許可證字號", "衛署藥製字第000001號", "中文品名", "一號錠"),
		licenceRow("許可證字號", "衛署藥製字第000002號", "中文品名", "二號錠", "註銷狀態", "已註銷"),
	}
	plain := csvFile(body...)
	variants := map[string]string{
		"CRLF":                   plain,
		"LF":                     strings.Join(body, "\n") + "\n",
		"BOM":                    "\uFEFF" + plain,
		"no final newline":       strings.TrimSuffix(plain, "\r\n"),
		"empty last field bare":  strings.ReplaceAll(plain, `,""`+"\r\n", ",\r\n"),
		"blank lines":            strings.ReplaceAll(plain, "\r\n", "\r\n\r\n"),
		"unquoted header":        strings.ReplaceAll(body[0], `"`, "") + "\n" + strings.Join(body[1:], "\n"),
		"JSON":                   `[{"許可證字號":"衛署藥製字第000001號","註銷狀態":null,"中文品名":"一號錠"},{"許可證字號":"衛署藥製字第000002號","註銷狀態":"已註銷","中文品名":"二號錠"}]`,
		"JSON with BOM, indents": "\uFEFF\n  [\n {\"許可證字號\": \"衛署藥製字第000001號\", \"註銷狀態\": \"\", \"中文品名\": \"一號錠\"},\n {\"許可證字號\": \"衛署藥製字第000002號\", \"註銷狀態\": \"已註銷\", \"中文品名\": \"二號錠\"}\n]\n",
	}
	for name, data := range variants {
		t.Run(name, func(t *testing.T) {
			out := mustRead(t, "tfda-licences", data)
			if len(out.rejects) != 0 || len(out.records) != 2 {
				t.Fatalf("%d records, rejects %v", len(out.records), out.rejects)
			}
			a, b := out.records[0], out.records[1]
			if a.Key != "衛署藥製字第000001號" || a.Title != "一號錠" || a.Status != corpus.StatusActive ||
				b.Title != "二號錠" || b.Status != corpus.StatusCancelled {
				t.Errorf("records %q %q %q / %q %q %q", a.Key, a.Title, a.Status, b.Key, b.Title, b.Status)
			}
		})
	}
}

func TestReadBrokenFiles(t *testing.T) {
	good := licenceRow("許可證字號", "衛署藥製字第000001號", "中文品名", "一號錠")
	tests := []struct {
		name   string
		format string
		data   string
		want   []string // all in the error
	}{
		{"empty", "tfda-licences", "", []string{"empty"}},
		{"missing required column", "tfda-licences",
			csvFile(strings.Replace(licenceHeader, `"中文品名",`, "", 1), good), []string{"line 1", "中文品名"}},
		{"missing two columns", "tfda-licences", csvFile(`"許可證字號","品名"`, `"a","b"`), []string{"註銷狀態", "中文品名"}},
		{"unterminated quote", "tfda-licences",
			csvFile(licenceHeader, good) + `"衛署藥製字第000002號","","","","","","","","","二號錠` + "\r\nand the rest\r\n", []string{"line 3", "not closed"}},
		{"truncated JSON", "tfda-appearance",
			`[{"許可證字號":"衛署藥製字第000001號","形狀":"圓形"},{"許可證字號":"衛署藥製字第00`, []string{"record 2"}},
		{"JSON array not closed", "tfda-appearance", `[{"許可證字號":"衛署藥製字第000001號","形狀":"圓形"}`, []string{"after record 1", "not closed"}},
		{"JSON not an array", "tfda-appearance", `{"許可證字號":"衛署藥製字第000001號","形狀":"圓形"}`, []string{"not a JSON array"}},
		{"JSON syntax", "tfda-appearance", `[{"許可證字號":"a","形狀":"圓形"},{"許可證字號" "b"}]`, []string{"record 2"}},
		{"JSON missing key", "tfda-myth", `[{"分類":"藥品","內容":"x"}]`, []string{"record 1", "標題"}},
		{"JSON trailing data", "tfda-appearance", `[{"許可證字號":"a","形狀":"圓形"}] [1]`, []string{"after the end"}},
		{"missing one-of column", "tfda-appearance", csvFile(`"許可證字號","中文品名"`, `"a","b"`), []string{"形狀 or 顏色 or 外觀圖檔連結"}},
		{"myth without 內容", "tfda-myth", csvFile("分類,標題,發布日期", "藥品,t,11 17 2016"), []string{"內容"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := read(t, tt.format, strings.NewReader(tt.data))
			if err == nil {
				t.Fatalf("no error; %d records, %d rejects", len(out.records), len(out.rejects))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	good := func(n int) string {
		return licenceRow("許可證字號", fmt.Sprintf("衛署藥製字第%06d號", n), "中文品名", "好藥")
	}
	tests := []struct {
		name   string
		format string
		data   string
		keep   int            // records kept
		lines  map[int]string // rejected line → a word of the reason
	}{
		{"wrong field count", "tfda-licences",
			csvFile(licenceHeader, good(1), `"衛署藥製字第000002號","","短列"`, good(3)), 2, map[int]string{3: "3 fields"}},
		{"too many fields", "tfda-licences",
			csvFile(licenceHeader, good(1)+`,"多"`, good(2)), 1, map[int]string{2: "29 fields"}},
		{"empty key", "tfda-licences",
			csvFile(licenceHeader, good(1), licenceRow("許可證字號", "  ", "中文品名", "無證"), good(3)), 2, map[int]string{3: "許可證字號"}},
		{"stray quote", "tfda-licences",
			csvFile(licenceHeader, good(1), `"衛署藥製字第000002號","" x","`+strings.Repeat(`","`, 25)+`"`, good(3)), 2, map[int]string{3: "quot"}},
		{"multi-line field counts lines", "tfda-licences",
			csvFile(licenceHeader, licenceRow("許可證字號", "衛署藥製字第000001號", "中文品名", "好藥", "適應症", "一\r\n二\r\n三"), `"短"`, good(3)), 2, map[int]string{5: "1 fields"}},
		{"JSON null text is empty", "tfda-appearance",
			`[{"許可證字號":"a","中文品名":null,"形狀":"圓形","顏色":null,"標註一":null,"外觀尺寸":8}]`, 1, nil},
		{"JSON object where text is expected", "tfda-appearance",
			`[{"許可證字號":"a","形狀":"圓形"},{"許可證字號":"b","形狀":{"x":1}},{"許可證字號":"c","顏色":["白"]},{"許可證字號":"d","形狀":"圓形"}]`,
			2, map[int]string{2: "object", 3: "array"}},
		{"JSON element not an object", "tfda-appearance",
			`[{"許可證字號":"a","形狀":"圓形"},"text",null,7,{"許可證字號":"d","形狀":"圓形"}]`, 2, map[int]string{2: "string", 3: "null", 4: "number"}},
		{"JSON null key", "tfda-appearance",
			`[{"許可證字號":"a","形狀":"圓形"},{"許可證字號":null,"形狀":"圓形"},{"形狀":"圓形"}]`, 1, map[int]string{2: "許可證字號", 3: "許可證字號"}},
		{"empty title", "tfda-myth", "分類,標題,內容,附檔連結,發布日期\n藥品,,答,,11 17 2016\n藥品,問,答,,11 17 2016\n", 1, map[int]string{2: "標題"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustRead(t, tt.format, tt.data)
			if len(out.records) != tt.keep {
				t.Errorf("%d records, want %d", len(out.records), tt.keep)
			}
			got := map[int]string{}
			for _, r := range out.rejects {
				got[r.Line] = r.Reason
			}
			if len(got) != len(tt.lines) || len(out.rejects) != len(tt.lines) {
				t.Errorf("rejects %v, want lines %v", out.rejects, tt.lines)
			}
			for line, word := range tt.lines {
				if !strings.Contains(got[line], word) {
					t.Errorf("line %d: reason %q, want it to say %q (all: %v)", line, got[line], word, out.rejects)
				}
			}
		})
	}
}

func TestReadJSONValues(t *testing.T) {
	out := mustRead(t, "tfda-appearance", `[{"許可證字號":"衛署藥製字第000001號","中文品名":null,"英文品名":"ONE","形狀":"圓形;;;圓形","顏色":"紅;;;白","刻痕":"無;;;直線","外觀尺寸":8.5,"標註一":"H1;;;H2","標註二":null,"外觀圖檔連結":"https://a/1?c=o;;;https://a/2?c=o","其他":{"x":[1]}}]`)
	if len(out.records) != 1 || len(out.rejects) != 0 {
		t.Fatalf("%d records, rejects %v", len(out.records), out.rejects)
	}
	r := out.records[0]
	it := r.Fields["items"].([]any)[0].(map[string]any)
	if fmt.Sprint(it["size"]) != "[8.5]" || fmt.Sprint(it["color"]) != "[紅 白]" || it["score_line"] != "無 / 直線" ||
		it["mark1"] != "H1 / H2" || it["mark2"] != nil || fmt.Sprint(it["images"]) != "[https://a/1?c=o https://a/2?c=o]" {
		t.Errorf("item %v", it)
	}
	if r.Title != "ONE" {
		t.Errorf("title %q: without 中文品名 the English name stands in", r.Title)
	}
	if want := "外觀：紅色、白色 圓形，刻痕：無 / 直線，尺寸：8.5 mm，標註：H1 / H2"; !strings.Contains(r.Text, want) {
		t.Errorf("text %q lacks %q", r.Text, want)
	}
}

func TestReadAppearanceRows(t *testing.T) {
	head := `"許可證字號","中文品名","英文品名","形狀","特殊劑型","顏色","特殊氣味","刻痕","外觀尺寸","標註一","標註二","外觀圖檔連結"`
	data := csvFile(head,
		`"衛部藥製字第000001號","二合一錠","","圓形","","白","","直線","8","A","1","https://x/1"`,
		`"衛部藥製字第000001號","","TWO IN ONE","橢圓形","","黃","","無","12","B","","https://x/2"`,
		`"衛部藥製字第000001號","二合一錠","","圓形","","白","","直線","8","A","1","https://x/1"`, // repeated
	)
	out := mustRead(t, "tfda-appearance", data)
	if len(out.records) != 1 {
		t.Fatalf("%d records", len(out.records))
	}
	r := out.records[0]
	if n := len(r.Fields["items"].([]any)); n != 2 {
		t.Errorf("%d items, want 2 (a repeated row counts once)", n)
	}
	if r.Fields["name_zh"] != "二合一錠" || r.Fields["name_en"] != "TWO IN ONE" {
		t.Errorf("names %v", r.Fields)
	}
	want := "中文品名：二合一錠\n英文品名：TWO IN ONE\n外觀：白色 圓形，刻痕：直線，尺寸：8 mm，標註：A / 1\n外觀：黃色 橢圓形，刻痕：無，尺寸：12 mm，標註：B"
	if r.Text != want {
		t.Errorf("text\n%s\nwant\n%s", r.Text, want)
	}
}

func TestReadATC(t *testing.T) {
	data := csvFile(`"許可證字號","主或次項","代碼","英文分類名稱","中文分類名稱"`,
		`"內衛成製字第000039號","主","D08AA01","ethacridine lactate",""`,
		`"內衛成製字第000039號","次","D08AX01","hydrogen peroxide","過氧化氫"`,
		`"內衛成製字第000039號","次","D08AX01","hydrogen peroxide","過氧化氫"`,
		`"內衛成製字第000040號","主","N02BE01","paracetamol",""`,
	)
	out := mustRead(t, "tfda-atc", data)
	if len(out.records) != 2 {
		t.Fatalf("%d records", len(out.records))
	}
	r := out.records[0]
	items := r.Fields["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("items %v", items)
	}
	first, second := items[0].(map[string]any), items[1].(map[string]any)
	if first["primary"] != true || first["code"] != "D08AA01" || second["primary"] != false || second["name_zh"] != "過氧化氫" {
		t.Errorf("items %v", items)
	}
	if r.Text != "ATC：D08AA01 ethacridine lactate\nATC：D08AX01 hydrogen peroxide 過氧化氫" {
		t.Errorf("text %q", r.Text)
	}
	if r.Facet != corpus.FacetATC || r.Dataset != corpus.DatasetDrug || r.Status != "" || !strings.HasPrefix(r.URL, "https://mcp.fda.gov.tw/im_detail_1/") {
		t.Errorf("record %+v", r)
	}
}

func TestReadIngredients(t *testing.T) {
	data := csvFile(`"許可證字號","處方標示","成分名稱","成分代碼","含量描述","含量","含量單位"`,
		`"內衛成製字第000012號","EACH GM CONTAINS:","UNDECYLENATE ZINC","8404801510","200","200.000000","MG"`,
		`"內衛成製字第000012號","EACH GM CONTAINS:","UNDECYLENIC ACID","8404801500","","50.500000","MG"`,
		`"內衛成製字第000029號","","MENTHOL","8408000300","","","GM"`,
	)
	out := mustRead(t, "tfda-ingredients", data)
	if len(out.records) != 2 {
		t.Fatalf("%d records", len(out.records))
	}
	r := out.records[0]
	if r.Text != "處方標示：EACH GM CONTAINS:\n成分：UNDECYLENATE ZINC 200 MG\n成分：UNDECYLENIC ACID 50.5 MG" {
		t.Errorf("text %q", r.Text)
	}
	it := r.Fields["items"].([]any)[1].(map[string]any)
	if it["amount"] != "50.5" || it["code"] != "8404801500" || it["label"] != "EACH GM CONTAINS:" || it["amount_desc"] != nil {
		t.Errorf("item %v", it)
	}
	if out.records[1].Text != "成分：MENTHOL GM" || out.records[1].Facet != corpus.FacetIngredients {
		t.Errorf("second %q", out.records[1].Text)
	}
}

func TestReadInsert(t *testing.T) {
	data := csvFile(`"許可證字號","中文品名","英文品名","仿單圖檔連結","外盒圖檔連結"`,
		`"衛署藥製字第000480號","測試藥品","Test Drug","https://mcp.fda.gov.tw/insert/pdfcasefile/a.pdf;;https://mcp.fda.gov.tw/insert/pdfcasefile/b.pdf","https://x/box1;;;https://x/box2"`,
		`"衛署藥製字第000480號","","","https://mcp.fda.gov.tw/insert/pdfcasefile/a.pdf;https://mcp.fda.gov.tw/insert/c.pdf",""`,
	)
	out := mustRead(t, "tfda-insert", data)
	if len(out.records) != 1 {
		t.Fatalf("%d records", len(out.records))
	}
	r := out.records[0]
	if got := r.Fields["insert_images"].([]string); len(got) != 3 || got[2] != "https://mcp.fda.gov.tw/insert/c.pdf" {
		t.Errorf("insert images %v", got)
	}
	if got := r.Fields["box_images"].([]string); len(got) != 2 {
		t.Errorf("box images %v", got)
	}
	if r.Title != "測試藥品" || r.Text != "中文品名：測試藥品\n英文品名：Test Drug" || r.Facet != corpus.FacetInsert || r.Status != "" {
		t.Errorf("record %q %q %q %q", r.Title, r.Text, r.Facet, r.Status)
	}
}

func TestReadMythRepeatedTitles(t *testing.T) {
	data := "分類,標題,內容,附檔連結,發布日期\n" +
		"藥品,同題,舊答案,,03 1 2017\n" +
		"藥品,同題,新答案,,2018/05/06\n" +
		"藥品,同題,更早的答案,,01 1 2010\n" +
		"藥品,同日,短,,2018-05-06\n" +
		"藥品,同日,比較長的答案,,2018-05-06\n" +
		"藥品,同日,短,,2018-05-06\n" +
		"藥品,重複, 一樣 ,,11 17 2016\n" +
		"藥品, 重複,一樣,,11 17 2016\n" +
		"醫療器材,沒有日期,<p>答&amp;案</p>,http://a/1;;http://a/2,不明\n"
	out := mustRead(t, "tfda-myth", data)
	if len(out.rejects) != 0 {
		t.Errorf("rejects %v: a repeated title is no error", out.rejects)
	}
	want := map[string]string{"同題": "新答案", "同日": "比較長的答案", "重複": "一樣", "沒有日期": "答&案"}
	if len(out.records) != len(want) {
		t.Errorf("%d records, want %d", len(out.records), len(want))
	}
	for k, text := range want {
		if r := out.record(t, k); r.Text != text {
			t.Errorf("%s: kept %q, want %q", k, r.Text, text)
		}
	}
	r := out.record(t, "沒有日期")
	if !r.Date.IsZero() || r.Fields["published"] != nil || fmt.Sprint(r.Fields["attachments"]) != "[http://a/1 http://a/2]" {
		t.Errorf("undated: date %v fields %v", r.Date, r.Fields)
	}
	if r := out.record(t, "同題"); r.Fields["published"] != "2018-05-06" || r.Line != 3 {
		t.Errorf("同題: %v line %d", r.Fields, r.Line)
	}
}

func TestReadStopsOnCancel(t *testing.T) {
	var b strings.Builder
	if err := tfda.WriteSynthetic(&b, 3000, 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := format(t, "tfda-licences").Read(ctx, strings.NewReader(b.String()), ingest.Emit{
		Record: func(ingest.Record) error { return nil },
		Reject: func(int, string) {},
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestReadStopsOnEmitError(t *testing.T) {
	stop := errors.New("store full")
	n := 0
	err := format(t, "tfda-myth").Read(context.Background(), strings.NewReader("標題,內容\na,1\nb,2\nc,3\n"), ingest.Emit{
		Record: func(ingest.Record) error { n++; return stop },
		Reject: func(int, string) {},
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d records, want %v after 1", err, n, stop)
	}
}
