package retrieval

import (
	"slices"
	"testing"
)

func TestDiversify(t *testing.T) {
	licence := func(key, title string) Hit {
		return Hit{Dataset: "tfda_drug", Key: key, Title: title, Evidence: []string{EvidenceTerms}}
	}
	myth := func(key, title string) Hit {
		return Hit{Dataset: "tfda_myth", Key: key, Title: title, Evidence: []string{EvidenceTerms}}
	}
	ranked := []Hit{
		licence("d1", "普拿疼伏冒日夜膜衣錠"),
		licence("d2", "普拿疼伏冒熱飲散"),
		licence("d3", "普拿疼伏冒治咳膜衣錠"),
		licence("d4", "普拿疼膜衣錠５００毫克"),
		licence("d5", "普拿疼速效膜衣錠"),
		licence("d6", "普拿疼止痛加強錠"),
		myth("m-other", "柿子和螃蟹一起吃會中毒"),
		myth("m-tea", "吃藥能配茶嗎？"),
		licence("x1", "阿斯匹靈錠"),
	}
	keys := func(hits []Hit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, h.Key)
		}
		return out
	}
	vocab := Vocabulary{Chunks: 10000, Freq: map[string]int{"普拿": 40, "拿疼": 40, "配茶": 3, "藥能": 20}}
	for _, c := range []struct {
		name, q string
		want    []string
	}{
		{"the other subject's record after three licences", "吃普拿疼可以配茶嗎",
			[]string{"d1", "d2", "d3", "m-tea", "d4", "d5", "d6", "m-other", "x1"}},
		{"the name alone asks about the licences", "普拿疼",
			[]string{"d1", "d2", "d3", "d4", "d5", "d6", "m-other", "m-tea", "x1"}},
		{"a strength asks about the licences", "普拿疼500毫克配茶",
			[]string{"d1", "d2", "d3", "d4", "d5", "d6", "m-other", "m-tea", "x1"}},
		{"a licence's field asks about the licences", "普拿疼的成分配茶",
			[]string{"d1", "d2", "d3", "d4", "d5", "d6", "m-other", "m-tea", "x1"}},
		{"no other record holds the other words", "普拿疼可以配咖啡嗎",
			[]string{"d1", "d2", "d3", "d4", "d5", "d6", "m-other", "m-tea", "x1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := Analyze(c.q)
			got := keys(Diversify(&a, vocab, slices.Clone(ranked)))
			if !slices.Equal(got, c.want) {
				t.Errorf("%q: %v, want %v", c.q, got, c.want)
			}
		})
	}
}
