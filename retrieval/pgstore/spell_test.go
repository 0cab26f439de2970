package pgstore

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"ibuprofin", "ibuprofen", 1},
		{"famotadine", "famotidine", 1},
		{"acyclovir", "acyclovir", 0},
		{"aspirin", "asprin", 1},
		{"abc", "xyzzy", 3}, // past the limit of 2
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, 2); got != min(tt.want, 3) {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, min(tt.want, 3))
		}
	}
}
