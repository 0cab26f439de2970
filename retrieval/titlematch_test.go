package retrieval

import "testing"

func TestTitleMatch(t *testing.T) {
	for _, c := range []struct {
		q, title              string
		minTitle, maxTitle    float64
		minQuestion, maxQuest float64
	}{
		// The record's own question, wrapped in a greeting: all of the title is asked.
		{"你好我剛搬來台北，想請教一下交通罰單要怎麼繳，謝謝你", "罰單要怎麼繳？", 1, 1, 0.1, 0.4},
		// Everyday words for the title's: 「愛心卡」 for 「愛心悠遊卡」.
		{"我的愛心卡有沒有期限", "愛心悠遊卡有使用期限嗎 ?", 0.5, 1, 1, 1},
		// Function characters and words of asking count for nothing.
		{"是什麼呢", "什麼是土壤液化？", 0, 0, 0, 0},
		// Another subject.
		{"身分證掉了怎麼補辦", "家鼠防治FAQ", 0, 0, 0, 0},
	} {
		ts, qs := TitleMatch(Normalize(c.q), c.title)
		if ts < c.minTitle || ts > c.maxTitle || qs < c.minQuestion || qs > c.maxQuest {
			t.Errorf("TitleMatch(%q, %q) = %.2f, %.2f; want title share in [%.2f, %.2f], question share in [%.2f, %.2f]",
				c.q, c.title, ts, qs, c.minTitle, c.maxTitle, c.minQuestion, c.maxQuest)
		}
	}
}

func TestParseFunctionChars(t *testing.T) {
	m, err := parseFunctionChars(functionCharsFile)
	if err != nil || !m['的'] || m['卡'] {
		t.Fatalf("the embedded file: %v, 的 %v, 卡 %v", err, m['的'], m['卡'])
	}
	for _, bad := range []string{"", "# only a comment\n", "的 a"} {
		if _, err := parseFunctionChars(bad); err == nil {
			t.Errorf("parseFunctionChars(%q) accepted a broken file", bad)
		}
	}
}

// TestWeighByTitleMatch: a passage whose own question the citizen asks keeps more of
// its score than one that shares fewer of its words; a licence, a hit the question
// names, and any hit of a question without Chinese keep theirs.
func TestWeighByTitleMatch(t *testing.T) {
	hits := []Hit{
		{Dataset: "taipei_faq", Key: "far", Title: "敬老卡卡片遺失如何補發？", Score: 1},
		{Dataset: "taipei_faq", Key: "near", Title: "敬老卡搭乘捷運是否免費？", Score: 1},
		{Dataset: "tfda_drug", Key: "drug", Title: "敬老錠", Score: 1},
		{Dataset: "taipei_faq", Key: "named", Title: "其他", Score: 1, Evidence: []string{EvidenceKey}},
	}
	WeighByTitleMatch(Normalize("敬老卡搭捷運要錢嗎"), hits)
	if !(hits[1].Score > hits[0].Score) {
		t.Errorf("the FAQ asked %.3f, the other %.3f: want the one asked above", hits[1].Score, hits[0].Score)
	}
	if hits[0].Score >= 1 || hits[2].Score != 1 || hits[3].Score != 1 {
		t.Errorf("scores %v: want the passages scaled, the licence and the named hit kept", hits)
	}
	en := []Hit{{Dataset: "taipei_faq", Title: "敬老卡搭乘捷運是否免費？", Score: 1}}
	if WeighByTitleMatch("is the senior card free on the MRT", en); en[0].Score != 1 {
		t.Errorf("an English question: score %.3f, want 1", en[0].Score)
	}
}
