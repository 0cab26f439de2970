package ingest

import "testing"

func TestRepairText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want   string
		broken, repaired int
	}{
		{"clean", "不鏽鋼餐具", "不鏽鋼餐具", 0, 0},
		{"stainless steel", "玻璃及不\ufffd鋼材質", "玻璃及不銹鋼材質", 1, 1},
		{"cosmetics", "不法藥物、化\ufffd品檢舉", "不法藥物、化粧品檢舉", 1, 1},
		{"where", "請問那\ufffd可以做癌症篩檢?", "請問那裏可以做癌症篩檢?", 1, 1},
		{"company name", "宏\ufffd、聯發科", "宏碁、聯發科", 1, 1},
		{"two in one text", "宏\ufffd與不\ufffd鋼", "宏碁與不銹鋼", 2, 2},
		{"no listed word: kept visible", "捷運站\ufffd的旅遊服務中心", "捷運站\ufffd的旅遊服務中心", 1, 0},
		{"a bullet at a line start: kept", "補助\n\ufffd委託建築師", "補助\n\ufffd委託建築師", 1, 0},
		{"at the very start", "\ufffd鋼", "\ufffd鋼", 1, 0},
		{"at the very end", "不\ufffd", "不\ufffd", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := RepairText(tc.in)
			if got != tc.want || n.Broken != tc.broken || n.Repaired != tc.repaired {
				t.Errorf("RepairText(%q) = %q, %+v; want %q, %d broken, %d repaired", tc.in, got, n, tc.want, tc.broken, tc.repaired)
			}
		})
	}
}

// TestETENWordsFile: every listed word holds one of the seven characters, and each
// of the seven has a word (a character without one could never be restored).
func TestETENWordsFile(t *testing.T) {
	seen := map[rune]bool{}
	for _, w := range etenWords {
		seen[w.runes[w.at]] = true
	}
	for _, c := range etenHan {
		if !seen[c] {
			t.Errorf("no word in eten_words.txt restores %c", c)
		}
	}
}
