package retrieval

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
		if got := EditDistance(tt.a, tt.b, 2); got != min(tt.want, 3) {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, min(tt.want, 3))
		}
	}
}

func TestLicenceSerials(t *testing.T) {
	tests := []struct {
		q    string
		want string
	}{
		{"衛署藥製字第029478號", "029478"},
		{"藥製字029478", "029478"},
		{"029478", "029478"},
		{"內衛成製字第75號", "000075"},
		{"普拿疼", ""},
	}
	for _, tt := range tests {
		got := LicenceSerials(tt.q)
		if (tt.want == "" && len(got) != 0) || (tt.want != "" && (len(got) == 0 || got[0] != tt.want)) {
			t.Errorf("LicenceSerials(%q) = %v, want %q first", tt.q, got, tt.want)
		}
	}
}

func TestNameSpans(t *testing.T) {
	spans := NameSpans("固胃必朗錠是治什麼的？ ibuprofen 123")
	for _, want := range []string{"固胃必朗錠", "固胃必", "胃必朗錠是治什麼的"} {
		found := false
		for _, s := range spans {
			found = found || s == want
		}
		if !found {
			t.Errorf("NameSpans lacks %q: %v", want, spans)
		}
	}
	for _, s := range spans {
		if !hasHan([]rune(s)) {
			t.Errorf("span %q has no Han character", s)
		}
	}
	if got := NameSpans(""); len(got) != 0 {
		t.Errorf("NameSpans(\"\") = %v", got)
	}
}
