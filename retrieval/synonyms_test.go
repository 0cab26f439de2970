package retrieval

import (
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		q       string
		want    []string
		notWant []string
	}{
		{"腳踏車被偷了", []string{"自行車", "失竊"}, []string{"腳踏車"}},
		{"身障手冊不見了", []string{"身心障礙證明", "遺失"}, nil},
		{"普拿疼", nil, nil},
		{"I lost my EasyCard", []string{"遺失", "悠遊卡"}, nil},
		{"", nil, nil},
	}
	for _, tt := range tests {
		got := Expand(tt.q)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Expand(%q) = %q, want %q in it", tt.q, got, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(got, w) {
				t.Errorf("Expand(%q) = %q repeats %q", tt.q, got, w)
			}
		}
		if len(tt.want) == 0 && got != "" {
			t.Errorf("Expand(%q) = %q, want nothing", tt.q, got)
		}
	}
}

func TestSynonymGroupsDisjoint(t *testing.T) {
	seen := map[string]string{}
	for _, g := range builtinSynonyms.groups {
		for _, w := range g.Words {
			if other, ok := seen[w]; ok {
				t.Errorf("%q is in groups %s and %s", w, other, g.Name)
			}
			seen[w] = g.Name
		}
	}
	if len(seen) < 100 {
		t.Errorf("%d synonyms, want the groups of synonyms.tsv", len(seen))
	}
}

func TestParseSynonymsFailsWithFileAndLine(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"word in two groups", "a\t弄丟\t遺失\n# c\nb\t補辦\t遺失\n", "s.tsv:3: \"遺失\" of synonym group \"b\" is already in the group of \"弄丟\""},
		{"name taken", "a\t弄丟\t遺失\na\t補辦\t補發\n", "s.tsv:2: synonym group \"a\" already exists"},
		{"one word", "a\t弄丟\n", "s.tsv:1: 2 fields, want at least 3"},
		{"empty word", "a\t弄丟\t\t遺失\n", "s.tsv:1: field 3 is empty"},
		{"short word", "a\t弄丟\t丟\n", "s.tsv:1: synonym group \"a\": \"丟\" is shorter than two characters"},
		{"not NFC", "a\t弄丟\tcafe\u0301s\n", "s.tsv:1: field 3 \"cafe\u0301s\" is not NFC"},
		{"not as read", "a\t弄丟\t丢失\n", "s.tsv:1: synonym group \"a\": \"丢失\" is not written as questions are read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSynonyms("s.tsv", tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseSynonyms: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestStaffSynonymsJoinTheQuerySide(t *testing.T) {
	t.Cleanup(func() { _ = UseStaffSynonyms(nil) })
	if got := Expand("悠遊卡加值"); strings.Contains(got, "儲值") {
		t.Fatalf("Expand before = %q", got)
	}
	if err := UseStaffSynonyms([]SynonymGroup{{Name: "top-up", Words: []string{"加值", "儲值"}}}); err != nil {
		t.Fatal(err)
	}
	if got := Expand("悠遊卡加值"); !strings.Contains(got, "儲值") {
		t.Errorf("Expand with a staff group = %q, want 儲值", got)
	}
	err := UseStaffSynonyms([]SynonymGroup{{Name: "x", Words: []string{"加值", "遺失"}}})
	if err == nil || !strings.Contains(err.Error(), "遺失") {
		t.Errorf("a staff group with a built-in word: %v, want it refused", err)
	}
	if got := Expand("悠遊卡加值"); !strings.Contains(got, "儲值") {
		t.Errorf("a refused table replaced the one in use: Expand = %q", got)
	}
	if err := UseStaffSynonyms(nil); err != nil || strings.Contains(Expand("悠遊卡加值"), "儲值") {
		t.Errorf("retired staff groups still expand: %v %q", err, Expand("悠遊卡加值"))
	}
}

func TestQuestionWordsLongestFirst(t *testing.T) {
	for i := 1; i < len(questionWordList); i++ {
		if len([]rune(questionWordList[i])) > len([]rune(questionWordList[i-1])) {
			t.Fatalf("%q after %q", questionWordList[i], questionWordList[i-1])
		}
	}
	if got := questionWords.Replace("上面寫著什麼時候"); strings.TrimSpace(got) != "" {
		t.Errorf("questionWords.Replace = %q, want the longest words cut whole", got)
	}
}

func TestLexiconVersion(t *testing.T) {
	if v := LexiconVersion(); len(v) != 16 || v != LexiconVersion() {
		t.Errorf("LexiconVersion = %q, want 16 stable hex digits", v)
	}
}

func TestConcepts(t *testing.T) {
	c := Concepts(Normalize("愛心卡弄丟了怎麼辦"))
	for _, tok := range []string{"弄丟", "丟了", "遺失", "不見", "掉了"} {
		if c[tok] != "弄丟" {
			t.Errorf("%s → %q, want the group of 弄丟", tok, c[tok])
		}
	}
	// 「卡弄」 is not only the lost thing, and 「車費」 in 「停車費」 says more than 停車.
	if c := Concepts("路邊停車費"); c["車費"] != "" || c["停車"] == "" {
		t.Errorf("路邊停車費: %v", c)
	}
	for _, tok := range []string{"愛心", "心卡", "卡弄", "麼辦"} {
		if _, ok := c[tok]; ok {
			t.Errorf("%s is not part of a synonym group: %q", tok, c[tok])
		}
	}
	if len(Concepts("路邊停車費")) == 0 || len(Concepts("普拿疼")) != 0 {
		t.Errorf("停車 is in a group, 普拿疼 in none: %v %v", Concepts("路邊停車費"), Concepts("普拿疼"))
	}
}

func TestExpandMainlandNames(t *testing.T) {
	for q, want := range map[string]string{
		"普拿疼跟布洛芬可以一起吃嗎": "ibuprofen",
		"阿昔洛韦乳膏":        "acyclovir",
		"奥司他韦胶囊":        "oseltamivir",
		"左氧氟沙星":         "levofloxacin",
	} {
		got := strings.Fields(Expand(Normalize(q)))
		if !slices.Contains(got, want) {
			t.Errorf("Expand(%q) = %q, want it to hold %q", q, got, want)
		}
	}
	if got := Expand(Normalize("左氧氟沙星")); strings.Contains(" "+got+" ", " ofloxacin ") {
		t.Errorf("Expand(左氧氟沙星) = %q: ofloxacin is only part of the name", got)
	}
}

func TestExpandEnglishPhrases(t *testing.T) {
	got := strings.Fields(Expand(Normalize("How do I apply for a senior citizen card?")))
	if !slices.Contains(got, "敬老卡") {
		t.Errorf("Expand(senior citizen card) = %q, want 敬老卡 among them", got)
	}
	// The same query expands the same way every time.
	for range 20 {
		if again := strings.Fields(Expand(Normalize("my senior card and my health insurance card"))); !slices.Equal(again, strings.Fields(Expand(Normalize("my senior card and my health insurance card")))) {
			t.Fatalf("Expand is not deterministic: %q", again)
		}
	}
}

func TestExpandOneCharacterThings(t *testing.T) {
	if got := strings.Fields(Expand(Normalize("我家的狗死掉了要怎麼處理"))); !slices.Contains(got, "寵物") {
		t.Errorf("Expand(我家的狗…) = %q, want 寵物 among them", got)
	}
	// 「死掉了」 is a death, not a loss: 掉了 must not stand for 遺失.
	if c := Concepts(Normalize("我家的狗死掉了")); c["掉了"] == "弄丟" {
		t.Errorf("Concepts(死掉了) maps 掉了 to the lost-things group: %v", c)
	}
}

// A synonym group's word of several bigrams is stood for by its rarest bigram in the
// weighted leg: 「全民健康保險」 for 「健保」 must not find (nor be weighed as) any
// passage on insurance (保險) or health (健康).
func TestWeightedLongSynonymByItsRarestBigram(t *testing.T) {
	a := Analyze("健保費怎麼繳")
	v := Vocabulary{Chunks: 10000, Freq: map[string]int{
		"健保": 20, "保費": 30, "全民": 60, "民健": 8, "健康": 200, "康保": 9, "保險": 150,
	}}
	l, ok := weighted(a.Text, append(a.Tokens, a.Synonyms...), nil, v)
	if !ok {
		t.Fatal("no weighted leg")
	}
	var label string
	for i, w := range l.Words {
		switch w {
		case "保險", "健康", "全民", "康保":
			t.Errorf("leg holds %q (%v): a stray bigram of a longer synonym", w, l.Words)
		case "健保", "民健":
			if label != "" && l.Concepts[i] != label {
				t.Errorf("%q is concept %q, want %q", w, l.Concepts[i], label)
			}
			label = l.Concepts[i]
		}
	}
	if !slices.Contains(l.Words, "健保") || !slices.Contains(l.Words, "民健") {
		t.Errorf("leg words %v, want 健保 and 民健 (the rarest bigram of 全民健康保險 and 全民健保)", l.Words)
	}
}

// Everyday names of city services expand to their official names.
func TestExpandEverydayNames(t *testing.T) {
	for q, want := range map[string]string{
		"收到紅單":    "罰單",
		"坐小黃":     "計程車",
		"長照服務":    "長期照顧",
		"身份證掉了":   "身分證",
		"良民證怎麼申請": "警察刑事紀錄證明書",
		"水龍頭的水":   "自來水",
		"特休怎麼算":   "特別休假",
		"殘障手冊":    "身心障礙證明",
	} {
		if got := Expand(q); !strings.Contains(got, want) {
			t.Errorf("Expand(%q) = %q, want %q in it", q, got, want)
		}
	}
}
