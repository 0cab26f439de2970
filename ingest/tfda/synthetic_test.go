package tfda_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
)

func synthetic(tb testing.TB, rows int, seed int64) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := tfda.WriteSynthetic(&b, rows, seed); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestWriteSyntheticReadsCleanly(t *testing.T) {
	const rows = 6000
	data := synthetic(t, rows, 7)
	out, err := read(t, "tfda-licences", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rejects) != 0 {
		t.Fatalf("%d rejects, first %v", len(out.rejects), out.rejects[0])
	}
	if want := rows - rows/12; len(out.records) != want {
		t.Errorf("%d licences, want %d", len(out.records), want)
	}
	if formats, sources := detect("36_2.csv", bytes.TrimPrefix(data[:8<<10], []byte("\uFEFF"))); !slices.Equal(sources, []string{"tfda-36"}) {
		t.Errorf("detected by %v as %v", formats, sources)
	}

	keyPattern := regexp.MustCompile(`^(內衛|衛署|衛部)(藥|成|菌疫)(製|輸|陸輸)字第\d{6}號$`)
	cancelled, fullWidth, tagged := 0, 0, 0
	categories := map[string]int{}
	for _, r := range out.records {
		if !keyPattern.MatchString(r.Key) {
			t.Fatalf("licence number %q", r.Key)
		}
		if r.Status == corpus.StatusCancelled {
			cancelled++
			if r.Fields["cancelled_on"] == nil || r.Fields["cancel_reason"] == nil {
				t.Errorf("%s: cancelled without date or reason: %v", r.Key, r.Fields)
			}
		}
		if strings.ContainsAny(r.Title, "０１２３４５６７８９") {
			fullWidth++
		}
		if strings.ContainsAny(r.Title, `"〝“”「`) {
			tagged++
		}
		categories[r.Fields["category"].(string)]++
		for _, k := range []string{"name_en", "indication", "dosage_form", "packages", "applicant", "manufacturer", "licence_type", "issued", "valid_until", "changed_on"} {
			if r.Fields[k] == nil {
				t.Fatalf("%s: no %s in %v", r.Key, k, r.Fields)
			}
		}
		if lt := r.Fields["licence_type"]; lt != "製劑" && lt != "菌疫" && lt != "體外試劑" {
			t.Errorf("%s: licence type %v", r.Key, lt)
		}
	}
	if share := float64(cancelled) / float64(len(out.records)); share < 0.14 || share > 0.22 {
		t.Errorf("%.1f%% cancelled, want about 18%%", share*100)
	}
	if fullWidth < len(out.records)/10 || tagged < len(out.records)/2 {
		t.Errorf("%d names with full-width digits, %d with maker tags, of %d", fullWidth, tagged, len(out.records))
	}
	for _, c := range []string{"須由醫師處方使用", "醫師藥師藥劑生指示藥品", "成藥", "乙類成藥"} {
		if categories[c] == 0 {
			t.Errorf("no licence of category %s: %v", c, categories)
		}
	}
}

// TestWriteSyntheticLayout checks the bytes against the official export: BOM, CRLF,
// the 28 columns, every field quoted but an empty last one, repeats adjacent with
// other packaging.
func TestWriteSyntheticLayout(t *testing.T) {
	data := synthetic(t, 1200, 1)
	if !bytes.HasPrefix(data, []byte("\uFEFF\"許可證字號\",\"註銷狀態\"")) {
		t.Fatalf("starts %q", data[:40])
	}
	if n, crlf := bytes.Count(data, []byte("\n")), bytes.Count(data, []byte("\r\n")); n != 1201 || crlf != n {
		t.Errorf("%d lines, %d CRLF, want 1201 CRLF lines", n, crlf)
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")[1:] {
		if !strings.HasPrefix(line, `"`) || !(strings.HasSuffix(line, `"`) || strings.HasSuffix(line, `",`)) {
			t.Fatalf("line not quoted as the export is: %q", line)
		}
	}
	repeats := 0
	for i := 2; i < len(recs); i++ {
		if len(recs[i]) != 28 {
			t.Fatalf("row %d has %d fields", i, len(recs[i]))
		}
		if recs[i][0] == recs[i-1][0] {
			repeats++
			if recs[i][13] == recs[i-1][13] {
				t.Errorf("%s repeats with the same packaging %q", recs[i][0], recs[i][13])
			}
		}
	}
	if repeats != 100 {
		t.Errorf("%d repeated rows, want 1200/12", repeats)
	}
	if !bytes.Equal(data, synthetic(t, 1200, 1)) {
		t.Error("the same seed wrote different bytes")
	}
	if bytes.Equal(data, synthetic(t, 1200, 2)) {
		t.Error("another seed wrote the same bytes")
	}
	if got := synthetic(t, 0, 1); strings.Count(string(got), "\n") != 1 {
		t.Errorf("0 rows: %q", got)
	}
	if err := tfda.WriteSynthetic(&bytes.Buffer{}, -1, 1); err == nil {
		t.Error("negative rows: no error")
	}
}

func TestSyntheticRepeatsMerge(t *testing.T) {
	data := synthetic(t, 600, 5)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var key string
	var pkgs []string
	for i := 2; i < len(recs) && key == ""; i++ {
		if recs[i][0] == recs[i-1][0] {
			key = recs[i][0]
			for _, p := range strings.Split(recs[i-1][13]+";;"+recs[i][13], ";;") {
				if !slices.Contains(pkgs, p) {
					pkgs = append(pkgs, p)
				}
			}
		}
	}
	out := mustRead(t, "tfda-licences", string(data))
	got := out.record(t, key).Fields["packages"].([]string)
	if !slices.Equal(got, pkgs) {
		t.Errorf("%s: packages %v, want the union %v", key, got, pkgs)
	}
}

func BenchmarkReadLicences(b *testing.B) {
	const rows = 72000
	data := synthetic(b, rows, 1)
	read := format(b, "tfda-licences").Read
	emit := ingest.Emit{
		Record: func(ingest.Record) error { return nil },
		Reject: func(line int, reason string) { b.Fatalf("reject at line %d: %s", line, reason) },
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := read(context.Background(), bytes.NewReader(data), emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestWriteSyntheticIngredients: the synthetic dataset-43 export is read cleanly as
// dataset 43, and gives one to four ingredients to every licence of the dataset-36
// export of the same rows and seed, and to no other.
func TestWriteSyntheticIngredients(t *testing.T) {
	const rows, seed = 3000, 4
	var b bytes.Buffer
	if err := tfda.WriteSyntheticIngredients(&b, rows, seed); err != nil {
		t.Fatal(err)
	}
	out, err := read(t, "tfda-ingredients", bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rejects) != 0 {
		t.Fatalf("%d rejects, first %v", len(out.rejects), out.rejects[0])
	}
	if formats, sources := detect("43_2.csv", bytes.TrimPrefix(b.Bytes()[:4<<10], []byte("\uFEFF"))); !slices.Equal(sources, []string{"tfda-43"}) {
		t.Errorf("detected by %v as %v", formats, sources)
	}
	licences, err := read(t, "tfda-licences", bytes.NewReader(synthetic(t, rows, seed)))
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, r := range licences.records {
		want = append(want, r.Key)
	}
	most := 0
	for _, r := range out.records {
		got = append(got, r.Key)
		n := len(r.Fields["items"].([]any))
		if n < 1 || n > 4 {
			t.Errorf("%s: %d ingredients", r.Key, n)
		}
		most = max(most, n)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || most < 3 {
		t.Errorf("%d licences with ingredients (at most %d), want the %d of dataset 36", len(got), most, len(want))
	}
}
