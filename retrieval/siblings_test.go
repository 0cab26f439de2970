package retrieval

import (
	"cmp"
	"slices"
	"testing"
)

func TestOrderSiblings(t *testing.T) {
	faq := func(key, title string, score float64, evidence ...string) Hit {
		return Hit{Dataset: "taipei_faq", Key: key, Title: title, Score: score, Evidence: evidence}
	}
	keys := func(hits []Hit) []string {
		h := slices.Clone(hits)
		slices.SortStableFunc(h, func(a, b Hit) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		})
		var out []string
		for _, x := range h {
			out = append(out, x.Key)
		}
		return out
	}
	for _, c := range []struct {
		name, q string
		hits    []Hit
		want    []string
	}{
		{"the sibling stating the aspect asked takes the first sibling's place", "身障租屋補助什麼時候發錢",
			[]Hit{
				faq("a", "身心障礙者房屋租金補貼申請資格", 0.040, EvidenceTerms),
				faq("other", "房租補貼補貼內容", 0.035, EvidenceTerms),
				faq("b", "身心障礙者房屋租金補貼應備文件", 0.034, EvidenceTerms),
				faq("c", "身心障礙者房屋租金補貼何時發放?", 0.030, EvidenceTerms),
			},
			[]string{"c", "other", "a", "b"}},
		{"found by other legs: not siblings", "身障租屋補助什麼時候發錢",
			[]Hit{
				faq("a", "身心障礙者房屋租金補貼申請資格", 0.040, EvidenceMeaning, EvidenceTerms),
				faq("c", "身心障礙者房屋租金補貼何時發放?", 0.030, EvidenceTerms),
			},
			[]string{"a", "c"}},
		{"titles that begin otherwise: not siblings", "身障租屋補助什麼時候發錢",
			[]Hit{
				faq("a", "身心障礙者房屋租金補貼申請資格", 0.040, EvidenceTerms),
				faq("c", "請問身心障礙者房屋租金補貼何時發放?", 0.030, EvidenceTerms),
			},
			[]string{"a", "c"}},
		{"a question without Chinese is not compared", "when is the rent subsidy paid",
			[]Hit{
				faq("a", "身心障礙者房屋租金補貼申請資格", 0.040, EvidenceTerms),
				faq("c", "身心障礙者房屋租金補貼何時發放?", 0.030, EvidenceTerms),
			},
			[]string{"a", "c"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			hits := slices.Clone(c.hits)
			OrderSiblings(Normalize(c.q), hits)
			if got := keys(hits); !slices.Equal(got, c.want) {
				t.Errorf("%v, want %v", got, c.want)
			}
			var before, after []float64
			for i := range hits {
				before, after = append(before, c.hits[i].Score), append(after, hits[i].Score)
			}
			slices.Sort(before)
			slices.Sort(after)
			if !slices.Equal(before, after) {
				t.Errorf("scores %v, want the same places %v", after, before)
			}
		})
	}
}

func TestPreferStatedAspect(t *testing.T) {
	faq := func(key, title string, score float64) Hit {
		return Hit{Dataset: "taipei_faq", Key: key, Title: title, Score: score, Evidence: []string{EvidenceTerms}}
	}
	order := func(hits []Hit) (keys []string, scores []float64) {
		for _, h := range hits {
			keys, scores = append(keys, h.Key), append(scores, h.Score)
		}
		return keys, scores
	}
	exclusive := faq("exclusive", "身心障礙者房屋租金補貼常見問題2. 補貼互斥規定？", 0.066)
	moving := faq("moving", "房租補貼補助期限未到期但搬遷新址如何辦理?", 0.055)
	paid := faq("paid", "身心障礙者房屋租金補貼何時發放?", 0.052)
	fourth := faq("fourth", "身心障礙者房屋租金補貼何時發放?", 0.040)
	for _, c := range []struct {
		name, q string
		hits    []Hit
		want    []string
	}{
		{"the first states no aspect asked: the one on its service that states it leads",
			"身障租屋補助什麼時候發錢", []Hit{exclusive, moving, paid}, []string{"paid", "moving", "exclusive"}},
		{"no aspect asked: unchanged", "身障租屋補助", []Hit{exclusive, moving, paid}, []string{"exclusive", "moving", "paid"}},
		{"the first states it: unchanged", "身障租屋補助什麼時候發錢", []Hit{faq("paid", paid.Title, 0.07), exclusive}, []string{"paid", "exclusive"}},
		{"only among the first three", "身障租屋補助什麼時候發錢", []Hit{exclusive, moving, faq("other", "溫泉何時開放?", 0.05), fourth},
			[]string{"exclusive", "moving", "other", "fourth"}},
		{"another service that states it: unchanged", "身障租屋補助什麼時候發錢",
			[]Hit{exclusive, faq("spa", "溫泉季何時舉辦?", 0.05)}, []string{"exclusive", "spa"}},
		{"a licence first: unchanged", "普拿疼什麼時候吃", []Hit{{Dataset: "tfda_drug", Key: "drug", Title: "普拿疼", Score: 0.1}, paid},
			[]string{"drug", "paid"}},
	} {
		hits := slices.Clone(c.hits)
		before := slices.Sorted(slices.Values(func() []float64 { _, s := order(hits); return s }()))
		PreferStatedAspect(c.q, hits)
		keys, scores := order(hits)
		if !slices.Equal(keys, c.want) {
			t.Errorf("%s: %v, want %v", c.name, keys, c.want)
		}
		// The places keep their scores: the list stays sorted.
		if !slices.IsSortedFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) }) || !slices.Equal(slices.Sorted(slices.Values(scores)), before) {
			t.Errorf("%s: scores %v, want the places' scores kept", c.name, scores)
		}
	}
}
