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
