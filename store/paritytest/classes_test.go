package paritytest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/store/memstore/memtest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// onBothStores runs a search test on the bundled data in PostgreSQL and in the
// embedded store: ranking is one Search, and must hold on either.
func onBothStores(t *testing.T, test func(t *testing.T, s retrieval.Searcher)) {
	t.Run("pgstore", func(t *testing.T) { test(t, pgtest.Bundled(t)) })
	t.Run("memstore", func(t *testing.T) { test(t, memtest.Bundled(t)) })
}

// TestClassMedicineAndAnotherSubject: a question that names a medicine with tens of
// licences and asks about something else too (tea, juice, the liver) gets the myth
// about that other subject among its first five results, after the first licences of
// the name; a question about the licences themselves (the name alone, a strength)
// keeps its first five for them.
func TestClassMedicineAndAnotherSubject(t *testing.T) {
	onBothStores(t, func(t *testing.T, s retrieval.Searcher) {
		ctx := context.Background()
		for _, c := range []struct{ q, title string }{
			{"吃普拿疼可以配茶嗎", "吃藥能配茶嗎？"},
			{"普拿疼能不能配茶喝", "吃藥能配茶嗎？"},
			{"普拿疼可以配果汁吃嗎", "吃藥時配果汁應該沒關係吧？"},
			{"吃普拿疼的時候可以喝果汁嗎", "吃藥時配果汁應該沒關係吧？"},
			{"普拿疼會傷肝嗎", "聽說吃退燒藥會傷肝，這是真的嗎？"},
			{"普拿疼吃多了會傷肝嗎", "聽說吃退燒藥會傷肝，這是真的嗎？"},
		} {
			hits, err := s.Search(ctx, retrieval.Query{Text: c.q})
			if err != nil {
				t.Fatal(err)
			}
			found, licences := false, 0
			for _, h := range hits {
				found = found || h.Title == c.title
				if h.Dataset == "tfda_drug" {
					licences++
				}
			}
			if !found || licences == 0 {
				t.Errorf("%q: %v, want 「%s」 among the first five, with licences of the name", c.q, titles(hits), c.title)
			}
		}
		for _, q := range []string{"普拿疼", "普拿疼500毫克", "普拿疼膜衣錠"} {
			hits, err := s.Search(ctx, retrieval.Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if h.Dataset != "tfda_drug" {
					t.Errorf("%q: %v, want licences only", q, titles(hits))
					break
				}
			}
		}
	})
}

func titles(hits []retrieval.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Title
	}
	return out
}

// TestClassNearDuplicateSiblings: of the FAQs on one service, whose titles begin alike
// and which the keyword legs find by the same words, the one that answers the aspect
// asked (when it is paid, who may apply, how to read the map) comes first, whatever
// the order of their keys.
func TestClassNearDuplicateSiblings(t *testing.T) {
	onBothStores(t, func(t *testing.T, s retrieval.Searcher) {
		for _, c := range []struct{ q, key string }{
			{"身障租屋補助什麼時候發錢", "GIP_296803164"},
			{"身心障礙租金補貼哪時候會撥款", "GIP_296803164"},
			{"長者防走失手鍊申請資格是什麼", "GIP_264451250"},
			{"溫泉中止要怎麼申請", "GIP_257236384"},
			{"土壤液化潛勢圖怎麼看", "GIP_220321567"},
		} {
			hits, err := s.Search(context.Background(), retrieval.Query{Text: c.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].Key != c.key {
				t.Errorf("%q: %v, want %s first", c.q, titles(hits), c.key)
			}
		}
	})
}

// TestClassOtherWords: a question that names a service by its everyday name (小黃 for
// 計程車, 紅單 for a traffic fine, 保姆 for 保母 or 居家式托育, the law's name for a
// nanny's service, 殘障手冊 for 身心障礙證明, 特休 for 特別休假, 水龍頭的水 for 自來水)
// finds the FAQ that uses an official name first.
func TestClassOtherWords(t *testing.T) {
	onBothStores(t, func(t *testing.T, s retrieval.Searcher) {
		for _, c := range []struct {
			q        string
			official []string
		}{
			{"坐小黃遺失東西怎麼找", []string{"計程車"}},
			{"收到紅單可以分期繳嗎", []string{"罰鍰"}},
			{"保姆要去哪裡登記", []string{"保母", "居家式托育"}},
			{"殘障手冊搞丟了怎麼補", []string{"身心障礙證明"}},
			{"特休沒休完老闆要給錢嗎", []string{"特別休假"}},
			{"老闆不給薪水明細可以嗎", []string{"工資明細"}},
			{"家裡水龍頭的水可以直接喝嗎", []string{"直飲"}},
		} {
			hits, err := s.Search(context.Background(), retrieval.Query{Text: c.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].Dataset != "taipei_faq" || !slices.ContainsFunc(c.official, func(w string) bool { return strings.Contains(hits[0].Title, w) }) {
				t.Errorf("%q: %v, want first a FAQ whose title says one of %q", c.q, titles(hits), c.official)
			}
		}
	})
}
