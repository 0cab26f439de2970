package retrieval

import "testing"

func TestSoundsAlike(t *testing.T) {
	for _, c := range []struct {
		text, w string
		want    bool
	}{
		{"便利商店可以加值", "加質", true},  // 質 is zhi2 in Taiwan, as 值
		{"育兒津貼的申請", "津帖", true},   // 帖 tie1, as 貼
		{"悠遊卡遺失", "悠游", true},     // 游 you2, as 遊
		{"便利商店可以加值", "加值", false}, // the word itself is not a sound-alike
		{"社會事件的處理", "時間", false},  // shi2 jian1 is not shi4 jian4
		{"立普妥膜衣錠", "普托", false},   // 托 tuo1 is not 妥 tuo3
		{"加值", "加", false},        // one character is not a word
		{"加值", "ab", false},
	} {
		if got := soundAlikeIn(c.text, c.w); got != c.want {
			t.Errorf("soundAlikeIn(%q, %q) = %v, want %v", c.text, c.w, got, c.want)
		}
	}
}

// TestCoverageOfTypos checks that a question typed with a character of the same sound
// covers what the question typed right covers, in Coverage (the gate), not in the
// rerank of every candidate.
func TestCoverageOfTypos(t *testing.T) {
	title := "敬老、愛心及愛心陪伴悠遊卡應該到哪裡辦裡加值?"
	text := title + "\n貼有悠遊卡標誌的便利超商，各捷運站自動加值機或詢問處，辦理卡片加值。"
	right, _ := Coverage(Normalize("敬老卡要去哪裡加值"), text, title)
	typed, _ := Coverage(Normalize("敬老卡要去哪裡加質"), text, title)
	if typed != right {
		t.Errorf("coverage %.2f with 加質, %.2f with 加值: want the same", typed, right)
	}
	cs := questionConcepts(Normalize("敬老卡要去哪裡加質"))
	if noSounds, _ := coverageOf(cs, text, title, false); noSounds >= right {
		t.Errorf("without sounds, coverage %.2f: want below %.2f", noSounds, right)
	}
}
