package retrieval

import (
	"slices"
	"testing"
)

func TestStrengths(t *testing.T) {
	for in, want := range map[string][]string{
		"立普妥20毫克":           {"20mg"},
		"Lipitor 20 mg":     {"20mg"},
		"舒必朗錠５０公絲":          {"50mg"},
		"肯脈柔膜衣錠 50/12.5 毫克": {"50mg", "12.5mg"},
		"維他命 D 400 IU":      {"400iu"},
		"吃了2顆":              nil,
		"普拿疼膜衣錠５００毫克":       {"500mg"},
		"200 mcg 跟 0.2 mg":  {"200mcg", "0.2mg"},
		"5 mm 的藥丸":          nil,
	} {
		if got := Strengths(in); !slices.Equal(got, want) {
			t.Errorf("Strengths(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOrderByStrength(t *testing.T) {
	hits := []Hit{{Key: "40", Title: "立普妥膜衣錠40毫克"}, {Key: "faq", Title: "藥袋怎麼看"}, {Key: "20", Title: "\"輝瑞\"立普妥膜衣錠２０毫克(阿托伐他汀)"}, {Key: "other20", Title: "利久樂膜衣錠20毫克"}}
	keys := func(hs []Hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Key)
		}
		return out
	}
	for q, want := range map[string][]string{
		"立普妥20毫克是什麼藥":   {"20", "faq", "40", "other20"},
		"立普妥 20mg 的副作用": {"20", "faq", "40", "other20"},
		"立普妥40公絲":       {"40", "faq", "20", "other20"},
		"立普妥是什麼藥":       {"40", "faq", "20", "other20"},
		"立普妥10毫克":       {"40", "faq", "20", "other20"},
	} {
		if got := keys(OrderByStrength(q, hits)); !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
}
