package retrieval

import (
	"slices"
	"testing"
)

// TestDictionaryEnglish checks the dictionary's place beside the glossary: it gives
// Chinese for the English the glossary lacks, of a word or its plural; the glossary wins
// where both speak; function words have none; a phrase the dictionary names stands for
// its words; and it never makes a word everyday English for the drug-name leg.
func TestDictionaryEnglish(t *testing.T) {
	if got := chineseFor("wetland"); !slices.Contains(got, "濕地") {
		t.Errorf("wetland: %v, want 濕地 from the dictionary", got)
	}
	if got := chineseFor("volunteers"); !slices.Contains(got, "志工") {
		t.Errorf("volunteers: %v, want 志工 by the singular", got)
	}
	if got := chineseFor("subsidy"); !slices.Equal(got, glossary["subsidy"]) {
		t.Errorf("subsidy: %v, want the glossary's %v", got, glossary["subsidy"])
	}
	for _, w := range []string{"the", "what", "please"} {
		if got := chineseFor(w); got != nil {
			t.Errorf("%s: %v, want nothing for a function word", w, got)
		}
	}
	got := translate("Are sprouted sweet potatoes poisonous?")
	if !slices.Contains(got, "地瓜") || slices.Contains(got, "馬鈴薯") {
		t.Errorf("sweet potatoes: %v, want 地瓜 (the phrase) and not 馬鈴薯 (potato)", got)
	}
	if got := translate("Is a potato that sprouted poisonous?"); !slices.Contains(got, "馬鈴薯") {
		t.Errorf("potato alone: %v, want 馬鈴薯", got)
	}
	if _, ok := dictionary["ginseng"]; !ok {
		t.Fatal("the dictionary lacks ginseng: pick another word it has that names a medicine's ingredient")
	}
	if InGlossary("ginseng") || IsEnglishWord("ginseng") {
		t.Error("ginseng counts as everyday English: the dictionary must not take a medicine's word off the drug-name leg")
	}
}

// TestEnglishActionsFromChinese checks that an English word whose Chinese is an action
// (apply: 申請) counts as an action, not as what the question is about: a FAQ that
// only shares «apply» with «How do I apply for a library card?» is about nothing asked.
func TestEnglishActionsFromChinese(t *testing.T) {
	q := Normalize("How do I apply for a library card?")
	_, about := Coverage(q, "申請良民證需要哪些文件？", "申請良民證需要哪些文件？")
	if about != 0 {
		t.Errorf("about %.2f: want 0, «apply» is an action", about)
	}
	if _, about := Coverage(q, "借書證怎麼申請？圖書館", "圖書館借書證怎麼申請？"); about <= 0 {
		t.Errorf("about %.2f for the library's own FAQ: want more than 0", about)
	}
}
