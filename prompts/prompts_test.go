package prompts

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./prompts -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s changed (run go test ./prompts -update if that is intended):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestSystemGolden(t *testing.T) {
	for _, english := range []bool{false, true} {
		got, err := System(SystemData{Canary: "cb-000000000000", English: english, HelpLines: []string{"119", "1925", "1999", "(02) 2871-7121"}})
		if err != nil {
			t.Fatal(err)
		}
		name := "system.zh-TW.golden"
		if english {
			name = "system.en.golden"
		}
		golden(t, name, got)
		if !strings.Contains(got, "cb-000000000000") {
			t.Error("the canary is not in the system prompt")
		}
	}
}

func TestSourcesGolden(t *testing.T) {
	got, err := Sources(SourcesData{Question: "普拿疼可以空腹吃嗎", Sources: []NumberedSource{
		{Title: "普拿疼膜衣錠５００毫克", Dataset: "tfda_drug", Snapshot: "2026-09-29", Status: "active", URL: "https://mcp.fda.gov.tw/im_detail_1/x", Text: "中文品名：普拿疼膜衣錠５００毫克\n主成分：ACETAMINOPHEN"},
		{Title: "聽朋友說，吃止痛藥會傷胃，這是真的嗎？", Dataset: "tfda_myth", Snapshot: "2017-12-07", Status: "active", Text: "解答：..."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sources.golden", got)
}

func TestRewriteGolden(t *testing.T) {
	got, err := Rewrite(RewriteData{Question: "那它長什麼樣子？", History: []Exchange{{Question: "固胃必朗錠是治什麼的", Topic: "固胃必朗錠"}}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "rewrite.golden", got)
}

// Every fixed text renders in every locale, and the emergency texts carry the numbers
// the safety policy requires.
func TestFixedTexts(t *testing.T) {
	for _, locale := range []string{DefaultLocale, English, "fr"} {
		for _, name := range []string{"emergency", "self_harm", "refusal", "injection", "greeting", "no_answer", "framing", "scope"} {
			got, err := Render(locale, name, nil)
			if err != nil || strings.TrimSpace(got) == "" {
				t.Errorf("Render(%s, %s) = %q, %v", locale, name, got, err)
			}
		}
		emergency, _ := Render(locale, "emergency", nil)
		selfHarm, _ := Render(locale, "self_harm", nil)
		for _, n := range []string{"119", "(02) 2871-7121"} {
			if !strings.Contains(emergency, n) || !strings.Contains(selfHarm, n) {
				t.Errorf("%s: the emergency texts lack %s", locale, n)
			}
		}
		if !strings.Contains(selfHarm, "1925") {
			t.Errorf("%s: the self-harm text lacks 1925", locale)
		}
		noAnswer, _ := Render(locale, "no_answer", nil)
		if !strings.Contains(noAnswer, "1999") {
			t.Errorf("%s: the no-answer text lacks 1999", locale)
		}
	}
	// Thanks and goodbyes are answered in a line; a hello (or nothing said) with what the
	// assistant can do.
	for _, locale := range []string{DefaultLocale, English} {
		hello, _ := Render(locale, "greeting", "hello")
		none, _ := Render(locale, "greeting", nil)
		thanks, _ := Render(locale, "greeting", "thanks")
		bye, _ := Render(locale, "greeting", "goodbye")
		scope, _ := Render(locale, "scope", nil)
		if !strings.Contains(hello, scope) || none != hello {
			t.Errorf("%s: the hello lacks what the assistant does, or differs with no reason:\n%s\n%s", locale, hello, none)
		}
		if thanks == hello || bye == hello || thanks == bye || strings.Contains(thanks, scope) || !strings.Contains(bye, "119") {
			t.Errorf("%s: thanks %q, goodbye %q", locale, thanks, bye)
		}
	}
	if _, err := Render(DefaultLocale, "nope", nil); err == nil {
		t.Error("an unknown template rendered")
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		n       int
		in, out string
	}{
		{5, "普拿疼膜衣錠", "普拿疼膜衣…"},
		{6, "普拿疼膜衣錠", "普拿疼膜衣錠"},
		{3, "  ab  ", "ab"},
		// At a sentence's end in the second half.
		{8, "先看醫師。再說別的事情", "先看醫師。…"},
		{8, "先。再說別的事情好不好", "先。再說別的事情…"},
		// Never inside a link.
		{20, "資料來源： http://example.gov.tw/a?id=1&b=2", "資料來源：…"},
		{30, "見 http://a.gov.tw/x 與 http://b.gov.tw/yyyyyyyyyy", "見 http://a.gov.tw/x 與…"},
		// A question mark inside a link ends no sentence.
		{40, "這是一句話，資料來源 http://a.gov.tw/x?id=1&b=2 和 http://b.gov.tw/", "這是一句話，資料來源 http://a.gov.tw/x?id=1&b=2 和…"},
	} {
		if got := Cut(tc.n, tc.in); got != tc.out {
			t.Errorf("Cut(%d, %q) = %q, want %q", tc.n, tc.in, got, tc.out)
		}
	}
}

func TestRestateGolden(t *testing.T) {
	got, err := Restate("機車停在紅線被開單，要去哪裡繳錢")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(got, "機車停在紅線被開單，要去哪裡繳錢") != 1 {
		t.Errorf("the question is not quoted once:\n%s", got)
	}
	golden(t, "restate.golden", got)
}
