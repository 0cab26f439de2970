package retrieval

import "testing"

func TestCommonRun(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"普拿疼伏冒有哪幾種", "普拿疼伏冒日夜膜衣錠", 5},
		{"半夜可以停紅線嗎", "夜可眠膠囊50毫克", 2},
		{"YSP 52", "ysp 52", 3}, // case is ignored, digits do not count
		{"儲值100元", "止痛錠100毫克", 0},
		{"a, b", "a, b", 1}, // punctuation breaks a run
		{"", "普拿疼", 0},
	} {
		if got := commonRun(tc.a, tc.b); got != tc.want {
			t.Errorf("commonRun(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestIsMedicineQuery(t *testing.T) {
	for q, want := range map[string]bool{
		"吃了過期的藥會怎樣":         true,
		"白色圓形，上面寫 YSP":      true,
		"衛署藥製字第029478號":     true,
		"what is this pill": true,
		"半夜可以停紅線嗎":          false,
		"愛心卡弄丟了":            false,
	} {
		if got := IsMedicineQuery(Normalize(q)); got != want {
			t.Errorf("IsMedicineQuery(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestWeighByDomain(t *testing.T) {
	hits := func() []Hit {
		return []Hit{
			{Dataset: "tfda_drug", Title: "夜可眠膠囊50毫克", Score: 1, Evidence: []string{EvidenceTerms}},
			{Dataset: "taipei_faq", Title: "紅線可以臨時停車嗎？", Score: 1, Evidence: []string{EvidenceTerms}},
			{Dataset: "tfda_myth", Title: "吃藥配茶會怎樣？", Score: 1, Evidence: []string{EvidenceTerms}},
			{Dataset: "tfda_drug", Title: "普拿疼伏冒日夜膜衣錠", Score: 1, Evidence: []string{EvidenceMeaning}},
		}
	}
	// A service question: the drug that only shares a syllable drops, the rest stay.
	hs := hits()
	WeighByDomain("半夜可以停紅線嗎", hs)
	if hs[0].Score != offTopicWeight || hs[1].Score != 1 || hs[2].Score != 1 || hs[3].Score != offTopicWeight {
		t.Errorf("service question: %v %v %v %v", hs[0].Score, hs[1].Score, hs[2].Score, hs[3].Score)
	}
	// A medicine question: the city FAQ drops.
	hs = hits()
	WeighByDomain("吃藥可以喝茶嗎", hs)
	if hs[0].Score != 1 || hs[1].Score != offTopicWeight || hs[2].Score != 1 {
		t.Errorf("medicine question: %v %v %v", hs[0].Score, hs[1].Score, hs[2].Score)
	}
	// A brand named without a word of medicine makes it a medicine question.
	hs = hits()
	WeighByDomain("普拿疼伏冒有哪幾種", hs)
	if hs[3].Score != 1 || hs[1].Score != offTopicWeight {
		t.Errorf("brand question: %v %v", hs[3].Score, hs[1].Score)
	}
	// A city FAQ sharing an everyday phrase with a medicine question does not escape.
	hs = []Hit{{Dataset: "taipei_faq", Title: "若要更換已過期的印鑑證明", Score: 1, Evidence: []string{EvidenceTerms}}}
	WeighByDomain("吃了過期的藥會怎樣", hs)
	if hs[0].Score != offTopicWeight {
		t.Errorf("city FAQ for a medicine question: %v", hs[0].Score)
	}
	// What the query names is never weighed down.
	hs = []Hit{{Dataset: "tfda_drug", Title: "瓦斯敏錠", Score: 1, Evidence: []string{EvidenceName}}}
	WeighByDomain("瓦斯敏", hs)
	if hs[0].Score != 1 {
		t.Errorf("named drug: %v", hs[0].Score)
	}
}

func TestDemoteCancelled(t *testing.T) {
	hits := func() []Hit {
		return []Hit{
			{Dataset: "tfda_drug", Title: "百服寧錠", Status: "cancelled", Score: 1},
			{Dataset: "tfda_drug", Title: "咳服寧糖衣錠", Status: "active", Score: 0.6},
			{Dataset: "tfda_drug", Title: "感冒膠囊", Status: "active", Score: 0.5},
			{Dataset: "tfda_drug", Title: "感冒膠囊", Status: "cancelled", Score: 0.5},
			{Dataset: "tfda_drug", Title: "欣欣眼藥水", Status: "cancelled", Score: 0.9},
			{Dataset: "tfda_drug", Title: `"派頓"保滴明點眼液`, Status: "active", Score: 0.5},
		}
	}
	// Only cancelled licences carry the brand asked about: they keep their score.
	hs := hits()
	DemoteCancelled("百服寧可以空腹吃嗎", hs, make([]bool, len(hs)))
	if hs[0].Score != 1 {
		t.Errorf("百服寧錠 (cancelled, the only 百服寧) scored %v, want 1", hs[0].Score)
	}
	// A valid licence of the same name is there: the cancelled one goes below it.
	hs = hits()
	DemoteCancelled("感冒膠囊", hs, make([]bool, len(hs)))
	if hs[3].Score >= hs[2].Score {
		t.Errorf("cancelled 感冒膠囊 scored %v, the valid one %v: want it below", hs[3].Score, hs[2].Score)
	}
	// A generic word at the end of a cancelled licence's name does not name it.
	hs = hits()
	DemoteCancelled("naphazoline 眼藥水", hs, make([]bool, len(hs)))
	if hs[4].Score != 0.45 {
		t.Errorf("cancelled 欣欣眼藥水 scored %v for «naphazoline 眼藥水», want it halved", hs[4].Score)
	}
	// Named by a leg (its key), a cancelled licence keeps its score.
	hs = hits()
	named := make([]bool, len(hs))
	named[3] = true
	DemoteCancelled("感冒膠囊", hs, named)
	if hs[3].Score != 0.5 {
		t.Errorf("named cancelled licence scored %v, want 0.5", hs[3].Score)
	}
}
