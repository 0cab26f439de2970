package storetest

import (
	"fmt"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

// Snapshot is the date of the records made here.
var Snapshot = time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC)

// Licence is a licence record of dataset 36 named name, cancelled or valid.
func Licence(key, name string, cancelled bool) ingest.Record {
	st := corpus.StatusActive
	if cancelled {
		st = corpus.StatusCancelled
	}
	return ingest.Record{Dataset: corpus.DatasetDrug, Key: key, Facet: corpus.FacetLicence, Title: name,
		URL: "https://mcp.fda.gov.tw/im_detail_1/" + key, Text: "中文品名：" + name, Status: st,
		Fields: map[string]any{"name_zh": name}, Snapshot: Snapshot}
}

// Appearance is an appearance record of the licence key whose imprint is text.
func Appearance(key, text string) ingest.Record {
	return ingest.Record{Dataset: corpus.DatasetDrug, Key: key, Facet: corpus.FacetAppearance, Text: text,
		Fields: map[string]any{"items": []any{map[string]any{"mark1": text}}}, Snapshot: Snapshot}
}

// Licences are n licences, one in ten cancelled.
func Licences(n int) []ingest.Record {
	rs := make([]ingest.Record, n)
	for i := range rs {
		rs[i] = Licence(fmt.Sprintf("衛署藥製字第%06d號", i), fmt.Sprintf("測試藥品%d號錠", i), i%10 == 0)
	}
	return rs
}
