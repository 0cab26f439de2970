package retrieval

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"punctuation only", "!!! ？。、", nil},
		{"chinese bigrams", "愛心卡弄丟了", []string{"愛心", "心卡", "卡弄", "弄丟", "丟了"}},
		{"single character run", "藥", []string{"藥"}},
		{"punctuation splits chinese", "普拿疼，藥", []string{"普拿", "拿疼", "藥"}},
		{"english lowercased", "Ibuprofen Tablets", []string{"ibuprofen", "tablets"}},
		{"repeats kept", "藥 藥", []string{"藥", "藥"}},
		{"mixed chinese english", "普拿疼Panadol 500毫克", []string{"普拿", "拿疼", "panadol", "500", "毫克"}},
		{"code whole and parts", "ysp52", []string{"ysp52", "ysp", "52"}},
		{"code with space", "YSP 52", []string{"ysp", "52", "ysp52"}},
		{"code with hyphen", "YSP-52", []string{"ysp", "52", "ysp52"}},
		{"dose", "500 mg", []string{"500", "mg", "500mg"}},
		{"licence number", "衛署藥製字第012345號", []string{"衛署", "署藥", "藥製", "製字", "字第", "012345", "號"}},
		{"full width", "ＹＳＰ　５２　普拿疼", []string{"ysp", "52", "ysp52", "普拿", "拿疼"}},
		{"emoji and controls dropped", "😀藥\x00丸\u200b🙏ok\r\n", []string{"藥", "丸", "ok"}},
		{"sql metacharacters", "'; DROP TABLE--", []string{"drop", "table"}},
		{"tsquery operators", "a & b | !c <-> d:* (e)", []string{"a", "b", "c", "d", "e"}},
		{"invalid utf-8", "\xff藥\xfe", []string{"藥"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Tokens(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got, want := TokenString(tt.in), strings.Join(tt.want, " "); got != want {
				t.Errorf("TokenString(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"", "愛心卡弄丟了", "YSP 52", "ysp52 500 mg", "ＹＳＰ　５２", "'; DROP TABLE--", "😀\x00", "〇", "e\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokens(s)
		for _, tok := range toks {
			if tok == "" {
				t.Fatal("empty token")
			}
			for _, r := range tok {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("token %q has %U", tok, r)
				}
				if unicode.ToLower(r) != r {
					t.Fatalf("token %q is not lowercase", tok)
				}
			}
		}
		if got, want := TokenString(s), strings.Join(toks, " "); got != want {
			t.Fatalf("TokenString = %q, want %q", got, want)
		}
	})
}

func TestContentTokens(t *testing.T) {
	got := strings.Join(ContentTokens("海葬要怎麼申請"), " ")
	if strings.Contains(got, "怎麼") || !strings.Contains(got, "海葬") || !strings.Contains(got, "申請") {
		t.Errorf("ContentTokens = %q: want filler dropped, content kept", got)
	}
	if got := ContentTokens("怎麼辦"); len(got) == 0 {
		t.Error("a query of filler alone keeps its tokens")
	}
}

func TestContentTokensDropParticleBigrams(t *testing.T) {
	got := strings.Join(ContentTokens("愛心卡丟了怎麼辦"), " ")
	if strings.Contains(got, "了怎") || !strings.Contains(got, "丟了") || !strings.Contains(got, "愛心") {
		t.Errorf("ContentTokens(愛心卡丟了怎麼辦) = %s", got)
	}
	if got := ContentTokens("的了"); len(got) == 0 {
		t.Error("a message of nothing but particles keeps its tokens")
	}
}

func TestHasContent(t *testing.T) {
	for q, want := range map[string]bool{
		"請問":        false,
		"怎麼辦？":      false,
		"可以嗎":       false,
		"what?":     false,
		"How do I?": false,
		"普拿疼":       true,
		"愛心卡弄丟了":    true,
		"ibuprofen": true,
		"YSP 52":    true,
		"請問敬老卡怎麼申請": true,
	} {
		if got := HasContent(Normalize(q)); got != want {
			t.Errorf("HasContent(%q) = %v, want %v", q, got, want)
		}
	}
}
