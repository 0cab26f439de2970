// Package retrievaltest is the conformance suite that every retrieval store must pass:
// PostgreSQL with pgvector today, an embedded store later. It loads small hand-made
// documents (drug licences with appearance facets, myth-busting Q&A, city FAQs, with
// every status) and checks what citizens rely on: exact keys and licence numbers,
// imprint codes however typed, Chinese keywords, filters, statuses, re-syncs, k, and
// input that is empty, huge or hostile.
//
// A store's test calls Run with a function that opens an empty store:
//
//	func TestConformance(t *testing.T) {
//		retrievaltest.Run(t, func(t *testing.T) retrievaltest.Store { ... })
//	}
//
// Every search the suite makes is also checked for the invariants of retrieval.Hit:
// at most k hits, one per document, best first, and only the datasets and statuses
// the query admits.
package retrievaltest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
)

// Store is what the suite needs of a store.
type Store interface {
	retrieval.Searcher
	// Load makes the store hold exactly what batches say for their sources, as an
	// ingest run does: a record that a source no longer has is gone, and a document
	// no source describes any more is removed. Sources not in batches are untouched.
	Load(ctx context.Context, batches []*ingest.Batch) error
}

// Run runs the conformance cases as subtests of t. open must return an empty store
// that lives until t ends (use t.Cleanup); it is called once for the cases that only
// search, and again for those that change the data.
func Run(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	if err := s.Load(t.Context(), fixtures()); err != nil {
		t.Fatalf("load fixtures: %v", err)
	}
	t.Run("exact key first", func(t *testing.T) { testExactKeys(t, s) })
	t.Run("licence number variants", func(t *testing.T) { testLicenceNumbers(t, s) })
	t.Run("imprint codes", func(t *testing.T) { testImprints(t, s) })
	t.Run("names", func(t *testing.T) { testNames(t, s) })
	t.Run("chinese keywords", func(t *testing.T) { testChineseKeywords(t, s) })
	t.Run("dataset filter", func(t *testing.T) { testDatasetFilter(t, s) })
	t.Run("statuses", func(t *testing.T) { testStatuses(t, s) })
	t.Run("k", func(t *testing.T) { testK(t, s) })
	t.Run("degenerate queries", func(t *testing.T) { testDegenerate(t, s) })
	t.Run("hostile input", func(t *testing.T) { testHostile(t, s) })
	t.Run("hits", func(t *testing.T) { testHitFields(t, s) })
	t.Run("resync", func(t *testing.T) { testResync(t, open(t)) })
}

// search runs q and checks the invariants every result must hold.
func search(t *testing.T, s Store, q retrieval.Query) []retrieval.Hit {
	t.Helper()
	hits, err := s.Search(t.Context(), q)
	if err != nil {
		t.Fatalf("Search(%s): %v", describe(q), err)
	}
	checkHits(t, q, hits)
	return hits
}

func checkHits(t *testing.T, q retrieval.Query, hits []retrieval.Hit) {
	t.Helper()
	k := q.K
	if k <= 0 {
		k = retrieval.DefaultK
	}
	if len(hits) > k {
		t.Errorf("Search(%s): %d hits, more than k=%d", describe(q), len(hits), k)
	}
	statuses := q.Statuses
	if len(statuses) == 0 {
		statuses = []string{string(corpus.StatusActive), string(corpus.StatusCancelled)}
	}
	seen := map[[2]string]bool{}
	for i, h := range hits {
		id := [2]string{h.Dataset, h.Key}
		if seen[id] {
			t.Errorf("Search(%s): document %s/%s appears twice", describe(q), h.Dataset, h.Key)
		}
		seen[id] = true
		if h.Key == "" || h.Dataset == "" || h.Title == "" {
			t.Errorf("Search(%s): hit %d has no key, dataset or title: %+v", describe(q), i, h)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("Search(%s): hit %d (%s, score %g) scores above hit %d (%s, score %g): not best first",
				describe(q), i, h.Key, h.Score, i-1, hits[i-1].Key, hits[i-1].Score)
		}
		if !slices.Contains(statuses, h.Status) {
			t.Errorf("Search(%s): hit %s has status %q, not admitted (%q)", describe(q), h.Key, h.Status, statuses)
		}
		if len(q.Datasets) > 0 && !slices.Contains(q.Datasets, h.Dataset) {
			t.Errorf("Search(%s): hit %s is from dataset %q, outside the filter", describe(q), h.Key, h.Dataset)
		}
	}
}

// describe shows a query in failure messages, shortening long text.
func describe(q retrieval.Query) string {
	text := q.Text
	if n := utf8.RuneCountInString(text); n > 40 {
		text = string([]rune(text)[:40]) + fmt.Sprintf("…(%d runes)", n)
	}
	s := fmt.Sprintf("%q k=%d", text, q.K)
	if len(q.Datasets) > 0 {
		s += fmt.Sprintf(" datasets=%q", q.Datasets)
	}
	if len(q.Statuses) > 0 {
		s += fmt.Sprintf(" statuses=%q", q.Statuses)
	}
	return s
}

func keys(hits []retrieval.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Key
	}
	return out
}

// rank is the position of key in hits, or -1.
func rank(hits []retrieval.Hit, key string) int {
	return slices.IndexFunc(hits, func(h retrieval.Hit) bool { return h.Key == key })
}

// wantFirst checks that q finds key first.
func wantFirst(t *testing.T, s Store, q retrieval.Query, key string) []retrieval.Hit {
	t.Helper()
	hits := search(t, s, q)
	if len(hits) == 0 || hits[0].Key != key {
		t.Errorf("Search(%s) = %q, want %s first", describe(q), keys(hits), key)
	}
	return hits
}

// wantAbsent checks that q does not find key.
func wantAbsent(t *testing.T, s Store, q retrieval.Query, key string) {
	t.Helper()
	if hits := search(t, s, q); rank(hits, key) >= 0 {
		t.Errorf("Search(%s) = %q, must not find %s", describe(q), keys(hits), key)
	}
}

func text(q string) retrieval.Query { return retrieval.Query{Text: q} }

func testExactKeys(t *testing.T, s Store) {
	for _, key := range []string{keyPain, keyPainImport, keyStomach, keyIbuprofen, keySleepNew, keySleepOld,
		"衛部藥製字第101234號", faqCardLost, faqMarriage, mythCoffee} {
		t.Run(key, func(t *testing.T) { wantFirst(t, s, text(key), key) })
	}
}

func testLicenceNumbers(t *testing.T, s Store) {
	for _, c := range []struct{ q, want string }{
		{"藥製字029478", keyPain},
		{"藥製字第029478號", keyPain},
		{"衛署藥製字029478", keyPain},
		{"衛署藥製字 第 029478 號", keyPain},
		{"藥製字０２９４７８", keyPain},
		{"許可證字號是衛署藥製字第029478號的藥", keyPain},
		{"藥輸字029478", keyPainImport},
		{"衛署藥輸字第029478號", keyPainImport},
		{"058123", keyStomach},
	} {
		t.Run(c.q, func(t *testing.T) { wantFirst(t, s, text(c.q), c.want) })
	}
	t.Run("serial alone finds every prefix", func(t *testing.T) {
		hits := search(t, s, text("029478"))
		if r1, r2 := rank(hits, keyPain), rank(hits, keyPainImport); r1 < 0 || r1 > 1 || r2 < 0 || r2 > 1 {
			t.Errorf("Search(029478) = %q, want %s and %s as the first two", keys(hits), keyPain, keyPainImport)
		}
	})
}

func testImprints(t *testing.T, s Store) {
	for _, c := range []struct{ q, want string }{
		// The data writes "YSP 52".
		{"YSP 52", keyPain},
		{"ysp52", keyPain},
		{"YSP52", keyPain},
		{"Ysp-52", keyPain},
		{"ＹＳＰ　５２", keyPain},
		{"白色圓形，上面寫 YSP 52", keyPain},
		{"white round pill ysp52", keyPain},
		// The data writes "TCH25".
		{"TCH25", keyStomach},
		{"tch 25", keyStomach},
		{"TCH-25", keyStomach},
		{"綠色橢圓形藥丸 TCH 25", keyStomach},
	} {
		t.Run(c.q, func(t *testing.T) { wantFirst(t, s, text(c.q), c.want) })
	}
}

func testNames(t *testing.T, s Store) {
	for _, c := range []struct{ q, want string }{
		{titlePain, keyPain},
		{"舒痛寧", keyPain},
		{"舒痛宁锭", keyPain}, // Simplified
		{"SHUTONGNING", keyPain},
		{"shutongning tablets", keyPain},
		{"胃舒平", keyStomach},
		{"依普芬膜衣錠", keyIbuprofen},
		{"ibuprofen", keyIbuprofen},
		{"IBUPROFEN 400", keyIbuprofen},
	} {
		t.Run(c.q, func(t *testing.T) { wantFirst(t, s, text(c.q), c.want) })
	}
}

func testChineseKeywords(t *testing.T, s Store) {
	for _, c := range []struct{ q, want string }{
		// The FAQ says 愛心悠遊卡遺失; the citizen says 愛心卡弄丟了.
		{"愛心卡弄丟了", faqCardLost},
		{"狗狗要打狂犬病疫苗", faqRabies},
		{"結婚登記要先預約嗎", faqMarriage},
		{"感冒藥配咖啡", mythCoffee},
	} {
		t.Run(c.q, func(t *testing.T) { wantFirst(t, s, text(c.q), c.want) })
	}
}

func testDatasetFilter(t *testing.T, s Store) {
	t.Run("only the dataset", func(t *testing.T) {
		q := retrieval.Query{Text: "愛心卡弄丟了", Datasets: []string{corpus.DatasetCityFAQ}}
		wantFirst(t, s, q, faqCardLost)
		q = retrieval.Query{Text: "愛心卡弄丟了", K: 10, Datasets: []string{corpus.DatasetDrug}}
		if hits := search(t, s, q); rank(hits, faqCardLost) >= 0 {
			t.Errorf("a FAQ found with a drug filter: %q", keys(hits))
		}
	})
	// Drug words: the nearest documents are licences, thousands of them, and only
	// the filter's few documents may be returned; a store whose approximate index
	// stops at its first candidates returns fewer than k.
	for _, c := range []struct {
		q        string
		k        int
		datasets []string
		want     int
	}{
		{titlePain, 10, []string{corpus.DatasetCityFAQ}, 10},
		{"膜衣錠 高血壓", 10, []string{corpus.DatasetCityFAQ}, 10},
		{titlePain, 10, []string{corpus.DatasetMyth}, mythCount},
		{"膜衣錠 高血壓", 15, []string{corpus.DatasetMyth, corpus.DatasetCityFAQ}, 15},
		{"膜衣錠 高血壓", 30, []string{corpus.DatasetMyth, corpus.DatasetCityFAQ}, mythCount + faqCount},
		// 申請 is in every licence (申請商) and in many FAQs.
		{"如何申請", 10, []string{corpus.DatasetCityFAQ}, 10},
		{titlePain, 5, []string{"no_such_dataset"}, 0},
	} {
		t.Run(fmt.Sprintf("%s in %s k=%d", c.q, strings.Join(c.datasets, "+"), c.k), func(t *testing.T) {
			hits := search(t, s, retrieval.Query{Text: c.q, K: c.k, Datasets: c.datasets})
			if len(hits) != c.want {
				t.Errorf("%d hits, want %d (the filter admits enough documents): %q", len(hits), c.want, keys(hits))
			}
		})
	}
	t.Run("drug filter keeps the drug first", func(t *testing.T) {
		wantFirst(t, s, retrieval.Query{Text: "YSP 52", Datasets: []string{corpus.DatasetDrug}}, keyPain)
	})
}

func testStatuses(t *testing.T, s Store) {
	t.Run("suppressed excluded", func(t *testing.T) {
		wantAbsent(t, s, text(keyCough), keyCough)
		wantAbsent(t, s, text(titleCough), keyCough)
	})
	t.Run("stale excluded", func(t *testing.T) {
		wantAbsent(t, s, text(titleStaleFAQ), faqStale)
		wantAbsent(t, s, text(faqStale), faqStale)
	})
	t.Run("cancelled below the valid licence of the same name", func(t *testing.T) {
		for _, q := range []string{titleSleep, "安寧眠", "ANNINGMIAN TABLETS"} {
			hits := search(t, s, text(q))
			rNew, rOld := rank(hits, keySleepNew), rank(hits, keySleepOld)
			if rNew != 0 || rOld < 0 {
				t.Errorf("Search(%q) = %q, want %s first and the cancelled %s after it", q, keys(hits), keySleepNew, keySleepOld)
			}
			if rOld >= 0 && hits[rOld].Status != string(corpus.StatusCancelled) {
				t.Errorf("cancelled licence has status %q", hits[rOld].Status)
			}
		}
	})
	t.Run("cancelled first when its key is named", func(t *testing.T) {
		wantFirst(t, s, text(keySleepOld), keySleepOld)
		wantFirst(t, s, text("藥製字第011111號"), keySleepOld)
		wantFirst(t, s, text(titleSleep+" "+keySleepOld), keySleepOld)
	})
	// A tenth of the licences are cancelled, the nearest documents are valid ones, and
	// no cancelled document shares a word with the query: only a dense search that
	// goes on past its first candidates finds k.
	t.Run("cancelled only, k results", func(t *testing.T) {
		for _, k := range []int{5, 20, 40} {
			q := retrieval.Query{Text: titlePain, K: k, Statuses: []string{"cancelled"}}
			if hits := search(t, s, q); len(hits) != k {
				t.Errorf("Search(%s): %d hits, want %d (%d documents are cancelled): %q", describe(q), len(hits), k, fillersCancelled, keys(hits))
			}
		}
	})
	t.Run("explicit statuses", func(t *testing.T) {
		wantAbsent(t, s, retrieval.Query{Text: titleSleep, Statuses: []string{"active"}}, keySleepOld)
		wantFirst(t, s, retrieval.Query{Text: titleSleep, Statuses: []string{"cancelled"}}, keySleepOld)
		wantFirst(t, s, retrieval.Query{Text: titleStaleFAQ, Statuses: []string{"stale"}}, faqStale)
		wantFirst(t, s, retrieval.Query{Text: keyCough, Statuses: []string{"suppressed"}}, keyCough)
		wantFirst(t, s, retrieval.Query{Text: keyCough, Statuses: []string{"active", "suppressed"}}, keyCough)
	})
}

func testK(t *testing.T, s Store) {
	// 膜衣錠 is in hundreds of filler names.
	const q = "膜衣錠"
	for _, c := range []struct{ k, min, max int }{
		{1, 1, 1},
		{5, 5, 5},
		{0, retrieval.DefaultK, retrieval.DefaultK},
		{20, 20, 20},
		{100, retrieval.DefaultK + 1, 100},
		{1_000_000, retrieval.DefaultK + 1, 1_000_000},
		{-1, 0, retrieval.DefaultK},
	} {
		t.Run(fmt.Sprint(c.k), func(t *testing.T) {
			hits := search(t, s, retrieval.Query{Text: q, K: c.k})
			if len(hits) < c.min || len(hits) > c.max {
				t.Errorf("k=%d: %d hits, want %d to %d", c.k, len(hits), c.min, c.max)
			}
		})
	}
}

func testDegenerate(t *testing.T, s Store) {
	// long repeats unit to exactly n runes.
	long := func(unit string, n int) string {
		rs := []rune(strings.Repeat(unit, n/utf8.RuneCountInString(unit)+1))
		return string(rs[:n])
	}
	for _, c := range []struct{ name, q string }{
		{"empty", ""},
		{"space", " "},
		{"whitespace", " \t\r\n\v\f"},
		{"ideographic spaces", "\u3000\u3000"},
		{"zero-width and BOM", "\u200b\u200d\ufeff"},
		{"10000 han", long("舒痛寧錠", 10000)},
		{"10000 latin", long("a", 10000)},
		{"10000 imprint words", long("YSP 52 ", 10000)},
		{"10000 emoji", long("💊", 10000)},
		{"10000 quotes", long("'", 10000)},
		{"10000 mixed", long("白色圓形 YSP 52 衛署藥製字第029478號 ibuprofen；", 10000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []int{0, 5} {
				search(t, s, retrieval.Query{Text: c.q, K: k})
			}
		})
	}
	t.Run("key padded with 10000 spaces", func(t *testing.T) {
		wantFirst(t, s, text(keyPain+strings.Repeat(" ", 10000)), keyPain)
	})
}

// hostile are strings that would do harm if a store put them into SQL, a tsquery, a
// LIKE pattern, a regular expression or HTML: they must be plain text.
var hostile = []string{
	"'; DROP TABLE documents;--",
	"'); DELETE FROM chunks; --",
	"' OR '1'='1",
	"\" OR 1=1 --",
	"%", "_", "%_%", "\\", "\\'", "'", "''", "\"", "$1", "$$", "$1$2",
	"<script>alert(1)</script>",
	"&", "|", "!", ":*", "a & b | !c", "(((", ")", "<->", "*",
	".*", "[", "(?i)", "^$",
	"{{.}}", "${jndi:ldap://x}",
	"\x00", "nul\x00byte", "\x1b[31m", "\x7f", "\u202e", "\ufffd",
	"\xff\xfe", "ysp\xc052",
	"😀💊", "👨‍👩‍👧", "💊白色圓形 YSP 52 😀",
	"NULL", "null", "undefined",
	"1; SELECT pg_sleep(10)",
	"%' OR key LIKE '%",
	"衛署藥製字第'029478號",
}

func testHostile(t *testing.T, s Store) {
	before := census(t, s)
	for _, h := range hostile {
		t.Run(fmt.Sprintf("%q", h), func(t *testing.T) {
			t.Run("query", func(t *testing.T) {
				search(t, s, retrieval.Query{Text: h, K: 5})
			})
			t.Run("query after a name", func(t *testing.T) {
				search(t, s, retrieval.Query{Text: titlePain + " " + h, K: 5})
			})
			t.Run("dataset filter", func(t *testing.T) {
				if hits := search(t, s, retrieval.Query{Text: titlePain, Datasets: []string{h}}); len(hits) != 0 {
					t.Errorf("dataset filter %q matched %q", h, keys(hits))
				}
			})
			t.Run("dataset filter with drugs", func(t *testing.T) {
				wantFirst(t, s, retrieval.Query{Text: titlePain, Datasets: []string{corpus.DatasetDrug, h}}, keyPain)
			})
			t.Run("status filter", func(t *testing.T) {
				if hits := search(t, s, retrieval.Query{Text: titlePain, Statuses: []string{h}}); len(hits) != 0 {
					t.Errorf("status filter %q matched %q", h, keys(hits))
				}
			})
		})
	}
	after := census(t, s)
	if !slices.Equal(before, after) {
		t.Errorf("the data changed after hostile queries:\nbefore %q\nafter  %q", before, after)
	}
}

// census describes the stored data through search alone: whether each probe key is
// found first, and which documents a broad query returns.
func census(t *testing.T, s Store) []string {
	t.Helper()
	var out []string
	for _, key := range []string{keyPain, keyPainImport, keyStomach, keySleepOld, faqCardLost, mythCoffee, "衛部藥製字第101999號"} {
		hits, err := s.Search(t.Context(), text(key))
		found := err == nil && len(hits) > 0 && hits[0].Key == key
		out = append(out, fmt.Sprintf("%s:%v", key, found))
	}
	for _, q := range []retrieval.Query{{Text: "膜衣錠", K: 100}, {Text: "申請", K: 100, Datasets: []string{corpus.DatasetCityFAQ}}} {
		hits, err := s.Search(t.Context(), q)
		if err != nil {
			t.Fatalf("census: Search(%s): %v", describe(q), err)
		}
		ks := keys(hits)
		slices.Sort(ks)
		out = append(out, fmt.Sprintf("%s→%d", q.Text, len(ks)))
		out = append(out, ks...)
	}
	return out
}

func testHitFields(t *testing.T, s Store) {
	hits := wantFirst(t, s, text(keyPain), keyPain)
	if len(hits) == 0 {
		return
	}
	h := hits[0]
	if h.Dataset != corpus.DatasetDrug || h.Title != titlePain || h.Status != string(corpus.StatusActive) ||
		!strings.HasPrefix(h.URL, "https://mcp.fda.gov.tw/") {
		t.Errorf("hit = %+v, want the licence's dataset, title, status and URL", h)
	}
	if y, m, d := h.Snapshot.Date(); y != snapshot.Year() || m != snapshot.Month() || d != snapshot.Day() {
		t.Errorf("hit snapshot %v, want the export date %v", h.Snapshot, snapshot.Format("2006-01-02"))
	}
	if h.Score <= 0 {
		t.Errorf("hit score %g, want > 0", h.Score)
	}
}

func testResync(t *testing.T, s Store) {
	ctx := t.Context()
	const (
		keyA    = "衛署藥製字第070001號"
		keyB    = "衛署藥製字第070002號"
		keyGone = "衛署藥製字第070003號"
		keyPill = "衛署藥製字第070004號" // keeps its appearance facet from another source
		titleA  = "康泰寧錠"
		titleB  = "佳美樂膠囊"
		gone    = "絕版停產止瀉錠"
		pillT   = "特別標記膜衣錠"
	)
	a := drug(keyA, titleA, "", "LOPERAMIDE", "須由醫師處方使用", "急性腹瀉。", corpus.StatusActive)
	b := drug(keyB, titleB, "", "CEFACLOR", "須由醫師處方使用", "細菌感染症。", corpus.StatusActive)
	g := drug(keyGone, gone, "", "BISMUTH", "成藥", "腹瀉。", corpus.StatusActive)
	p := drug(keyPill, pillT, "", "LORATADINE", "成藥", "過敏性鼻炎。", corpus.StatusActive)
	look := pill(keyPill, pillT, "藍色 圓形", "無", "7", "QZX 77")
	f1 := faq("GIP_910000001", "公園可以遛狗嗎？", "狗狗須繫上牽繩並清理排泄物。", "臺北市公園路燈工程管理處", corpus.StatusActive)
	f2 := faq("GIP_910000002", "圖書館借書證遺失怎麼辦？", "請攜帶身分證至任一分館辦理補發。", "臺北市立圖書館", corpus.StatusActive)
	load := func(bs ...*ingest.Batch) {
		t.Helper()
		if err := s.Load(ctx, bs); err != nil {
			t.Fatalf("load: %v", err)
		}
	}
	load(batch("resync-36", a, b, g, p), batch("resync-42", look), batch("resync-faq", f1, f2))
	for _, key := range []string{keyA, keyB, keyGone, keyPill, "GIP_910000001", "GIP_910000002"} {
		wantFirst(t, s, text(key), key)
	}
	wantFirst(t, s, text(gone), keyGone)

	// The licence export drops two licences; one still has its appearance.
	load(batch("resync-36", a, b))
	t.Run("removed document", func(t *testing.T) {
		wantAbsent(t, s, text(keyGone), keyGone)
		wantAbsent(t, s, text(gone), keyGone)
		wantAbsent(t, s, text("藥製字070003"), keyGone)
		wantAbsent(t, s, retrieval.Query{Text: gone, K: 100}, keyGone)
	})
	t.Run("document kept by another source", func(t *testing.T) {
		wantFirst(t, s, text("QZX 77"), keyPill)
		wantFirst(t, s, text(keyPill), keyPill)
	})
	t.Run("other documents and sources untouched", func(t *testing.T) {
		wantFirst(t, s, text(keyA), keyA)
		wantFirst(t, s, text(titleB), keyB)
		wantFirst(t, s, text("GIP_910000002"), "GIP_910000002")
	})

	// The FAQ export drops one record and renames another.
	f1.Title, f1.Text = "公園可以帶寵物犬進入嗎？", "問：公園可以帶寵物犬進入嗎？\n答：犬隻須繫上牽繩並清理排泄物。"
	load(batch("resync-faq", f1))
	t.Run("removed FAQ", func(t *testing.T) {
		wantAbsent(t, s, text("GIP_910000002"), "GIP_910000002")
		wantAbsent(t, s, text("圖書館借書證遺失怎麼辦？"), "GIP_910000002")
	})
	t.Run("changed FAQ", func(t *testing.T) {
		hits := wantFirst(t, s, text("公園可以帶寵物犬進入嗎？"), "GIP_910000001")
		if len(hits) > 0 && hits[0].Title != f1.Title {
			t.Errorf("changed FAQ has title %q, want %q", hits[0].Title, f1.Title)
		}
	})

	// Everything gone from a source: nothing of it is found.
	load(batch("resync-42"), batch("resync-36", a))
	t.Run("emptied source", func(t *testing.T) {
		wantAbsent(t, s, text("QZX 77"), keyPill)
		wantAbsent(t, s, text(keyPill), keyPill)
		wantAbsent(t, s, text(keyB), keyB)
		wantFirst(t, s, text(keyA), keyA)
	})
}
