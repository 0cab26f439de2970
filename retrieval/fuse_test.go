package retrieval

import "testing"

func TestFuse(t *testing.T) {
	one, two := DocRef{"d", "1"}, DocRef{"d", "2"}
	f := Fuse([]Leg{
		{Evidence: EvidenceMeaning, Weight: 1},
		{Evidence: EvidenceKey, Weight: 1, Flat: true, Names: true},
	}, [][]DocRef{{one, two, one}, {two}})
	if want := 1.0 / (RRFK + 1); f.Scores[one] != want {
		t.Errorf("score of 1 = %v, want %v (a repeat counts once)", f.Scores[one], want)
	}
	if want := 1.0/(RRFK+2) + 1; f.Scores[two] != want {
		t.Errorf("score of 2 = %v, want %v", f.Scores[two], want)
	}
	if !f.Named[two] || f.Named[one] || len(f.Evidence[two]) != 2 || f.Evidence[two][1] != EvidenceKey {
		t.Errorf("named %v, evidence %v", f.Named, f.Evidence)
	}
}

// TestFuseWidens: a widening leg counts only for the documents no other leg found,
// whichever place it has among the legs, and keeps its own ranks.
func TestFuseWidens(t *testing.T) {
	one, two, three := DocRef{"d", "1"}, DocRef{"d", "2"}, DocRef{"d", "3"}
	f := Fuse([]Leg{
		{Evidence: EvidenceTerms, Weight: 2, Widens: true},
		{Evidence: EvidenceMeaning, Weight: 1},
	}, [][]DocRef{{one, two, three}, {one}})
	if want := 1.0 / (RRFK + 1); f.Scores[one] != want {
		t.Errorf("score of 1 = %v, want %v (the meaning leg's alone)", f.Scores[one], want)
	}
	if want := 2.0 / (RRFK + 2); f.Scores[two] != want {
		t.Errorf("score of 2 = %v, want %v (second in the widening leg)", f.Scores[two], want)
	}
	if len(f.Evidence[one]) != 1 || f.Evidence[one][0] != EvidenceMeaning {
		t.Errorf("evidence of 1 = %v, want only meaning", f.Evidence[one])
	}
	if _, ok := f.Scores[three]; !ok {
		t.Errorf("3, found by the widening leg alone, has no score")
	}
}
