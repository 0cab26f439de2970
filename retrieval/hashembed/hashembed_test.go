package hashembed

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func embed(tb testing.TB, e *Embedder, text string) []float32 {
	tb.Helper()
	v, err := e.EmbedQuery(context.Background(), text)
	if err != nil {
		tb.Fatalf("EmbedQuery(%q): %v", text, err)
	}
	return v
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

// checkUnit fails unless v has dim finite elements and unit length.
func checkUnit(tb testing.TB, v []float32, dim int) {
	tb.Helper()
	if len(v) != dim {
		tb.Fatalf("len = %d, want %d", len(v), dim)
	}
	var sum float64
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			tb.Fatalf("v[%d] = %v", i, x)
		}
		sum += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(sum)-1) > 1e-5 {
		tb.Fatalf("norm = %v, want 1", math.Sqrt(sum))
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		dim      int
		wantDim  int
		wantName string
	}{
		{0, 256, "hash-v1-256"},
		{-3, 256, "hash-v1-256"},
		{64, 64, "hash-v1-64"},
		{1536, 1536, "hash-v1-1536"},
	} {
		e := New(tt.dim)
		if e.Dim() != tt.wantDim || e.Name() != tt.wantName {
			t.Errorf("New(%d): Dim %d Name %q, want %d %q", tt.dim, e.Dim(), e.Name(), tt.wantDim, tt.wantName)
		}
		checkUnit(t, embed(t, e, "愛心卡 ysp 52"), tt.wantDim)
	}
	defer func() {
		if recover() == nil {
			t.Error("New(MaxDim+1) did not panic")
		}
	}()
	New(MaxDim + 1)
}

func TestDeterministic(t *testing.T) {
	text := "普拿疼錠 500 毫克 Panadol Tablets 500mg，衛署藥輸字第012345號"
	a := embed(t, New(256), text)
	b := embed(t, New(256), text)
	if !slices.Equal(a, b) {
		t.Fatal("two embedders gave different vectors for the same text")
	}
	docs, err := New(256).EmbedDocuments(context.Background(), []string{"x", text})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(docs[1], a) {
		t.Fatal("EmbedDocuments and EmbedQuery differ")
	}
}

// TestGolden pins a few elements of known vectors: if it fails, the algorithm
// changed, and Version must change with it (stored vectors become stale).
func TestGolden(t *testing.T) {
	e := New(256)
	for _, tt := range []struct {
		text string
		want map[int]float32
	}{
		{"愛心卡弄丟了", map[int]float32{3: 0.28915748, 74: -0.115662985, 96: 0.115662985}},
		{"Ibuprofen 400mg tablets", map[int]float32{1: 0.32444283, 2: 0.16222142, 15: -0.16222142}},
		{"", map[int]float32{29: 1}},
	} {
		v := embed(t, e, tt.text)
		for i, want := range tt.want {
			if math.Abs(float64(v[i]-want)) > 1e-6 {
				t.Errorf("%q: v[%d] = %v, want %v", tt.text, i, v[i], want)
			}
		}
	}
}

func TestNeverZero(t *testing.T) {
	e := New(256)
	empty := embed(t, e, "")
	for _, text := range []string{"", "!!!", "😀🙏🏽", "\x00\x01\t\n", "。，、？", "\xff\xfe"} {
		v := embed(t, e, text)
		checkUnit(t, v, 256)
		if !slices.Equal(v, empty) {
			t.Errorf("%q: want the fixed vector of text with no features", text)
		}
	}
}

func TestSimilarity(t *testing.T) {
	e := New(256)
	tests := []struct {
		query, near, far string
	}{
		{"愛心卡弄丟了", "愛心悠遊卡遺失怎麼辦？", "如何申請低收入戶？"},
		{"普拿疼", "普拿疼錠 500 毫克（Panadol Tablets），解熱鎮痛劑", "胃藥 famotidine 20 mg 用於胃潰瘍"},
		{"ibuprofen tablets", "IBUPROFEN 400MG", "famotidine"},
		{"ibuprophen", "ibuprofen", "famotidine"},
		{"acetaminophen", "acetaminophen 500mg", "aspirin 100mg"},
		{"YSP 52", "外觀：白色圓形錠，刻字 YSP52", "外觀：白色圓形錠，刻字 ABC 11"},
	}
	for _, tt := range tests {
		q := embed(t, e, tt.query)
		near, far := cosine(q, embed(t, e, tt.near)), cosine(q, embed(t, e, tt.far))
		t.Logf("%s: near %.3f far %.3f", tt.query, near, far)
		if near <= far {
			t.Errorf("%q: cos to %q = %.3f, not above cos to %q = %.3f", tt.query, tt.near, near, tt.far, far)
		}
	}
}

func TestFullWidth(t *testing.T) {
	e := New(256)
	if !slices.Equal(embed(t, e, "ＹＳＰ　５２"), embed(t, e, "ysp 52")) {
		t.Error("full-width ＹＳＰ　５２ and ysp 52 embed differently")
	}
	if !slices.Equal(embed(t, e, "YSP52"), embed(t, e, "ysp 52")) {
		t.Error("YSP52 and ysp 52 embed differently")
	}
}

func TestEmbedDocumentsParallel(t *testing.T) {
	e := New(128)
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = fmt.Sprintf("第%d筆 普拿疼 doc %d", i, i%7)
	}
	got, err := e.EmbedDocuments(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("got %d vectors, want %d", len(got), len(texts))
	}
	for i, text := range texts {
		if !slices.Equal(got[i], embed(t, e, text)) {
			t.Fatalf("vector %d is not the vector of %q", i, text)
		}
		if cap(got[i]) != 128 {
			t.Fatalf("vector %d has capacity %d: appending would overwrite the next", i, cap(got[i]))
		}
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := New(0)
	if _, err := e.EmbedDocuments(ctx, make([]string, 500)); err == nil {
		t.Error("EmbedDocuments with a cancelled context: no error")
	}
	if _, err := e.EmbedQuery(ctx, "x"); err == nil {
		t.Error("EmbedQuery with a cancelled context: no error")
	}
}

func FuzzEmbed(f *testing.F) {
	for _, s := range []string{"", "!!!", "愛心卡弄丟了", "YSP 52", "ＹＳＰ　５２", "😀", "\xff", "ab", strings.Repeat("藥", 300)} {
		f.Add(s)
	}
	e := New(64)
	f.Fuzz(func(t *testing.T, s string) {
		checkUnit(t, embed(t, e, s), 64)
	})
}

// mixedText is a ~300-rune document like an ingested drug record or FAQ.
func mixedText(i int) string {
	return fmt.Sprintf("許可證字號：衛署藥製字第%06d號。中文品名：普拿疼膜衣錠500毫克。英文品名：PANADOL TABLETS 500MG (ACETAMINOPHEN)。"+
		"適應症：退燒、止痛（緩解頭痛、牙痛、咽喉痛、關節痛、神經痛、肌肉酸痛、月經痛）。外觀：白色膠囊形膜衣錠，刻字 YSP %d。"+
		"愛心悠遊卡遺失時，請持身分證明文件至各區公所社會課辦理補發，或撥打1999臺北市民當家熱線洽詢。低收入戶申請資格與應備文件。"+
		"Keep out of reach of children. If you take too much, contact a doctor or pharmacist at once. 藥師叮嚀：請勿自行增減劑量。", i, i%100)
}

func BenchmarkEmbedDocuments(b *testing.B) {
	e := New(256)
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = mixedText(i)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.EmbedDocuments(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkEmbedQuery(b *testing.B) {
	e := New(256)
	text := mixedText(1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.EmbedQuery(ctx, text); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
