package asked_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/asked"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
)

// bundled reads the bundled exports' records by dataset and key.
func bundled(t *testing.T) map[string]map[string]ingest.Record {
	t.Helper()
	batches, err := opendata.Load(context.Background(), append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]ingest.Record{}
	for _, b := range batches {
		for _, r := range b.Records {
			if out[r.Dataset] == nil {
				out[r.Dataset] = map[string]ingest.Record{}
			}
			out[r.Dataset][r.Key] = r
		}
	}
	return out
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// TestBundledFiles checks the embedded files against the bundled exports: every line
// names a record by its key and its title as the reader gives it (a line naming none
// would be dropped without a word), holds two Chinese questions, one English one and
// search-box words, and the records that have some are given them.
func TestBundledFiles(t *testing.T) {
	byDataset, err := asked.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	records := bundled(t)
	for _, dataset := range []string{corpus.DatasetCityFAQ, corpus.DatasetMyth, corpus.DatasetArticle} {
		entries := byDataset[dataset]
		if len(entries) < len(records[dataset])*9/10 {
			t.Errorf("%s: questions for %d of its %d records, want ≥ 90%%", dataset, len(entries), len(records[dataset]))
		}
		for _, e := range entries {
			r, ok := records[dataset][e.Key]
			if !ok {
				t.Errorf("%s.jsonl: %q is no record of the bundled data", dataset, e.Key)
				continue
			}
			if r.Title != e.Title {
				t.Errorf("%s.jsonl: %s was written for %q, the record asks %q", dataset, e.Key, e.Title, r.Title)
				continue
			}
			if len(e.ZH) != 2 || !hasHan(e.ZH[0]) || !hasHan(e.ZH[1]) || !hasHan(e.Query) || !strings.ContainsFunc(e.EN, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) {
				t.Errorf("%s.jsonl: %s: want two Chinese questions, one English one and search-box words, got %q, %q and %q", dataset, e.Key, e.ZH, e.EN, e.Query)
			}
			if got, _ := r.Fields["asked"].([]string); !slices.Equal(got, e.Questions()) {
				t.Errorf("%s %s: asked = %q, want %q", dataset, e.Key, got, e.Questions())
			}
		}
	}
	if len(byDataset) != 3 {
		t.Errorf("files for %d datasets, want 3 (the city FAQ, myths, articles)", len(byDataset))
	}
}

// TestAddToARecord: a city FAQ read from the export gets the questions written for it
// as its asked field and as the last line of its text, labelled; the same record edited
// since (another title) gets none.
func TestAddToARecord(t *testing.T) {
	const key, title = "GIP_94145712", "交通違規簡訊服務常見問答"
	want := asked.For(corpus.DatasetCityFAQ, key, title)
	if len(want) != 3 {
		t.Fatalf("For(%s) = %q, want three questions", key, want)
	}
	data, err := os.ReadFile("../opendata/taipei/faq.xml")
	if err != nil {
		t.Fatal(err)
	}
	read := func(data []byte) ingest.Record {
		var got ingest.Record
		emit := ingest.Emit{
			Record: func(r ingest.Record) error {
				if r.Key == key {
					got = r
				}
				return nil
			},
			Reject: func(int, string) {},
		}
		if err := taipei.Formats(time.Now)[0].Read(context.Background(), bytes.NewReader(data), emit); err != nil {
			t.Fatal(err)
		}
		return got
	}
	r := read(data)
	if got, _ := r.Fields["asked"].([]string); !slices.Equal(got, want) {
		t.Errorf("asked = %q, want %q", got, want)
	}
	lines := strings.Split(r.Text, "\n")
	last := lines[len(lines)-1]
	if wantLine := corpus.AskedLabel + "：" + strings.Join(want, "／") + "／"; !strings.HasPrefix(last, wantLine) || len(last) == len(wantLine) {
		t.Errorf("last line of the text = %q, want %q and the search-box words", last, wantLine)
	}

	edited := bytes.Replace(data, []byte("<news_title>"+title+"</news_title>"), []byte("<news_title>"+title+"（修正）</news_title>"), 1)
	if bytes.Equal(edited, data) {
		t.Fatalf("%s's title not found in the export", key)
	}
	if r := read(edited); r.Fields["asked"] != nil || strings.Contains(r.Text, corpus.AskedLabel) {
		t.Errorf("an edited record kept the questions written for its old title: %q", r.Text)
	}
	if got := asked.For(corpus.DatasetCityFAQ, "GIP_0", title); got != nil {
		t.Errorf("For(an unknown key) = %q, want none", got)
	}
	// A character the export lost stands for the one the loader puts back.
	lost := strings.Replace(title, "簡訊", "\uFFFD訊", 1)
	if got := asked.For(corpus.DatasetCityFAQ, key, lost); !slices.Equal(got, want) {
		t.Errorf("For(the title with a lost character) = %q, want %q", got, want)
	}
}

// TestReadErrors: a damaged line says where it is.
func TestReadErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{\"key\":\"GIP_1\",\"title\":\"t\",\"zh\":[\"a\"],\"en\":\"b\"}\n{broken\n", "f.jsonl:2"},
		{"\n{\"key\":\"\",\"title\":\"t\"}\n", "f.jsonl:2: no key"},
	} {
		if _, err := asked.Read("f.jsonl", []byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
	got, err := asked.Read("f.jsonl", []byte("{\"key\":\"GIP_1\",\"title\":\"t\",\"zh\":[\" a \",\"\"],\"en\":\"e\"}\n"))
	if err != nil || len(got) != 1 || !slices.Equal(got[0].Questions(), []string{"a", "e"}) {
		t.Errorf("Read: %v, %+v: want one entry whose questions are a and e", err, got)
	}
}
