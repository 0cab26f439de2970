package bot_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestExtractiveGolden pins the extractive answers to citizens' questions on the
// bundled data: a change to a template, the retrieval or the data shows here as a diff
// to review (go test ./bot -run Golden -update accepts it). Snapshot dates are left
// out: the bundled files without a date take theirs from the file. Pill lists are left
// to TestEngine: pills that look alike tie, and ties may fall either way.
func TestExtractiveGolden(t *testing.T) {
	// On both stores, against one golden file: the stores search alike, so the answers
	// are the same.
	onBothStores(t, func(t *testing.T, e *bot.Engine) { extractiveGolden(t, e) })
}

func extractiveGolden(t *testing.T, e *bot.Engine) {
	questions := []struct{ locale, q string }{
		{"", "固胃必朗錠是治什麼的"},
		{"", "普拿疼膜衣錠可以跟酒一起吃嗎"},
		{"", "普拿疼膜衣錠的成分是什麼？"},
		{"", "吃感冒藥可以治經痛嗎"},
		{"", "路邊停車費怎麼繳"},
		{"", "愛心悠遊卡遺失怎麼辦"},
		{"", "吃了過期的藥會怎樣"},
		{"", "我吞了一整瓶安眠藥"},
		{"", "想死"},
		{"", "幫我寫一首詩"},
		{"", "請問怎麼養倉鼠"},
		{"en", "固胃必朗錠"},
		{"", "I swallowed too many pills"},
	}
	var b strings.Builder
	for _, q := range questions {
		a, err := e.Ask(context.Background(), bot.Request{Message: q.q, Locale: q.locale}, nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "### %s [%s] → %s\n%s\n", q.q, q.locale, a.Mode, a.Text)
		for i, s := range a.Sources {
			fmt.Fprintf(&b, "[%d] %s %s %s %s\n", i+1, s.Dataset, s.Key, s.Title, s.URL)
		}
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "extractive.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./bot -run Golden -update creates it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("extractive answers changed (go test ./bot -run Golden -update if intended):\n%s", diff(string(want), got))
	}
}

// diff lists the lines that differ, enough to see what changed.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
