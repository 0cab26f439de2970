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

// TestTitleMatchAspect: of the FAQs on one service, the one whose own question states
// the aspect asked (is it free? when is it paid? where? is it open on Mondays? who
// may apply?) matches the question better than one that states another aspect; a
// question asking no aspect compares as before.
func TestTitleMatchAspect(t *testing.T) {
	for _, c := range []struct{ q, asked, other string }{
		{"海葬要錢嗎", "請問參加海葬需要繳交費用嗎？", "請問如何申請海葬？"},
		{"身障租屋補助什麼時候發錢", "身心障礙者房屋租金補貼何時發放?", "身心障礙者房屋租金補貼申請資格"},
		{"身障租屋補貼要帶哪些文件", "身心障礙者房屋租金補貼應備文件", "身心障礙者房屋租金補貼申請資格"},
		{"身障者租房子的補貼，什麼條件才能申請", "身心障礙者房屋租金補貼申請資格", "身心障礙者房屋租金補貼應備文件"},
		{"中正親子館禮拜一有開嗎", "中正親子館開放時間、服務內容、服務對象、預約方式?", "中正親子館地點及電話為何？"},
		{"老人裝假牙有補助嗎 誰可以申請", "老人假牙補助對象為何？", "老人假牙補助申請流程為何？"},
	} {
		q := Normalize(c.q)
		at, aq := TitleMatch(q, c.asked)
		ot, oq := TitleMatch(q, c.other)
		if at+aq <= ot+oq {
			t.Errorf("%q: %q matches %.2f, %q %.2f: want the aspect asked first", c.q, c.asked, at+aq, c.other, ot+oq)
		}
	}
	// No aspect asked: the title's aspect words count as its other words do.
	title := "請問參加海葬需要繳交費用嗎？"
	ts, qs := TitleMatch(Normalize("海葬"), title)
	if want := 2 / float64(len(contentUnits(title))); ts != want || qs != 1 {
		t.Errorf("a question asking no aspect: %.2f, %.2f; want %.2f, 1 (海 and 葬 of the title's units)", ts, qs, want)
	}
}

func TestParseAspects(t *testing.T) {
	as, err := parseAspects(aspectsFile)
	if err != nil || len(as) == 0 {
		t.Fatalf("the embedded file: %v (%d aspects)", err, len(as))
	}
	if got := askedAspects("海葬要錢嗎"); len(got) != 1 || got[0] != "cost" {
		t.Errorf("askedAspects(海葬要錢嗎) = %v, want [cost]", got)
	}
	for _, bad := range []string{
		"",
		"# only a comment\n",
		"when 什麼時候 | 何時", // no label
		"when: 什麼時候 何時",  // no bar
		"when: | 何時",     // nothing asks it
		"when: 什麼時候 |",   // nothing states it
		"when: 何時 | 何時\nwhen: 幾時 | 何時", // a label twice
		"when: when | 何時",              // not Chinese
		"two words: 何時 | 何時",           // a label with a space
	} {
		if _, err := parseAspects(bad); err == nil {
			t.Errorf("parseAspects(%q) accepted a broken file", bad)
		}
	}
}

// TestSubjectMatch: two questions that share only the aspect they ask share no
// subject; the same subject asked of another aspect still does.
func TestSubjectMatch(t *testing.T) {
	if _, qs := SubjectMatch(Normalize("機車駕照考試要帶什麼證件"), "請問退休人員領支票需要帶什麼證件及資料？"); qs != 0 {
		t.Errorf("only the aspect shared: question share %.2f, want 0", qs)
	}
	if _, qs := SubjectMatch(Normalize("海葬要錢嗎"), "請問如何申請海葬？"); qs != 1 {
		t.Errorf("the same subject: question share %.2f, want 1", qs)
	}
}
