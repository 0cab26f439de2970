package ingest

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
)

// lines is a tiny format for testing the loader: "key,title" per line; a line without a
// comma is malformed; the header "key,title" identifies it.
var lines = Format{
	Name: "lines",
	Detect: func(name string, head []byte) (string, bool) {
		return "lines-" + strings.TrimSuffix(name, filepath.Ext(name)), strings.HasPrefix(string(head), "key,title")
	},
	Read: func(ctx context.Context, r io.Reader, emit Emit) error {
		sc := bufio.NewScanner(r)
		n := 0
		for sc.Scan() {
			n++
			if n == 1 {
				continue
			}
			k, t, ok := strings.Cut(sc.Text(), ",")
			if !ok {
				emit.Reject(n, "no comma")
				continue
			}
			if err := emit.Record(Record{Dataset: "d", Key: k, Title: t, Text: t, Line: n}); err != nil {
				return err
			}
		}
		return sc.Err()
	},
}

func writeFile(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func rows(n int) string {
	var b strings.Builder
	b.WriteString("key,title\n")
	for i := range n {
		fmt.Fprintf(&b, "k%d,標題%d\n", i, i)
	}
	return b.String()
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	l := &Loader{Formats: []Format{lines}}
	ctx := context.Background()

	t.Run("bom and records", func(t *testing.T) {
		p := writeFile(t, dir, "a.csv", "\xef\xbb\xbf"+rows(3))
		bs, err := l.Load(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 1 || bs[0].Source != "lines-a" || len(bs[0].Records) != 3 {
			t.Fatalf("got %+v", bs)
		}
		if bs[0].Records[0].Key != "k0" || bs[0].Records[0].Snapshot.IsZero() {
			t.Errorf("first record %+v", bs[0].Records[0])
		}
	})
	t.Run("reject within budget", func(t *testing.T) {
		p := writeFile(t, dir, "b.csv", rows(150)+"broken line\n")
		bs, err := l.Load(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs[0].Rejects) != 1 || bs[0].Rejects[0].Line != 152 || !strings.Contains(bs[0].Rejects[0].String(), "b.csv:152: no comma") {
			t.Errorf("rejects %+v", bs[0].Rejects)
		}
	})
	t.Run("past budget", func(t *testing.T) {
		p := writeFile(t, dir, "c.csv", rows(100)+"x\ny\nz\n")
		_, err := l.Load(ctx, p)
		if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "c.csv:102") {
			t.Fatalf("err = %v, want budget error naming c.csv:102", err)
		}
	})
	t.Run("big5", func(t *testing.T) {
		p := writeFile(t, dir, "d.csv", "key,title\nk1,\xa4\xa4\xa4\xe5\n")
		_, err := l.Load(ctx, p)
		if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("err = %v, want an encoding error", err)
		}
	})
	t.Run("big5 after the first block", func(t *testing.T) {
		p := writeFile(t, dir, "d2.csv", rows(2000)+"k1,\xa4\xa4\xa4\xe5\n")
		_, err := l.Load(ctx, p)
		if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("err = %v, want an encoding error", err)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		p := writeFile(t, dir, "e.txt", "something else\n")
		if _, err := l.Load(ctx, p); !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "lines") {
			t.Fatalf("err = %v, want an unrecognised-format error listing the formats", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		p := writeFile(t, dir, "f.csv", "")
		if _, err := l.Load(ctx, p); !errors.Is(err, ErrUnreadable) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("header only", func(t *testing.T) {
		p := writeFile(t, dir, "g.csv", "key,title\n")
		if _, err := l.Load(ctx, p); !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "no valid records") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("zip", func(t *testing.T) {
		p := filepath.Join(dir, "export.zip")
		f, _ := os.Create(p)
		zw := zip.NewWriter(f)
		when := time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "36_2.csv", Method: zip.Deflate, Modified: when})
		io.WriteString(w, "\xef\xbb\xbf"+rows(5))
		zw.Close()
		f.Close()
		bs, err := l.Load(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if bs[0].Source != "lines-36_2" || len(bs[0].Records) != 5 || !bs[0].Snapshot.Equal(when) {
			t.Fatalf("got source %s, %d records, snapshot %s", bs[0].Source, len(bs[0].Records), bs[0].Snapshot)
		}
		// A truncated copy is refused.
		data, _ := os.ReadFile(p)
		tp := filepath.Join(dir, "truncated.zip")
		os.WriteFile(tp, data[:len(data)/2], 0o644)
		if _, err := l.Load(ctx, tp); !errors.Is(err, ErrUnreadable) {
			t.Fatalf("truncated zip: err = %v", err)
		}
	})
	t.Run("source override and merge", func(t *testing.T) {
		a := writeFile(t, dir, "h1.csv", "key,title\nk1,舊\nk2,二\n")
		b := writeFile(t, dir, "h2.csv", "key,title\nk1,新\nk3,三\n")
		l := &Loader{Formats: []Format{lines}, Source: "mine", Snapshot: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
		bs, err := l.Load(ctx, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 1 || bs[0].Source != "mine" || len(bs[0].Records) != 3 || bs[0].Records[0].Title != "新" {
			t.Fatalf("got %+v", bs)
		}
		if !bs[0].Records[2].Snapshot.Equal(l.Snapshot) {
			t.Errorf("snapshot %s, want %s", bs[0].Records[2].Snapshot, l.Snapshot)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := l.Load(ctx, filepath.Join(dir, "nope.csv")); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestCompose(t *testing.T) {
	lic := Record{Dataset: corpus.DatasetDrug, Key: "衛署藥製字第000001號", Facet: corpus.FacetLicence, Title: "普拿疼錠", URL: "https://lic", Text: "中文品名：普拿疼錠", Status: corpus.StatusCancelled,
		Fields: map[string]any{"category": "成藥"}, Snapshot: time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC)}
	app := Record{Dataset: corpus.DatasetDrug, Key: lic.Key, Facet: corpus.FacetAppearance, Title: "普拿疼 (42)", URL: "https://img", Text: "外觀：白色 圓形",
		Fields: map[string]any{"items": []any{map[string]any{"color": "白"}}}, Snapshot: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}

	d := Compose([]Record{app, lic})
	if d.Title != "普拿疼錠" || d.URL != "https://lic" || d.Status != corpus.StatusCancelled {
		t.Errorf("licence facet should win: %+v", d)
	}
	if d.Body != "中文品名：普拿疼錠\n外觀：白色 圓形" {
		t.Errorf("body %q", d.Body)
	}
	if len(d.Facets) != 2 || d.Facets[corpus.FacetAppearance] == nil {
		t.Errorf("facets %v", d.Facets)
	}
	if !d.Snapshot.Equal(app.Snapshot) {
		t.Errorf("snapshot %s, want the newest", d.Snapshot)
	}
	if d2 := Compose([]Record{lic, app}); d2.Hash != d.Hash {
		t.Error("hash depends on record order")
	}
	onlyApp := Compose([]Record{app})
	if onlyApp.Title != "普拿疼 (42)" || onlyApp.Status != corpus.StatusActive {
		t.Errorf("a document known only from 42: %+v", onlyApp)
	}
	changed := app
	changed.Text = "外觀：黃色 圓形"
	if Compose([]Record{lic, changed}).Hash == d.Hash {
		t.Error("hash ignores a changed facet")
	}
	later := lic
	later.Snapshot = later.Snapshot.AddDate(1, 0, 0)
	if Compose([]Record{later, app}).Hash != d.Hash {
		t.Error("the snapshot date must not change the content hash")
	}
	if RecordHash(lic) == RecordHash(app) {
		t.Error("different records hash the same")
	}
	moved := lic
	moved.Line = 99
	if RecordHash(moved) != RecordHash(lic) {
		t.Error("record hash depends on its line number")
	}
}

func TestChunks(t *testing.T) {
	short := Document{Title: "標題", Body: "一段短文。"}
	if cs := Chunks(short); len(cs) != 1 || cs[0].Text != "一段短文。" {
		t.Errorf("short: %+v", cs)
	}
	if cs := Chunks(Document{Title: "只有標題"}); len(cs) != 1 || cs[0].Text != "只有標題" {
		t.Errorf("empty body: %+v", cs)
	}
	long := Document{Title: "長文", Body: strings.Repeat("這是一個句子，說明申請的方式。", 120)}
	cs := Chunks(long)
	if len(cs) < 3 {
		t.Fatalf("long body gave %d chunks", len(cs))
	}
	for i, c := range cs {
		if c.Ord != i {
			t.Errorf("chunk %d has ord %d", i, c.Ord)
		}
		if n := len([]rune(c.Text)); n > ChunkSize+ChunkOverlap {
			t.Errorf("chunk %d has %d runes", i, n)
		}
	}
	if got := EmbedText(long, cs[1]); !strings.HasPrefix(got, "長文\n") {
		t.Errorf("later chunks carry the title: %q", got[:20])
	}
}
