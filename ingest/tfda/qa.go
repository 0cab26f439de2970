package tfda

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/asked"
	"github.com/civicbot/civicbot/ingest/htmltext"
)

// Columns of the Q&A datasets 159 and 190, which differ only in their names.
const (
	qTitle = iota
	qCategory
	qContent
	qDate
	qAttachments
)

var mythTable = &table{
	cols:     []string{"標題", "分類", "內容", "發布日期", "附檔連結"},
	required: []string{"標題", "內容"},
	key:      qTitle,
}

var articleTable = &table{
	cols:     []string{"文章標題", "分類", "內容", "上架時間"},
	required: []string{"文章標題", "內容"},
	key:      qTitle,
}

// 159 食藥闢謠專區.
func readMyth(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	return readQA(ctx, r, emit, mythTable, corpus.DatasetMyth, idMyth)
}

// 190 食藥好文網懶人包.
func readArticle(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	return readQA(ctx, r, emit, articleTable, corpus.DatasetArticle, idArticle)
}

// readQA keys the rows by their title. A title that repeats is one document: identical
// rows count once; otherwise the latest row wins, then the longer text, since both are
// the agency's own and neither is malformed.
func readQA(ctx context.Context, r io.Reader, emit ingest.Emit, t *table, dataset, id string) error {
	byKey := map[string]int{}
	var recs []ingest.Record
	err := t.scan(ctx, r, emit, func(line int, v []string) error {
		title := v[qTitle]
		date, _ := parseDate(strings.TrimSpace(v[qDate]))
		fields := map[string]any{}
		setNonEmpty(fields, "category", strings.TrimSpace(v[qCategory]))
		if len(t.cols) > qAttachments {
			setNonEmpty(fields, "attachments", splitLinks(v[qAttachments]))
		}
		if !date.IsZero() {
			fields["published"] = date.Format(time.DateOnly)
		}
		text := htmltext.String(v[qContent])
		if text == "" {
			// Some articles are a picture or a video alone: the title is all
			// there is to find them by.
			text = title
		}
		rec := ingest.Record{
			Dataset: dataset,
			Key:     title,
			Facet:   corpus.FacetMain,
			Title:   title,
			URL:     datasetURL(id),
			Text:    text,
			Fields:  fields,
			Status:  corpus.StatusActive,
			Date:    date,
			Line:    line,
		}
		asked.Add(&rec)
		i, seen := byKey[title]
		if !seen {
			byKey[title] = len(recs)
			recs = append(recs, rec)
			return nil
		}
		if prev := recs[i]; newer(rec, prev) {
			recs[i] = rec
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, rec := range recs {
		if i%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := emit.Record(rec); err != nil {
			return err
		}
	}
	return nil
}

// newer reports whether a repeated title's row should replace the one kept.
func newer(rec, prev ingest.Record) bool {
	if rec.Text == prev.Text {
		return false
	}
	if !rec.Date.Equal(prev.Date) {
		return rec.Date.After(prev.Date)
	}
	return len(rec.Text) > len(prev.Text)
}
