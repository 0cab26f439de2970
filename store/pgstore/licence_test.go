package pgstore_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestLicenceFactsBackfill: documents written before migration 00018 get the licence
// facts that the sync now derives in Go (retrieval.LicenceCoreName, LicenceKeySerial,
// LicenceKeyPrefix) when a store opens the database, for every licence title of the
// bundled data.
func TestLicenceFactsBackfill(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	if err := pgstore.MigrateTo(ctx, url, 16); err != nil {
		t.Fatal(err)
	}
	batches, err := opendata.Load(ctx, append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, b := range batches {
		for _, r := range b.Records {
			if r.Dataset == corpus.DatasetDrug && r.Title != "" {
				titles[r.Key] = r.Title
			}
		}
	}
	// Titles that exercise every rule of the name.
	for i, title := range []string{`"瑪科隆"舒必朗錠50毫克(斯比樂)`, `"全可利"膜衣錠`, "Panadol Extra 500mg", "普拿疼 加強錠", "「健喬」 感冒液 ６０ ml", "（無）", ""} {
		titles["衛署藥製字第00000"+string(rune('0'+i))+"號"] = title
	}
	if len(titles) < 1000 {
		t.Fatalf("only %d licence titles in the bundled data", len(titles))
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows [][]any
	for key, title := range titles {
		rows = append(rows, []any{corpus.DatasetDrug, key, title, "h", "active"})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"documents"}, []string{"dataset", "key", "title", "content_hash", "status"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	e := hashembed.New(8)
	s, err := pgstore.Open(ctx, url, e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	got, err := conn.Query(ctx, `SELECT key, title, coalesce(name, ''), coalesce(serial, ''), key_prefix FROM documents`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var key, title, name, serial, prefix string
	if _, err := pgx.ForEachRow(got, []any{&key, &title, &name, &serial, &prefix}, func() error {
		n++
		if want := retrieval.LicenceCoreName(title); name != want {
			t.Errorf("%s %q: name %q, want %q", key, title, name, want)
		}
		if want := retrieval.LicenceKeySerial(key); serial != want {
			t.Errorf("%s: serial %q, want %q", key, serial, want)
		}
		if want := retrieval.LicenceKeyPrefix(key); prefix != want {
			t.Errorf("%s: key prefix %q, want %q", key, prefix, want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(titles) {
		t.Errorf("%d documents, want %d", n, len(titles))
	}
}
