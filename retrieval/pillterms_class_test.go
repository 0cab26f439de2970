package retrieval

import "testing"

// TestPillTermsNeedAPill: a colour word or a shape word alone is no pill description
// when the question says nothing of a pill (no pill word, no imprint); with one of
// them, or a colour and a shape together, it is.
func TestPillTermsNeedAPill(t *testing.T) {
	for _, q := range []string{"路邊的黃線可以停車嗎", "紅色的垃圾袋在哪裡買", "圓形的標誌是什麼意思",
		// A household tablet is no pill: the pill word inside it names no medicine.
		"馬桶水箱放藍色清潔錠會影響水質嗎", "白色的洗碗錠可以放洗衣機嗎"} {
		if c, s := PillTerms(q); len(c)+len(s) > 0 {
			t.Errorf("PillTerms(%q) = %v, %v; want none: another subject, no pill", q, c, s)
		}
	}
	for _, q := range []string{"黃色的藥丸", "白色圓形", "白色 YSP 52", "a white pill", "藍色的錠劑", "清潔錠旁邊撿到一顆藍色藥丸"} {
		if c, s := PillTerms(q); len(c)+len(s) == 0 {
			t.Errorf("PillTerms(%q) = none; want a pill's look", q)
		}
	}
}
