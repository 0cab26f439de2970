package retrieval

import (
	"slices"
	"testing"
)

// assocCorpus: three records whose answers say 夜市 where their titles say 攤商, and
// filler records so that neither word is common.
func assocCorpus() []AssocDoc {
	docs := []AssocDoc{
		{Title: "攤商如何登記", Text: "夜市營業時間"},
		{Title: "攤商稅務", Text: "夜市管理規則"},
		{Title: "攤商可以轉讓嗎", Text: "夜市攤位申請"},
		{Title: "垃圾清運時間", Text: "清潔隊每晚收運垃圾"},
	}
	for _, t := range []string{"圖書館開放", "公園草皮", "游泳池票價", "動物收容", "路燈報修", "市民卡申請"} {
		docs = append(docs, AssocDoc{Title: t, Text: t + "的說明"})
	}
	return docs
}

func TestLearnAssociationsTextToTitle(t *testing.T) {
	opt := AssocOptions{MinPairs: 3, MinNPMI: 0.5, PerTerm: 3, MaxShare: 0.5}
	as := LearnAssociations(assocCorpus(), opt)
	if !slices.ContainsFunc(as.Of("夜市"), func(x Associate) bool { return x.Term == "攤商" }) {
		t.Errorf("夜市's associates = %v, want 攤商 among them", as.Of("夜市"))
	}
	for _, x := range as.Of("夜市") {
		if x.Strength < opt.MinNPMI || x.Strength > 1 {
			t.Errorf("夜市 → %s strength %g, want %g to 1", x.Term, x.Strength, opt.MinNPMI)
		}
		if sharesRune("夜市", x.Term) {
			t.Errorf("夜市 → %s: bigrams sharing a character are not associates", x.Term)
		}
	}
	// 清潔隊 goes with 垃圾 in one record only: below MinPairs.
	if got := as.Of("清潔"); len(got) > 0 {
		t.Errorf("清潔's associates = %v, want none (one record)", got)
	}
	opt.MinPairs = 4
	if got := LearnAssociations(assocCorpus(), opt).Of("夜市"); len(got) > 0 {
		t.Errorf("with MinPairs 4, 夜市's associates = %v, want none (three records)", got)
	}
	opt.MinPairs, opt.PerTerm = 3, 1
	if got := LearnAssociations(assocCorpus(), opt).Of("夜市"); len(got) != 1 {
		t.Errorf("with PerTerm 1, 夜市's associates = %v, want one", got)
	}
}

func TestLearnAssociationsKeywordTerms(t *testing.T) {
	docs := assocCorpus()
	opt := AssocOptions{MinPairs: 3, MinNPMI: 0.5, PerTerm: 3, MaxShare: 0.5, KeywordTerms: true}
	if got := LearnAssociations(docs, opt).Of("夜市"); len(got) > 0 {
		t.Errorf("no keyword field: 夜市's associates = %v, want none", got)
	}
	docs[0].Keywords = []string{"夜市", "攤商"}
	got := LearnAssociations(docs, opt).Of("夜市")
	if len(got) != 1 || got[0].Term != "攤商" {
		t.Errorf("夜市's associates = %v, want only 攤商 (the keyword field's words)", got)
	}
}

func TestPlanAssociations(t *testing.T) {
	t.Cleanup(func() { UseAssociations(nil) })
	v := Vocabulary{Chunks: 1000, Freq: map[string]int{"夜市": 3, "攤商": 20, "繳費": 40}}
	legsOf := func() []Leg {
		a := Analyze("夜市怎麼繳費")
		return Plan(&a, nil, 0.5, v, false)
	}
	weightedWords := func(legs []Leg) [][]string {
		var out [][]string
		for _, l := range legs {
			if l.Kind == LegWeighted {
				out = append(out, l.Words)
			}
		}
		return out
	}
	UseAssociations(nil)
	off := weightedWords(legsOf())
	if len(off) != 1 || slices.Contains(off[0], "攤商") {
		t.Fatalf("without associations: weighted legs %v, want one without 攤商", off)
	}
	as := LearnAssociations(assocCorpus(), AssocOptions{MinPairs: 3, MinNPMI: 0.5, PerTerm: 3, MaxShare: 0.5})
	as.Weight = 0.3
	UseAssociations(as)
	shared := weightedWords(legsOf())
	if len(shared) != 1 || !slices.Contains(shared[0], "攤商") {
		t.Errorf("associations in the weighted leg: %v, want one leg holding 攤商", shared)
	}
	as.LegWeight = 0.3
	own := weightedWords(legsOf())
	if len(own) != 2 || slices.Contains(own[0], "攤商") || !slices.Equal(own[1], []string{"攤商"}) {
		t.Errorf("associations in a leg of their own: %v, want the question's leg without 攤商 and a leg of 攤商", own)
	}
	as.Widens = true
	for _, l := range legsOf() {
		if l.Kind == LegWeighted && slices.Equal(l.Words, []string{"攤商"}) && (l.Weight != 0.3 || !l.Widens) {
			t.Errorf("the associates' leg weighs %g, widens %v; want 0.3, true", l.Weight, l.Widens)
		}
	}
}
