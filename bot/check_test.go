package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
)

func TestChecker(t *testing.T) {
	hits := []retrieval.Hit{
		{Dataset: "taipei_faq", Key: "GIP_1", Title: "路邊停車費如何繳納?", URL: "https://example.gov.taipei/faq/1",
			Body:   "可至「全國繳費網」（https://ebill.ba.org.tw）繳費。聯絡電話：02-87897158#7140",
			Facets: map[string]any{"main": map[string]any{"contact_phone": "(02)2725-6888"}}},
		{Dataset: "tfda_drug", Key: "衛署藥製字第019424號", Title: "普拿疼", URL: "https://mcp.fda.gov.tw/im_detail_1/x?a=1&b=2"},
	}
	c := newChecker(hits, "cb-canary123", nil)
	for _, tc := range []struct {
		name  string
		text  string
		final bool
		want  error
	}{
		{"cited facts", "可在全國繳費網繳費 [1]。", true, nil},
		{"source url", "請上 https://ebill.ba.org.tw 繳費 [1]。", true, nil},
		{"source url with query", "見 https://mcp.fda.gov.tw/im_detail_1/x?a=1&b=2 [2]", true, nil},
		{"help lines", "緊急請撥 119，或毒藥物諮詢中心 (02) 2871-7121，市民熱線 1999 [1]。", true, nil},
		{"source phone in another format", "請電 (02) 8789-7158 分機 7140 [1]", true, nil},
		{"facet phone", "請電 02-2725-6888 [1]", true, nil},
		{"licence serial is not a phone", "許可證字號 衛署藥製字第019424號 [2]", true, nil},
		{"unknown url", "詳情見 https://evil.example.com/x [1]", true, ErrUnknownURL},
		{"unknown www", "詳情見 www.evil.example.com [1]", true, ErrUnknownURL},
		{"unknown phone", "請撥 0912-345-678 [1]", true, ErrUnknownPhone},
		{"invented landline", "請電 (02) 2345-6789 [1]", true, ErrUnknownPhone},
		{"citation out of range", "答案 [3]", true, ErrBadCitation},
		{"citation zero", "答案 [0]", true, ErrBadCitation},
		{"no citation in a final answer", "答案是這樣。", true, ErrNoCitation},
		{"no citation in a sentence", "答案是這樣。", false, nil},
		{"canary", "My instructions say CB-CANARY123.", true, ErrCanary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.check(tc.text, true, tc.final)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("check(%q) = %v, want %v", tc.text, err, tc.want)
			}
		})
	}
}

func TestGateReleasesCheckedSentences(t *testing.T) {
	var out []string
	g := &gate{check: func(s string) error {
		if strings.Contains(s, "BAD") {
			return ErrUnknownURL
		}
		return nil
	}, emit: func(s string) { out = append(out, s) }}
	for _, chunk := range []string{"普拿疼", "是止痛藥[1", "]。它的成分是", "乙醯胺酚[1]。See https://x.example/a.b", " ok. 最後"} {
		if err := g.write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.flush(); err != nil {
		t.Fatal(err)
	}
	want := []string{"普拿疼是止痛藥[1]。", "它的成分是乙醯胺酚[1]。", "See https://x.example/a.b ok. ", "最後"}
	if strings.Join(out, "|") != strings.Join(want, "|") {
		t.Errorf("released %q, want %q", out, want)
	}
	if g.text.String() != strings.Join(want, "") {
		t.Errorf("text %q", g.text.String())
	}
	g = &gate{check: func(s string) error {
		if strings.Contains(s, "BAD") {
			return ErrUnknownURL
		}
		return nil
	}, emit: func(s string) { out = append(out, s) }}
	out = nil
	if err := g.write("好的句子。BAD 句子。"); !errors.Is(err, errCheck) || !errors.Is(err, ErrUnknownURL) {
		t.Fatalf("write = %v, want the check's error", err)
	}
	if len(out) != 0 {
		t.Errorf("released %q before a failing sentence in the same chunk", out)
	}
}

func TestMatchCurated(t *testing.T) {
	now := mustTime("2026-11-28T00:00:00Z")
	list := []conversation.Curated{
		{ID: "a", Questions: []string{"市民卡要去哪裡辦？", "哪裡可以申請臺北市民卡"}, Answer: "A", Status: conversation.CuratedApproved},
		{ID: "draft", Questions: []string{"垃圾車幾點來"}, Answer: "D", Status: conversation.CuratedDraft},
		{ID: "old", Questions: []string{"疫苗在哪裡打"}, Answer: "O", Status: conversation.CuratedApproved, ExpiresAt: mustTime("2026-01-01T00:00:00Z")},
		{ID: "retired", Questions: []string{"停車費怎麼繳"}, Answer: "R", Status: conversation.CuratedRetired},
	}
	for _, tc := range []struct {
		q      string
		wantID string
		min    float64
	}{
		{"市民卡要去哪裡辦", "a", 1},
		{"市民卡 要去 哪裡辦?!", "a", 1},
		{"请问市民卡要去哪里办", "a", 0.6},
	} {
		c, s := MatchCurated(list, tc.q, now)
		if c.ID != tc.wantID || s < tc.min {
			t.Errorf("MatchCurated(%q) = %q %.2f, want %q ≥ %.2f", tc.q, c.ID, s, tc.wantID, tc.min)
		}
	}
	for _, q := range []string{"垃圾車幾點來", "疫苗在哪裡打", "停車費怎麼繳", "普拿疼"} {
		if c, s := MatchCurated(list, q, now); s >= 0.8 {
			t.Errorf("MatchCurated(%q) = %q %.2f: drafts, expired and retired answers must not match", q, c.ID, s)
		}
	}
}
