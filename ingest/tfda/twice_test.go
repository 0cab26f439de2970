package tfda

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/ingest"
)

// TestReadLicencesTwice checks that the two-pass reading of a licence export (for
// streamed batches, which must not hold the export) gives the records of the one-pass
// reading, and the same rejects.
func TestReadLicencesTwice(t *testing.T) {
	var csv bytes.Buffer
	if err := WriteSynthetic(&csv, 6000, 3); err != nil {
		t.Fatal(err)
	}
	read := func(again bool) ([]ingest.Record, []int) {
		var recs []ingest.Record
		var rejects []int
		emit := ingest.Emit{
			Record: func(r ingest.Record) error { recs = append(recs, r); return nil },
			Reject: func(line int, _ string) { rejects = append(rejects, line) },
		}
		if again {
			emit.Again = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(csv.Bytes())), nil }
		}
		if err := readLicences(context.Background(), bytes.NewReader(csv.Bytes()), emit); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(recs, func(a, b ingest.Record) int { return strings.Compare(a.Key, b.Key) })
		return recs, rejects
	}
	once, onceRejects := read(false)
	twice, twiceRejects := read(true)
	if len(once) < 5000 || len(once) >= 6000 {
		t.Fatalf("%d licences from 6000 rows: the synthetic export should repeat some", len(once))
	}
	if !reflect.DeepEqual(once, twice) {
		t.Errorf("two passes gave %d records, one pass %d, not the same", len(twice), len(once))
	}
	if !slices.Equal(onceRejects, twiceRejects) {
		t.Errorf("rejects: one pass %v, two passes %v", onceRejects, twiceRejects)
	}
}

// TestReadLicencesChangedBetweenPasses: an export whose second reading has more rows
// of a licence than the first counted (it changed between the passes) fails with
// ingest.ErrChanged when the extra row is read, before the licence is given twice.
func TestReadLicencesChangedBetweenPasses(t *testing.T) {
	var csv bytes.Buffer
	if err := WriteSynthetic(&csv, 300, 3); err != nil {
		t.Fatal(err)
	}
	first := csv.String()
	// The second reading repeats its last row.
	body := strings.TrimSuffix(first, "\n")
	grown := first + body[strings.LastIndex(body, "\n")+1:] + "\n"
	keys := map[string]int{}
	emit := ingest.Emit{
		Record: func(r ingest.Record) error { keys[r.Key]++; return nil },
		Reject: func(int, string) {},
		Again:  func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(grown)), nil },
	}
	err := readLicences(context.Background(), strings.NewReader(first), emit)
	if !errors.Is(err, ingest.ErrChanged) {
		t.Fatalf("err = %v, want ingest.ErrChanged", err)
	}
	for k, n := range keys {
		if n > 1 {
			t.Errorf("licence %s given %d times", k, n)
		}
	}
}

// TestReadFacetsTwice checks that the two-pass reading of the facet datasets (39, 41,
// 42, 43) gives the records and rejects of the one-pass reading, a licence's rows
// apart in the file included; and that an export changed between the passes fails
// with ingest.ErrChanged.
func TestReadFacetsTwice(t *testing.T) {
	var ingredients bytes.Buffer
	if err := WriteSyntheticIngredients(&ingredients, 3000, 5); err != nil {
		t.Fatal(err)
	}
	appearance, err := os.ReadFile(filepath.Join("..", "opendata", "tfda", "42_5.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		read func(context.Context, io.Reader, ingest.Emit) error
		data string
		// at least this many records, the most rows one gathers
		records, rows int
	}{
		{"43 synthetic", readIngredients, ingredients.String(), 2700, 4},
		{"42 bundled JSON", readAppearance, string(appearance), 3000, 1},
		{"41 rows apart", readATC, rowsOf(`"許可證字號","主或次項","代碼","英文分類名稱","中文分類名稱"`,
			`"內衛成製字第000039號","主","D08AA01","ethacridine lactate",""`,
			`"內衛成製字第000040號","主","N02BE01","paracetamol",""`,
			`"內衛成製字第000039號","次","D08AX01","hydrogen peroxide","過氧化氫"`,
			`"內衛成製字第000041號","主"`,
			`"內衛成製字第000039號","次","D08AX01","hydrogen peroxide","過氧化氫"`,
		), 2, 2},
		{"39 rows apart", readInsert, rowsOf(`"許可證字號","中文品名","英文品名","仿單圖檔連結","外盒圖檔連結"`,
			`"衛署藥製字第000480號","測試藥品","Test Drug","https://x/a.pdf",""`,
			`"衛署藥製字第000481號","別的藥品","","https://x/b.pdf",""`,
			`"衛署藥製字第000480號","","","https://x/c.pdf","https://x/box1"`,
		), 2, 1},
	}
	read := func(t *testing.T, fn func(context.Context, io.Reader, ingest.Emit) error, data, again string) ([]ingest.Record, []int, error) {
		var recs []ingest.Record
		var rejects []int
		emit := ingest.Emit{
			Record: func(r ingest.Record) error { recs = append(recs, r); return nil },
			Reject: func(line int, _ string) { rejects = append(rejects, line) },
		}
		if again != "" {
			emit.Again = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(again)), nil }
		}
		err := fn(context.Background(), strings.NewReader(data), emit)
		slices.SortFunc(recs, func(a, b ingest.Record) int { return strings.Compare(a.Key, b.Key) })
		return recs, rejects, err
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			once, onceRejects, err := read(t, c.read, c.data, "")
			if err != nil {
				t.Fatal(err)
			}
			twice, twiceRejects, err := read(t, c.read, c.data, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(once) < c.records {
				t.Fatalf("%d records, want at least %d", len(once), c.records)
			}
			most := 0
			for _, r := range once {
				if items, ok := r.Fields["items"].([]any); ok {
					most = max(most, len(items))
				}
				if images, ok := r.Fields["insert_images"].([]string); ok {
					most = max(most, len(images)-1)
				}
			}
			if most < c.rows {
				t.Errorf("a record gathers at most %d rows, want %d", most, c.rows)
			}
			if !reflect.DeepEqual(once, twice) {
				t.Errorf("two passes gave %d records, one pass %d, not the same", len(twice), len(once))
			}
			if !slices.Equal(onceRejects, twiceRejects) {
				t.Errorf("rejects: one pass %v, two passes %v", onceRejects, twiceRejects)
			}
		})
	}
	t.Run("changed between the passes", func(t *testing.T) {
		first := ingredients.String()
		body := strings.TrimSuffix(first, "\r\n")
		grown := first + body[strings.LastIndex(body, "\n")+1:] + "\r\n"
		recs, _, err := read(t, readIngredients, first, grown)
		if !errors.Is(err, ingest.ErrChanged) {
			t.Fatalf("err = %v, want ingest.ErrChanged", err)
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].Key == recs[i-1].Key {
				t.Errorf("licence %s given twice", recs[i].Key)
			}
		}
	})
}

// rowsOf is a CSV export of lines, as the platform ends them.
func rowsOf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }
