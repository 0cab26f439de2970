package retrieval

import "testing"

func TestConfidence(t *testing.T) {
	tests := []struct {
		evidence []string
		want     float64
	}{
		{[]string{EvidenceMeaning, EvidenceKey}, 1},
		{[]string{EvidenceTitle}, 1},
		{[]string{EvidenceTerms, EvidenceImprint}, 0.9},
		{[]string{EvidenceAllTerms, EvidenceMeaning}, 0.8},
		{[]string{EvidenceTerms, EvidenceMeaning}, 0.5},
		{[]string{EvidenceMeaning}, 0.3},
		{[]string{EvidenceTerms}, 0.3},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := Confidence(tt.evidence); got != tt.want {
			t.Errorf("Confidence(%v) = %v, want %v", tt.evidence, got, tt.want)
		}
	}
}
