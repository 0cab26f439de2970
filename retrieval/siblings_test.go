package retrieval

import (
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
