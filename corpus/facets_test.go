package corpus_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/civicbot/civicbot/corpus"
)

// stored is a drug document's facets as a store returns them: JSON decoded into maps
// and []any, with the odd shapes the exports have (a list where a text is expected,
// a text where a list is, a number, blanks).
const stored = `{
	"licence": {"name_zh": " 普拿疼錠 ", "name_en": "Panadol Tablets", "category": "醫師藥師藥劑生指示藥品",
		"controlled_level": "", "indication": ["退燒", "止痛"], "dosage_form": "錠劑", "usage": 3,
		"ingredients": ["ACETAMINOPHEN", " ", "CAFFEINE"], "cancelled_on": "2024-01-02", "cancel_reason": "自請註銷"},
	"appearance": {"name_zh": "普拿疼", "items": [
		{"color": ["白"], "shape": "圓形", "special_form": "膜衣錠", "score_line": "有", "size": ["12.5", "5"],
			"mark1": "P", "mark2": " ", "odor": "無", "images": ["https://example.gov.tw/1.jpg"]},
		"not an item",
		{"mark2": "500"}
	]},
	"insert": {"insert_images": "https://example.gov.tw/insert.jpg"},
	"main": {"category": "藥品", "agency": "臺北市政府衛生局", "contact_phone": "(02)2720-8889", "end_date": "2025-12-31", "asked": ["藥局可以買嗎", " ", "Is it sold over the counter?"]}
}`

func TestFacets(t *testing.T) {
	var f corpus.Facets
	if err := json.Unmarshal([]byte(stored), &f); err != nil {
		t.Fatal(err)
	}
	t.Run("licence", func(t *testing.T) {
		want := corpus.Licence{NameZH: "普拿疼錠", NameEN: "Panadol Tablets", Category: "醫師藥師藥劑生指示藥品",
			Indication: "退燒、止痛", DosageForm: "錠劑", Usage: "3", Ingredients: []string{"ACETAMINOPHEN", "CAFFEINE"},
			CancelledOn: "2024-01-02", CancelReason: "自請註銷"}
		if got := f.Licence(); !reflect.DeepEqual(got, want) {
			t.Errorf("Licence() =\n%+v, want\n%+v", got, want)
		}
	})
	t.Run("appearance", func(t *testing.T) {
		want := corpus.Appearance{NameZH: "普拿疼", Pills: []corpus.Pill{
			{Color: []string{"白"}, Shape: []string{"圓形"}, SpecialForm: "膜衣錠", ScoreLine: "有", Size: []string{"12.5", "5"},
				Marks: []string{"P"}, Odor: "無", Images: []string{"https://example.gov.tw/1.jpg"}},
			{Marks: []string{"500"}},
		}}
		if got := f.Appearance(); !reflect.DeepEqual(got, want) {
			t.Errorf("Appearance() =\n%+v, want\n%+v", got, want)
		}
	})
	t.Run("insert", func(t *testing.T) {
		if got := f.Insert().Images; !reflect.DeepEqual(got, []string{"https://example.gov.tw/insert.jpg"}) {
			t.Errorf("Insert().Images = %q", got)
		}
	})
	t.Run("main", func(t *testing.T) {
		want := corpus.Main{Category: "藥品", Agency: "臺北市政府衛生局", ContactPhone: "(02)2720-8889", EndDate: "2025-12-31",
			Asked: []string{"藥局可以買嗎", "Is it sold over the counter?"}}
		if got := f.Main(); !reflect.DeepEqual(got, want) {
			t.Errorf("Main() = %+v, want %+v", got, want)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		// The stored form stays a plain object: what is read back is what was written.
		js, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var again, orig map[string]any
		if err := json.Unmarshal(js, &again); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(stored), &orig); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, orig) {
			t.Errorf("facets changed in a round trip:\n%s", js)
		}
	})
}

// TestFacetsMissing: a document without a facet, or a facet of the wrong shape, reads
// as zero values rather than failing.
func TestFacetsMissing(t *testing.T) {
	for name, f := range map[string]corpus.Facets{
		"nil":         nil,
		"empty":       {},
		"wrong shape": {corpus.FacetLicence: "x", corpus.FacetAppearance: []any{1}, corpus.FacetMain: 3, corpus.FacetInsert: nil},
		"bad items":   {corpus.FacetAppearance: map[string]any{"items": "x"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := f.Licence(); !reflect.DeepEqual(got, corpus.Licence{}) {
				t.Errorf("Licence() = %+v", got)
			}
			if got := f.Appearance(); !reflect.DeepEqual(got, corpus.Appearance{}) {
				t.Errorf("Appearance() = %+v", got)
			}
			if got := f.Insert(); got.Images != nil {
				t.Errorf("Insert() = %+v", got)
			}
			if got := f.Main(); !reflect.DeepEqual(got, corpus.Main{}) {
				t.Errorf("Main() = %+v", got)
			}
		})
	}
}
