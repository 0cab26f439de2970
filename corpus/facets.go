package corpus

import (
	"fmt"
	"strings"
)

// Facets are a document's facets as the stores keep them: facet name (FacetMain,
// FacetLicence, ...) → that facet's fields, the JSON object ingest composes. The
// stored and JSON form stays a plain object, so that a reader may add fields without
// a migration; the methods read the facets that the answers use as Go values, with
// the field names in this one place.
//
// Reading is lenient, as the data are: a text field given as a list reads as its
// items joined with 「、」, a list given as one text reads as a list of one, a number
// reads as its decimal text, and a missing facet or field reads as its zero value.
type Facets map[string]any

// Licence is the licence facet of a drug (TFDA datasets 36/37).
type Licence struct {
	NameZH          string   // name_zh
	NameEN          string   // name_en
	Category        string   // category: 須由醫師處方使用, 醫師藥師藥劑生指示藥品, 成藥, ...
	ControlledLevel string   // controlled_level
	Indication      string   // indication
	DosageForm      string   // dosage_form
	Usage           string   // usage
	Ingredients     []string // ingredients
	CancelledOn     string   // cancelled_on, YYYY-MM-DD
	CancelReason    string   // cancel_reason
}

// Appearance is the appearance facet of a drug (TFDA dataset 42): its pills.
type Appearance struct {
	NameZH string // name_zh
	NameEN string // name_en
	Pills  []Pill // items
}

// Pill is one pill of an appearance facet.
type Pill struct {
	Color       []string // color: 白, 黃, ...
	Shape       []string // shape
	SpecialForm string   // special_form
	ScoreLine   string   // score_line
	Size        []string // size, in mm
	Marks       []string // mark1, mark2: the imprints, without the empty ones
	Odor        string   // odor
	Images      []string // images: photo links
}

// Insert is the package-insert facet of a drug (TFDA dataset 39).
type Insert struct {
	Images []string // insert_images: the insert's scanned pages
}

// Main is the facet of a document that is described whole (a city FAQ, a myth-busting
// Q&A, an article, an agency page).
type Main struct {
	Category     string // category: a myth's or article's subject (藥品, 食品, ...)
	Agency       string // agency: who answers
	ContactPhone string // contact_phone
	EndDate      string // end_date: the end of the publication period, YYYY-MM-DD
	// Asked: questions citizens ask in their own words that the record answers (a
	// bundled city FAQ's, myth's or article's, from ingest/asked).
	Asked []string
}

// Licence reads the licence facet.
func (f Facets) Licence() Licence {
	m := f.facet(FacetLicence)
	return Licence{
		NameZH:          text(m, "name_zh"),
		NameEN:          text(m, "name_en"),
		Category:        text(m, "category"),
		ControlledLevel: text(m, "controlled_level"),
		Indication:      text(m, "indication"),
		DosageForm:      text(m, "dosage_form"),
		Usage:           text(m, "usage"),
		Ingredients:     list(m, "ingredients"),
		CancelledOn:     text(m, "cancelled_on"),
		CancelReason:    text(m, "cancel_reason"),
	}
}

// Appearance reads the appearance facet.
func (f Facets) Appearance() Appearance {
	m := f.facet(FacetAppearance)
	a := Appearance{NameZH: text(m, "name_zh"), NameEN: text(m, "name_en")}
	items, _ := m["items"].([]any)
	for _, x := range items {
		it, ok := x.(map[string]any)
		if !ok {
			continue
		}
		p := Pill{
			Color:       list(it, "color"),
			Shape:       list(it, "shape"),
			SpecialForm: text(it, "special_form"),
			ScoreLine:   text(it, "score_line"),
			Size:        list(it, "size"),
			Odor:        text(it, "odor"),
			Images:      list(it, "images"),
		}
		for _, k := range []string{"mark1", "mark2"} {
			if s := text(it, k); s != "" {
				p.Marks = append(p.Marks, s)
			}
		}
		a.Pills = append(a.Pills, p)
	}
	return a
}

// Insert reads the package-insert facet.
func (f Facets) Insert() Insert {
	return Insert{Images: list(f.facet(FacetInsert), "insert_images")}
}

// Main reads the main facet.
func (f Facets) Main() Main {
	m := f.facet(FacetMain)
	return Main{
		Category:     text(m, "category"),
		Agency:       text(m, "agency"),
		ContactPhone: text(m, "contact_phone"),
		EndDate:      text(m, "end_date"),
		Asked:        list(m, "asked"),
	}
}

func (f Facets) facet(name string) map[string]any {
	m, _ := f[name].(map[string]any)
	return m
}

// text reads a field as one text.
func text(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return strings.TrimSpace(v)
	case nil:
		return ""
	case []any, []string:
		return strings.Join(list(m, k), "、")
	default:
		return fmt.Sprint(v)
	}
}

// list reads a field as a list of texts, without the empty ones.
func list(m map[string]any, k string) []string {
	switch v := m[k].(type) {
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	case []string:
		return v
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return []string{v}
		}
	}
	return nil
}
