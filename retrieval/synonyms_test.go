package retrieval

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		q       string
		want    []string
		notWant []string
	}{
		{"腳踏車被偷了", []string{"自行車", "失竊"}, []string{"腳踏車"}},
		{"身障手冊不見了", []string{"身心障礙證明", "遺失"}, nil},
		{"普拿疼", nil, nil},
		{"I lost my EasyCard", []string{"遺失", "悠遊卡"}, nil},
		{"", nil, nil},
	}
	for _, tt := range tests {
		got := Expand(tt.q)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Expand(%q) = %q, want %q in it", tt.q, got, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(got, w) {
				t.Errorf("Expand(%q) = %q repeats %q", tt.q, got, w)
			}
		}
		if len(tt.want) == 0 && got != "" {
			t.Errorf("Expand(%q) = %q, want nothing", tt.q, got)
		}
	}
}

func TestSynonymGroupsDisjoint(t *testing.T) {
	seen := map[string]int{}
	for i, g := range synonymGroups {
		for _, w := range g {
			if j, ok := seen[w]; ok {
				t.Errorf("%q is in groups %d and %d", w, j, i)
			}
			seen[w] = i
		}
	}
}
