package retrieval

import (
	"encoding/json"
	"html"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"whitespace only", " \t\n\u3000 ", ""},
		{"full-width", "ＹＳＰ　５２", "YSP 52"},
		{"full-width punctuation", "白色圓形，上面寫 YSP 52", "白色圓形,上面寫 YSP 52"},
		{"simplified", "药片白色圆形上面写YSP 52", "藥片白色圓形上面寫YSP 52"},
		{"simplified question", "爱心卡丢了怎么办", "愛心卡丟了怎麼辦"},
		{"Taiwan variants", "头痛吃什么药？着凉了", "頭痛吃什麼藥?著涼了"},
		{"skin stays skin", "皮肤痒怎么办", "皮膚癢怎麼辦"},
		{"herpes as Taiwan writes it", "带状疱疹吃什么药", "帶狀疱疹吃什麼藥"},
		{"traditional untouched", "臺北市 台北市 鹽酸麻黃素錠 里格卡因 肌肉酸痛 雇主", "臺北市 台北市 鹽酸麻黃素錠 里格卡因 肌肉酸痛 雇主"},
		{"only the simplified run converts", "台北 爱心卡", "台北 愛心卡"},
		{"collapses whitespace", "  普拿疼 \t\n  500  ", "普拿疼 500"},
		{"control characters", "a\x00b\x1bc\u0085d\u007f", "abc d"},
		{"format characters", "白色\u200b圓形\u202e\ufeff", "白色圓形"},
		{"invalid UTF-8 and U+FFFD", "\xff白\ufffd色\xc3", "白色"},
		{"emoji kept", "頭痛😣怎麼辦", "頭痛😣怎麼辦"},
		{"SQL is text", "'; DROP TABLE documents; --", "'; DROP TABLE documents; --"},
		{"case kept", "Ibuprofen", "Ibuprofen"},
		{"circled digits", "①②", "12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeLength(t *testing.T) {
	long := strings.Repeat("藥", 3*MaxQueryRunes)
	if got := utf8.RuneCountInString(Normalize(long)); got != MaxQueryRunes {
		t.Errorf("long query: %d runes, want %d", got, MaxQueryRunes)
	}
	// Spaces and controls do not count: the cap applies to what is left.
	padded := strings.Repeat(" \x00 ", 1000) + "普拿疼"
	if got := Normalize(padded); got != "普拿疼" {
		t.Errorf("padded query: %q", got)
	}
	// The cut never leaves a space at the end.
	spaced := strings.Repeat("a ", MaxQueryRunes)
	if got := Normalize(spaced); strings.HasSuffix(got, " ") || utf8.RuneCountInString(got) > MaxQueryRunes {
		t.Errorf("spaced query ends %q (%d runes)", got[len(got)-3:], utf8.RuneCountInString(got))
	}
	// A huge input is read only in part.
	huge := strings.Repeat("x", 10<<20)
	if got := Normalize(huge); len(got) != MaxQueryRunes {
		t.Errorf("huge query: %d bytes", len(got))
	}
}

// simplifiedInData are the Simplified characters that the bundled data does use, in
// a few brand names (双克痛錠, 袜嗽液...): queries that write them are converted.
const simplifiedInData = "双脉袜内缓"

// Real Traditional text must come out as NFKC with whitespace collapsed and nothing
// converted: records are searched as their agencies wrote them.
func TestNormalizeKeepsTraditionalData(t *testing.T) {
	var texts []string
	faq, err := os.ReadFile("../ingest/opendata/taipei/faq.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?s)<news_title>(.*?)</news_title>`).FindAllSubmatch(faq, -1) {
		texts = append(texts, html.UnescapeString(string(m[1])))
	}
	raw, err := os.ReadFile("../ingest/opendata/tfda/42_5.json")
	if err != nil {
		t.Fatal(err)
	}
	var pills []map[string]any
	if err := json.Unmarshal(raw, &pills); err != nil {
		t.Fatal(err)
	}
	for _, p := range pills {
		if s, ok := p["中文品名"].(string); ok {
			texts = append(texts, s)
		}
	}
	if len(texts) < 7000 {
		t.Fatalf("only %d texts read", len(texts))
	}
	changed := 0
	for _, s := range texts {
		if strings.ContainsAny(s, simplifiedInData) {
			continue
		}
		want := strings.Map(func(r rune) rune {
			if r == utf8.RuneError || unicode.IsControl(r) && !unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
				return -1
			}
			return r
		}, s)
		want = strings.Join(strings.Fields(norm.NFKC.String(want)), " ")
		if got := Normalize(s); got != want {
			changed++
			if changed <= 10 {
				t.Errorf("Normalize(%q) = %q, want %q", s, got, want)
			}
		}
	}
	if changed > 0 {
		t.Errorf("%d of %d Traditional texts converted", changed, len(texts))
	}
}

func TestNormalizeConcurrent(t *testing.T) {
	qs := []string{"药片白色圆形", "爱心卡丢了怎么办", "臺北市", "ＹＳＰ５２", "头痛吃什么药"}
	want := make([]string, len(qs))
	for i, q := range qs {
		want[i] = Normalize(q)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				j := (g + i) % len(qs)
				if got := Normalize(qs[j]); got != want[j] {
					t.Errorf("concurrent Normalize(%q) = %q, want %q", qs[j], got, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestConverter(t *testing.T) {
	if s2tw() == nil {
		t.Fatal("OpenCC s2tw did not load from its embedded dictionaries")
	}
	for _, r := range "药丢们这说对头办" {
		if !isSimplified(r) {
			t.Errorf("%c should be Simplified only", r)
		}
	}
	for _, r := range "藥台里酸后干臺雇么疱a1" {
		if isSimplified(r) {
			t.Errorf("%c should not be Simplified only", r)
		}
	}
}

func TestAppearanceTerms(t *testing.T) {
	tests := []struct {
		in             string
		colors, shapes []string
	}{
		{"白色圓形，上面寫 YSP 52", []string{"白"}, []string{"圓形"}},
		{"白色圆形的药", []string{"白"}, []string{"圓形"}},
		{"米白色橢圓形藥錠", []string{"白"}, []string{"橢圓形"}},
		{"黃黃的圓的", []string{"黃"}, []string{"圓形"}},
		{"粉紅色六角形", []string{"粉"}, []string{"六邊形"}},
		{"咖啡色的膠囊", []string{"棕"}, []string{"膠囊"}},
		{"紅白膠囊", []string{"紅", "白"}, []string{"膠囊"}},
		{"一半藍一半白的膠囊", []string{"藍", "白"}, []string{"膠囊"}},
		{"透明的軟膠囊", []string{"透明"}, []string{"膠囊"}},
		{"長圓柱形 橘色", []string{"橘"}, []string{"膠囊", "橢圓形"}},
		{"菱形 紫色", []string{"紫"}, []string{"四邊形"}},
		{"四方形灰色", []string{"灰"}, []string{"四邊形"}},
		{"三角形綠色藥丸", []string{"綠"}, []string{"三角形"}},
		{"黑色 八角形", []string{"黑"}, []string{"八邊形"}},
		{"藍綠色 水滴形", []string{"藍綠"}, []string{"水滴形"}},
		{"紅色藥水", []string{"紅"}, []string{"液劑(包含糖漿用粉劑)"}},
		{"顏色：白，圓形", []string{"白"}, []string{"圓形"}},
		{"white round pill", []string{"白"}, []string{"圓形"}},
		{"Yellow OVAL tablet", []string{"黃"}, []string{"橢圓形"}},
		{"light blue capsule", []string{"藍"}, []string{"膠囊"}},
		{"grey hexagonal", []string{"灰"}, []string{"六邊形"}},
		{"ＷＨＩＴＥ　ＲＯＵＮＤ", []string{"白"}, []string{"圓形"}},
		// Colour and shape characters inside other words.
		{"黃疸 紅疹 灰指甲 白天吃 我不明白", nil, nil},
		{"黑色素 白色念珠菌", nil, nil},
		{"處方形式 圓山站 八角", nil, nil},
		{"藥粉", nil, []string{"顆粒劑、粉劑或散劑"}},
		{"普拿疼可以空腹吃嗎", nil, nil},
		{"", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			colors, shapes := AppearanceTerms(tt.in)
			if !slices.Equal(colors, tt.colors) || !slices.Equal(shapes, tt.shapes) {
				t.Errorf("AppearanceTerms(%q) = %q, %q; want %q, %q", tt.in, colors, shapes, tt.colors, tt.shapes)
			}
		})
	}
}

// Every value AppearanceTerms gives must be a value of dataset 42, or search
// would filter on a facet no record has.
func TestAppearanceTermsAreDataValues(t *testing.T) {
	raw, err := os.ReadFile("../ingest/opendata/tfda/42_5.json")
	if err != nil {
		t.Fatal(err)
	}
	var pills []map[string]any
	if err := json.Unmarshal(raw, &pills); err != nil {
		t.Fatal(err)
	}
	values := map[string]map[string]bool{"顏色": {}, "形狀": {}}
	for _, p := range pills {
		for col, set := range values {
			if s, ok := p[col].(string); ok {
				for v := range strings.SplitSeq(s, ";;;") {
					set[v] = true
				}
			}
		}
	}
	check := func(word string, t1 appearanceTerm) {
		for _, c := range t1.colors {
			if !values["顏色"][c] {
				t.Errorf("%s → colour %q: not in dataset 42", word, c)
			}
		}
		for _, s := range t1.shapes {
			if !values["形狀"][s] {
				t.Errorf("%s → shape %q: not in dataset 42", word, s)
			}
		}
	}
	for w, term := range chineseAppearance {
		check(w, term)
	}
	for w, term := range englishAppearance {
		check(w, term)
	}
	for r, c := range bareColors {
		check(string(r), color(c))
	}
}

func TestImprintCandidates(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"白色圓形，上面寫 YSP 52", []string{"YSP 52", "YSP52", "YSP", "52"}},
		{"上面寫ｙｓｐ５２", []string{"YSP52", "YSP 52", "YSP", "52"}},
		{"药片上面写 ysp-52", []string{"YSP 52", "YSP52", "YSP", "52"}},
		{"黃色橢圓形 SPC 201", []string{"SPC 201", "SPC201", "SPC", "201"}},
		{"white round pill with A 52 on it", []string{"A 52", "A52", "A", "52"}},
		{"I found a pink oval pill marked CCP B85", []string{"CCP B85", "CCPB85", "CCP", "B85", "B 85", "B", "85"}},
		{"一面 TF 另一面 500", []string{"TF", "500"}},
		{"刻字 FY T061", []string{"FY T061", "FYT061", "FY", "T061", "T 061", "T", "061"}},
		{"普拿疼 500mg 一天可以吃幾顆", nil},
		{"500 毫克 2顆 8 mm 0.5", nil},
		{"衛署藥製字第029478號", nil},
		{"white round tablet", nil},
		{"愛心卡弄丟了", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ImprintCandidates(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("ImprintCandidates(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := ImprintCandidates(strings.Repeat("AB 12 ", 100)); len(got) > maxImprintCandidates {
		t.Errorf("%d candidates, want at most %d", len(got), maxImprintCandidates)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", " ", "白色圓形，上面寫 YSP 52", "药片白色圆形", "ＹＳＰ　５２", "a\x00b\u200b\u202ec",
		"\xff\xfe", "e\u0301", "e\u200d\u0301", "\u1100\u1161\u11a8", "頭痛😣", "'; DROP TABLE x; --",
		strings.Repeat("爱", MaxQueryRunes+3), strings.Repeat("a ", MaxQueryRunes), "ﾊﾟ", "\ufb01", "㍿",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); n > MaxQueryRunes {
			t.Fatalf("Normalize(%q): %d runes", s, n)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
				t.Fatalf("Normalize(%q) = %q: holds %U", s, got, r)
			}
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("Normalize(%q) = %q: whitespace not collapsed", s, got)
		}
		if again := Normalize(got); again != got {
			t.Fatalf("not idempotent: Normalize(%q) = %q, then %q", s, got, again)
		}
		AppearanceTerms(s)
		ImprintCandidates(s)
	})
}

func TestPillTerms(t *testing.T) {
	tests := []struct {
		in             string
		colors, shapes []string
	}{
		// A capsule named as a dosage form describes no pill.
		{"斯斯感冒膠囊一天可以吃幾次", nil, nil},
		{"克流感膠囊", nil, nil},
		{"眼藥水開封後可以用多久", nil, nil},
		// With a colour or a code it does.
		{"紅色膠囊", []string{"紅"}, []string{ShapeCapsule}},
		{"膠囊 SP071", nil, []string{ShapeCapsule}},
		// Other shapes describe a pill even alone.
		{"圓形的藥", nil, []string{ShapeRound}},
		{"兩個圓連在一起的藍色藥片", []string{"藍"}, []string{ShapeDoubleRound}},
	}
	for _, tt := range tests {
		colors, shapes := PillTerms(tt.in)
		if !slices.Equal(colors, tt.colors) || !slices.Equal(shapes, tt.shapes) {
			t.Errorf("PillTerms(%q) = %q, %q; want %q, %q", tt.in, colors, shapes, tt.colors, tt.shapes)
		}
	}
}

// TestLowerCaseless: lower is strings.ToLower for every rune alone and in mixed texts
// (the range it skips has no case).
func TestLowerCaseless(t *testing.T) {
	for r := rune(0x3000); r <= 0x9FFF; r++ {
		if unicode.ToLower(r) != r {
			t.Fatalf("%U has a lower case %U", r, unicode.ToLower(r))
		}
	}
	var texts []string
	for r := rune(0); r <= unicode.MaxRune; r++ {
		texts = append(texts, string(r))
	}
	texts = append(texts, "普拿疼 Panadol 膜衣錠", "ＡＢＣ停車費", "acetaminophen 會傷腎嗎", "\xff停車", "ÉCOLE 學校", "")
	for _, s := range texts {
		if got, want := lower(s), strings.ToLower(s); got != want {
			t.Fatalf("lower(%q) = %q, want %q", s, got, want)
		}
	}
}
