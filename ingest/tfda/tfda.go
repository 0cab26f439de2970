// Package tfda reads the Taiwan FDA (食品藥物管理署) open-data exports civicbot answers
// medication questions from: drug licences (datasets 36 and 37) with their package
// inserts (39), ATC codes (41), pill appearance (42) and detailed ingredients (43), the
// myth-busting Q&A (159) and the consumer articles (190).
//
// Every reader takes the CSV or the JSON export (the caller unpacks the ZIP), merges the
// rows of one key into one record, and rejects malformed rows with their line number.
package tfda

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path"
	"strings"
	"unicode"

	"github.com/civicbot/civicbot/ingest"
)

// Dataset identifiers as the TFDA platform numbers them (export/{id}/csv).
const (
	idLicences    = "36" // 36 全部藥品許可證; 37 未註銷藥品許可證 has the same layout
	idLicences37  = "37"
	idInsert      = "39"
	idATC         = "41"
	idAppearance  = "42"
	idIngredients = "43"
	idMyth        = "159"
	idArticle     = "190"
)

// Formats returns the readers of every TFDA export, one per layout.
func Formats() []ingest.Format {
	return []ingest.Format{
		{Name: "tfda-licences", Detect: detector(idLicences), Read: readLicences},
		{Name: "tfda-insert", Detect: detector(idInsert), Read: readInsert},
		{Name: "tfda-atc", Detect: detector(idATC), Read: readATC},
		{Name: "tfda-appearance", Detect: detector(idAppearance), Read: readAppearance},
		{Name: "tfda-ingredients", Detect: detector(idIngredients), Read: readIngredients},
		{Name: "tfda-myth", Detect: detector(idMyth), Read: readMyth},
		{Name: "tfda-article", Detect: detector(idArticle), Read: readArticle},
	}
}

// detector decides by the columns first, so that a renamed file is still read by the
// right format, and falls back to the official file name ({id}_2.csv, {id}_5.json) only
// when the columns say nothing, so that a file with a broken header still reaches a
// reader that can say which columns are missing.
func detector(id string) func(name string, head []byte) (string, bool) {
	return func(name string, head []byte) (string, bool) {
		fromName := idFromName(name)
		cols, kind := headColumns(head)
		got := classify(cols)
		if got == "" {
			if kind == headOther {
				return "", false
			}
			got = fromName
			if got == idLicences37 {
				got = idLicences
			}
		}
		if got != id {
			return "", false
		}
		if id == idLicences && fromName == idLicences37 {
			return "tfda-" + idLicences37, true
		}
		return "tfda-" + id, true
	}
}

// classify names the dataset a header belongs to, "" if none. The checks use columns
// that only one dataset has: 42 and 39 also carry 許可證字號 and 中文品名.
func classify(cols []string) string {
	has := func(names ...string) bool {
		for _, n := range names {
			for _, c := range cols {
				if c == n {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has("文章標題") && has("內容"):
		return idArticle
	case has("標題") && has("內容"):
		return idMyth
	case !has("許可證字號"):
		return ""
	case has("註銷狀態", "許可證種類", "主成分略述", "適應症"):
		return idLicences
	case has("外觀圖檔連結", "形狀", "刻痕", "標註一"):
		return idAppearance
	case has("仿單圖檔連結", "外盒圖檔連結"):
		return idInsert
	case has("主或次項", "英文分類名稱"):
		return idATC
	case has("成分名稱", "成分代碼", "處方標示"):
		return idIngredients
	}
	return ""
}

// idFromName reads the dataset number from an official export name: "36_2.csv",
// "42_5.json", "159.csv".
func idFromName(name string) string {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	ext := path.Ext(base)
	if ext != ".csv" && ext != ".json" {
		return ""
	}
	n := 0
	for n < len(base) && base[n] >= '0' && base[n] <= '9' {
		n++
	}
	if n == 0 || (n < len(base)-len(ext) && base[n] != '_' && base[n] != '-') {
		return ""
	}
	switch id := base[:n]; id {
	case idLicences, idLicences37, idInsert, idATC, idAppearance, idIngredients, idMyth, idArticle:
		return id
	}
	return ""
}

type headKind int

const (
	headCSV   headKind = iota
	headJSON           // an array
	headOther          // XML, a JSON object, nothing: not a table
)

// headColumns returns the column names in the first bytes of a file: the CSV header
// line or the keys of the first object of a JSON array.
func headColumns(head []byte) ([]string, headKind) {
	head = bytes.TrimPrefix(head, bom)
	head = bytes.TrimLeftFunc(head, unicode.IsSpace)
	if len(head) == 0 {
		return nil, headOther
	}
	switch head[0] {
	case '[':
		return jsonKeys(head), headJSON
	case '{':
		return nil, headJSON // not an array: the reader will say so
	case '<':
		return nil, headOther
	}
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i+1]
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	names, err := cr.Read()
	if err != nil {
		return nil, headCSV
	}
	for i := range names {
		names[i] = columnName(names[i])
	}
	return names, headCSV
}

// jsonKeys returns the keys of the first object of a JSON array, as far as head
// holds them.
func jsonKeys(head []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return nil
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		k, ok := t.(string)
		if !ok {
			break
		}
		keys = append(keys, columnName(k))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			break
		}
	}
	return keys
}

var bom = []byte("\uFEFF")

func columnName(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF"))
}
