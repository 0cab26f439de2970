package retrieval

import "testing"

func TestCoverage(t *testing.T) {
	tests := []struct {
		q, title, body     string
		minAll, maxAll     float64
		minAbout, maxAbout float64
	}{
		// A matching FAQ covers the question and is about it.
		{"路邊停車費怎麼繳", "路邊停車費如何繳納?", "本市路邊停車費可採下列管道繳交", 0.4, 1, 0.5, 1},
		// Synonyms count: 弄丟 is 遺失.
		{"愛心卡弄丟了", "愛心悠遊卡遺失怎麼辦？", "", 0.5, 1, 0.3, 1},
		// English words count through the glossary.
		{"Can I take my medicine with coffee?", "吃藥時配咖啡應該沒關係吧？", "", 0.9, 1, 0.9, 1},
		// Sharing only what is to be done is not being about the same thing.
		{"身分證掉了怎麼補辦", "替代役退役證明遺失如何辦理補發？", "攜帶身份證至公所", 0, 1, 0, 0},
		// Nothing shared.
		{"如何養貓", "肝葆膠囊", "紅色 膠囊", 0, 0, 0, 0},
	}
	for _, tt := range tests {
		all, about := Coverage(Normalize(tt.q), tt.title+"\n"+tt.body, tt.title)
		if all < tt.minAll || all > tt.maxAll || about < tt.minAbout || about > tt.maxAbout {
			t.Errorf("Coverage(%q, %q) = %.2f, %.2f; want all in [%.2f, %.2f], about in [%.2f, %.2f]",
				tt.q, tt.title, all, about, tt.minAll, tt.maxAll, tt.minAbout, tt.maxAbout)
		}
	}
}
