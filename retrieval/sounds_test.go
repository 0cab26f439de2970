package retrieval

import (
	"slices"
	"testing"
)

func TestSoundAlikes(t *testing.T) {
	// 加質 (no passage holds it) for 加值: 質 is zhi2 in Taiwan, as 值 is.
	v := Vocabulary{Freq: map[string]int{"敬老": 40}}
	alikes := soundAlikes([]string{"敬老", "加質"}, v)
	if alikes["加值"] != "加質" {
		t.Errorf("sound-alikes of 加質 lack 加值: %d words", len(alikes))
	}
	if _, ok := alikes["加成"]; ok { // 成 is cheng2
		t.Error("加成 is a sound-alike of 加質")
	}
	for w := range alikes {
		if w == "敬老" || []rune(w)[0] != '加' && []rune(w)[1] != '質' {
			t.Errorf("%s: want words of 加質 with one character changed", w)
		}
	}
	// A word that passages hold, or one character of two words (合 of 合法 in 有合),
	// is not changed.
	v = Vocabulary{Freq: map[string]int{"合法": 12}}
	for w, from := range soundAlikes([]string{"有合", "合法"}, v) {
		if from == "合法" || []rune(w)[1] != '合' {
			t.Errorf("%s for %s: want only 有 of 有合 changed", w, from)
		}
	}
	more := Vocabulary{Freq: map[string]int{"加值": 30, "佳值": 5, "加職": 2}}
	if got := soundFixes([]string{"加質"}, map[string]string{"加值": "加質", "佳值": "加質", "加職": "加質"}, more); !slices.Equal(got, []string{"加值"}) {
		t.Errorf("fixes %v, want the commonest, 加值", got)
	}
	if got := soundFixes([]string{"加質"}, map[string]string{"加職": "加質"}, more); got != nil {
		t.Errorf("fixes %v: want none held by fewer than %d passages", got, minSoundFixFreq)
	}
}
