package pgstore_test

import (
	"context"
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestOpenRederivesAnIndexOfAnotherVersion: a database written under another index
// version (another tokeniser, other lists of lexicons/index) holds keyword vectors,
// drug words and licence facts the search no longer makes; Open derives them again from
// the stored text, records the version, and the search finds by the current words.
func TestOpenRederivesAnIndexOfAnotherVersion(t *testing.T) {
	ctx := context.Background()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	url := pgtest.New(t)
	s := open(t, url, e)
	faq := ingest.Record{Dataset: corpus.DatasetCityFAQ, Key: "faq-1", Title: "愛心悠遊卡遺失補辦", Text: "愛心悠遊卡遺失時請至區公所補辦。", Snapshot: snap}
	if _, err := s.Sync(ctx, []*ingest.Batch{batch("faq", faq), batch("tfda", licence("衛署藥製字第029478號", "普拿疼錠 Panadol Tablets", false))}, ingest.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	var recorded string
	if err := s.Pool().QueryRow(ctx, `SELECT value FROM settings WHERE name = 'index_version'`).Scan(&recorded); err != nil || recorded != retrieval.IndexVersion() {
		t.Fatalf("index version recorded at first open = %q, %v; want %q", recorded, err, retrieval.IndexVersion())
	}
	want := map[string]int{
		`SELECT count(*) FROM chunks WHERE tsv @@ '遺失'::tsquery`:           count(t, s, `SELECT count(*) FROM chunks WHERE tsv @@ '遺失'::tsquery`),
		`SELECT count(*) FROM documents WHERE title_tsv @@ '悠遊'::tsquery`:  1,
		`SELECT count(*) FROM drug_words WHERE word = 'panadol'`:           count(t, s, `SELECT count(*) FROM drug_words WHERE word = 'panadol'`),
		`SELECT count(*) FROM documents WHERE name = '普拿疼錠panadoltablets'`: count(t, s, `SELECT count(*) FROM documents WHERE name = '普拿疼錠panadoltablets'`),
		`SELECT count(*) FROM lexemes WHERE word = '遺失'`:                   1,
	}
	for q, n := range want {
		if n == 0 {
			t.Fatalf("%s: 0 before any change", q)
		}
	}
	s.Close()

	// What an older version made («lexicon A»): other words everywhere.
	stale := func(version string) {
		t.Helper()
		db := open(t, url, e)
		for _, q := range []string{
			`UPDATE chunks SET tsv = to_tsvector('simple', '舊版 詞表')`,
			`UPDATE documents SET title_tsv = to_tsvector('simple', '舊版'), name = CASE WHEN name IS NULL THEN NULL ELSE 'stale' END`,
			`DELETE FROM drug_words`,
			`DELETE FROM lexemes`,
			`INSERT INTO lexemes (word, ndoc) VALUES ('舊版', 2)`,
		} {
			if _, err := db.Pool().Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Pool().Exec(ctx, `UPDATE settings SET value = $1 WHERE name = 'index_version'`, version); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}

	// The control: recorded as the current version, the stale index is believed.
	stale(retrieval.IndexVersion())
	s = open(t, url, e)
	if n := count(t, s, `SELECT count(*) FROM chunks WHERE tsv @@ '遺失'::tsquery`); n != 0 {
		t.Fatalf("control: %d chunks hold 遺失 without a change of version", n)
	}
	s.Close()

	stale("lexicon-a")
	s = open(t, url, e)
	for q, n := range want {
		if got := count(t, s, q); got != n {
			t.Errorf("%s = %d after Open with another version, want %d", q, got, n)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM chunks WHERE tsv @@ '舊版'::tsquery`); n != 0 {
		t.Errorf("%d chunks still hold the old version's words", n)
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: "悠遊卡遺失"})
	if err != nil || len(hits) == 0 || hits[0].Key != "faq-1" {
		t.Errorf("search after re-derivation = %v, %v; want faq-1 first", hits, err)
	}
	if err := s.Pool().QueryRow(ctx, `SELECT value FROM settings WHERE name = 'index_version'`).Scan(&recorded); err != nil || recorded != retrieval.IndexVersion() {
		t.Errorf("index version recorded = %q, %v; want %q", recorded, err, retrieval.IndexVersion())
	}
}
