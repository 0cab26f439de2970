package textseg

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

func segments(s string) string {
	var sg Segmenter
	var out []string
	for seg := range sg.Segments(s) {
		out = append(out, fmt.Sprintf("%s:%s", seg.Kind, string(seg.Text)))
	}
	return strings.Join(out, " ")
}

func TestSegments(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"punctuation only", "!!! ？？", ""},
		{"chinese", "愛心卡弄丟了", "cjk:愛心卡弄丟了"},
		{"chinese punctuation splits runs", "愛心悠遊卡遺失怎麼辦？如何補辦", "cjk:愛心悠遊卡遺失怎麼辦 cjk:如何補辦"},
		{"english lowercased", "Ibuprofen Tablets", "word:ibuprofen word:tablets"},
		{"mixed word has parts", "YSP52", "word:ysp52 part:ysp part:52"},
		{"code joined", "YSP 52", "word:ysp word:52 code:ysp52"},
		{"code joined across hyphen", "ysp-52", "word:ysp word:52 code:ysp52"},
		{"dose joined digits first", "500 mg", "word:500 word:mg code:500mg"},
		{"long word not joined", "ibuprofen 400", "word:ibuprofen word:400"},
		{"two words not joined", "pain relief", "word:pain word:relief"},
		{"wide gap not joined", "ysp    52", "word:ysp word:52"},
		{"cjk breaks code", "YSP刻痕52", "word:ysp cjk:刻痕 word:52"},
		{"full width folded", "ＹＳＰ　５２", "word:ysp word:52 code:ysp52"},
		{"full width chinese punctuation", "普拿疼（Panadol）", "cjk:普拿疼 word:panadol"},
		{"emoji and controls dropped", "藥\x00😀\u200bpill\t\n", "cjk:藥 word:pill"},
		{"ideographic zero", "民國一〇三年", "cjk:民國一零三年"},
		{"kana run", "ラーメン", "cjk:ラーメン"},
		{"combining mark dropped", "cafe\u0301 e\u0301\u0327", "word:café word:ȩ"},
		{"circled digit", "①號", "word:1 cjk:號"},
		{"sql metacharacters", "'; DROP TABLE--", "word:drop word:table"},
		{"very long word dropped", strings.Repeat("a", MaxWordRunes+1) + " ok", "word:ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := segments(tt.in); got != tt.want {
				t.Errorf("Segments(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSegmentsStopEarly(t *testing.T) {
	var sg Segmenter
	n := 0
	for range sg.Segments("ysp 52 a1 藥") {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("got %d segments before break, want 2", n)
	}
}

func TestNormalize(t *testing.T) {
	if got, want := Normalize("ＹＳＰ　５２ Ｐａｎａｄｏｌ"), "ysp 52 panadol"; got != want {
		t.Errorf("Normalize = %q, want %q", got, want)
	}
}

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "愛心卡", "YSP 52", "ysp52 500 mg", "ＹＳＰ　５２", "é\u0301", "\xff\xfe", "〇"} {
		f.Add(s)
	}
	var sg Segmenter
	f.Fuzz(func(t *testing.T, s string) {
		for seg := range sg.Segments(s) {
			if len(seg.Text) == 0 {
				t.Fatalf("empty %s segment", seg.Kind)
			}
			for _, r := range seg.Text {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("%s segment %q has %U", seg.Kind, string(seg.Text), r)
				}
				if unicode.ToLower(r) != r {
					t.Fatalf("%s segment %q is not lowercase", seg.Kind, string(seg.Text))
				}
			}
		}
	})
}
