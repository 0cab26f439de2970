package retrieval

import "testing"

func TestFuse(t *testing.T) {
	f := Fuse([]Leg[int]{
		{Evidence: EvidenceMeaning, IDs: []int{1, 2, 1}, Weight: 1},
		{Evidence: EvidenceKey, IDs: []int{2}, Weight: 1, Flat: true, Names: true},
	})
	if want := 1.0 / (RRFK + 1); f.Scores[1] != want {
		t.Errorf("score of 1 = %v, want %v (a repeat counts once)", f.Scores[1], want)
	}
	if want := 1.0/(RRFK+2) + 1; f.Scores[2] != want {
		t.Errorf("score of 2 = %v, want %v", f.Scores[2], want)
	}
	if !f.Named[2] || f.Named[1] || len(f.Evidence[2]) != 2 || f.Evidence[2][1] != EvidenceKey {
		t.Errorf("named %v, evidence %v", f.Named, f.Evidence)
	}
}
