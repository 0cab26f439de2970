package pages

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

type rejected struct {
	line   int
	reason string
}

type result struct {
	records map[string]ingest.Record
	order   []string
	rejects []rejected
}

func collect(tb testing.TB) (*result, ingest.Emit) {
	tb.Helper()
	res := &result{records: map[string]ingest.Record{}}
	return res, ingest.Emit{
		Record: func(r ingest.Record) error {
			if _, dup := res.records[r.Key]; dup {
				tb.Errorf("key %q emitted twice", r.Key)
			}
			res.records[r.Key] = r
			res.order = append(res.order, r.Key)
			return nil
		},
		Reject: func(line int, reason string) { res.rejects = append(res.rejects, rejected{line, reason}) },
	}
}

func readFolder(tb testing.TB, fsys fs.FS) *result {
	tb.Helper()
	res, emit := collect(tb)
	if err := Format().ReadFS(context.Background(), fsys, emit); err != nil {
		tb.Fatalf("ReadFS: %v", err)
	}
	return res
}

func readStream(tb testing.TB, page string) *result {
	tb.Helper()
	res, emit := collect(tb)
	if err := Format().Read(context.Background(), strings.NewReader(page), emit); err != nil {
		tb.Fatalf("Read: %v", err)
	}
	return res
}

// site is an agency's content folder as staff keep it.
var site = fstest.MapFS{
	"index.md": {Data: []byte(`---
title: "臺北市民政局 常見問題"
url: 'https://ca.gov.taipei/faq'
date: 2026-03-01
key: ca-faq
description: 戶籍、遷入與印鑑 # shown under the title
tags:
  - 戶籍
---
# 常見問題

如何辦理**遷入登記**？請攜帶
身分證與印章至戶政事務所。

| 項目 | 費用 |
|---|---|
| 戶籍謄本 | 15 元 |
`)},
	"guides/apply.md":              {Data: []byte("# 如何申請低收入戶\r\n\r\n請向戶籍所在地區公所社會課申請。\r\n\r\n<script>alert(1)</script>\r\n")},
	"guides/deep/notitle.markdown": {Data: []byte("沒有標題的頁面，只有一段文字。\n")},
	"guides/unclosed.md":           {Data: []byte("---\ntitle: 不會被讀到\n\n正文。\n")},
	"site/permit.html": {Data: []byte(`<!DOCTYPE html>
<html lang="zh-Hant"><head>
<meta charset="utf-8">
<title>  建築執照申請
 | 臺北市建築管理工程處</title>
<link rel="alternate stylesheet" href="/x.css">
<link rel="Canonical" href="https://dba.gov.taipei/permit">
<meta name="description" content="申請建築執照應備文件">
<script>var tracking = "追蹤碼";</script>
</head><body>
<header><a href="/">首頁</a> 網站導覽</header>
<nav><ul><li><a href="/a">選單一</a></li></ul></nav>
<main>
<article><header><h1>建築執照申請</h1></header>
<p>應備文件：申請書、土地權利證明文件。</p>
<footer>承辦：建照科 1999 轉 8300</footer>
</article>
</main>
<aside>相關連結</aside>
<footer>© 臺北市政府 版權所有</footer>
</body></html>`)},
	"site/og.htm": {Data: []byte(`<html><head><meta property="og:url" content="https://www.gov.taipei/og"></head>
<body><div role="navigation">麵包屑</div><h1>無障礙 停車證</h1><p>持身心障礙證明申請。</p><div role="contentinfo">頁尾</div></body></html>`)},
	"site/relative.html": {Data: []byte(`<html><head><link rel="canonical" href="/relative"><title>相對連結</title></head><body><p>內容</p></body></html>`)},
	"empty.md":           {Data: []byte("---\ntitle: 空白頁\n---\n\n   \n")},
	"site/navonly.html":  {Data: []byte(`<html><head><title>只有選單</title></head><body><nav>選單</nav><footer>頁尾</footer></body></html>`)},
	"legacy/big5.md":     {Data: []byte("# 標題\n\xa5\xbb\xa6\xe6\n")}, // "本行" in Big5
	"other/dup.md":       {Data: []byte("---\nkey: ca-faq\n---\n另一頁用了同一個鍵。\n")},
	".hidden.md":         {Data: []byte("# 隱藏\n不應讀取。\n")},
	".git/README.md":     {Data: []byte("# git\n不應讀取。\n")},
	"drafts/.wip.html":   {Data: []byte("<p>草稿</p>")},
	"notes.txt":          {Data: []byte("純文字檔不是頁面。")},
	"images/logo.png":    {Data: []byte("\x89PNG\r\n\x1a\n")},
}

func TestReadFS(t *testing.T) {
	res := readFolder(t, site)

	wantKeys := []string{"ca-faq", "guides/apply.md", "guides/deep/notitle.markdown", "guides/unclosed.md", "site/og.htm", "site/permit.html", "site/relative.html"}
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range res.records {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(got, wantKeys) {
		t.Errorf("keys = %q\nwant   %q", got, wantKeys)
	}
	wantRejects := []rejected{
		{1, "empty.md: empty page (no text)"},
		{2, "legacy/big5.md: not valid UTF-8 at line 2 (Big5 or another legacy encoding? save the page as UTF-8)"},
		{1, `other/dup.md: key "ca-faq" is already used by index.md`},
		{1, "site/navonly.html: empty page (no text)"},
	}
	if !slices.Equal(res.rejects, wantRejects) {
		t.Errorf("rejects = %v\nwant      %v", res.rejects, wantRejects)
	}

	tests := []struct {
		key, title, url, text, path, description string
		date                                     time.Time
	}{
		{
			key: "ca-faq", title: "臺北市民政局 常見問題", url: "https://ca.gov.taipei/faq",
			text: "常見問題\n如何辦理遷入登記？請攜帶身分證與印章至戶政事務所。\n項目 費用\n戶籍謄本 15 元",
			path: "index.md", description: "戶籍、遷入與印鑑",
			date: time.Date(2026, 3, 1, 0, 0, 0, 0, taipeiTime),
		},
		{
			key: "guides/apply.md", title: "如何申請低收入戶",
			text: "如何申請低收入戶\n請向戶籍所在地區公所社會課申請。", path: "guides/apply.md",
		},
		{
			key: "guides/deep/notitle.markdown", title: "notitle",
			text: "沒有標題的頁面，只有一段文字。", path: "guides/deep/notitle.markdown",
		},
		{
			// No closing "---": the block is Markdown (a rule, then a paragraph).
			key: "guides/unclosed.md", title: "unclosed",
			text: "title: 不會被讀到\n正文。", path: "guides/unclosed.md",
		},
		{
			key: "site/permit.html", title: "建築執照申請 | 臺北市建築管理工程處", url: "https://dba.gov.taipei/permit",
			text: "建築執照申請\n應備文件：申請書、土地權利證明文件。\n承辦：建照科 1999 轉 8300",
			path: "site/permit.html", description: "申請建築執照應備文件",
		},
		{
			key: "site/og.htm", title: "無障礙 停車證", url: "https://www.gov.taipei/og",
			text: "無障礙 停車證\n持身心障礙證明申請。", path: "site/og.htm",
		},
		{
			key: "site/relative.html", title: "相對連結", url: "", text: "內容", path: "site/relative.html",
		},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			r, ok := res.records[tt.key]
			if !ok {
				t.Fatal("missing")
			}
			if r.Dataset != corpus.DatasetPage || r.Facet != corpus.FacetMain || r.Status != corpus.StatusActive {
				t.Errorf("dataset/facet/status = %s/%s/%s", r.Dataset, r.Facet, r.Status)
			}
			for _, c := range []struct{ what, got, want string }{
				{"title", r.Title, tt.title},
				{"url", r.URL, tt.url},
				{"text", r.Text, tt.text},
				{"path", str(r.Fields["path"]), tt.path},
				{"description", str(r.Fields["description"]), tt.description},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if !r.Date.Equal(tt.date) {
				t.Errorf("date = %v, want %v", r.Date, tt.date)
			}
			if _, ok := r.Fields["description"]; ok && tt.description == "" {
				t.Error("empty description kept in fields")
			}
		})
	}
}

func str(v any) string { s, _ := v.(string); return s }

func TestReadFSCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, emit := collect(t)
	if err := Format().ReadFS(ctx, site, emit); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, page            string
		key, title, url, text string
		rejectLine            int
		rejectReason          string
	}{
		{
			name: "markdown with a key", page: "---\nkey: p1\ntitle: 頁一\n---\n內容一\n",
			key: "p1", title: "頁一", text: "內容一",
		},
		{
			name: "markdown keyed by its URL", page: "---\nurl: https://a.gov.taipei/x\n---\n# 標題\n內容\n",
			key: "https://a.gov.taipei/x", title: "標題", url: "https://a.gov.taipei/x", text: "標題\n內容",
		},
		{
			name: "markdown keyed by its heading", page: "# 如何繳費\n\n到臨櫃繳費。\n",
			key: "如何繳費", title: "如何繳費", text: "如何繳費\n到臨櫃繳費。",
		},
		{
			name: "HTML document", page: "\n<!doctype html><html><head><title>T</title><link rel=canonical href=\"https://b.gov.taipei/\"></head><body><nav>N</nav><p>1 &lt; 2</p></body></html>",
			key: "https://b.gov.taipei/", title: "T", url: "https://b.gov.taipei/", text: "1 < 2",
		},
		{
			name: "a fragment of HTML is Markdown with raw HTML", page: "<p>段落</p>\n\n*強調*\n",
			rejectLine: 1, rejectReason: "page has no key, URL or title: add \"key:\" front matter",
		},
		{name: "empty", page: "", rejectLine: 1, rejectReason: "empty page (no text)"},
		{name: "invalid UTF-8", page: "a\nb\n\xff", rejectLine: 3, rejectReason: "not valid UTF-8 at line 3 (Big5 or another legacy encoding? save the page as UTF-8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readStream(t, tt.page)
			if tt.rejectReason != "" {
				want := []rejected{{tt.rejectLine, tt.rejectReason}}
				if !slices.Equal(res.rejects, want) || len(res.records) != 0 {
					t.Fatalf("rejects = %v, records = %v; want %v", res.rejects, res.order, want)
				}
				return
			}
			r, ok := res.records[tt.key]
			if !ok || len(res.records) != 1 {
				t.Fatalf("keys = %q, want [%q] (rejects %v)", res.order, tt.key, res.rejects)
			}
			if r.Title != tt.title || r.URL != tt.url || r.Text != tt.text {
				t.Errorf("title, url, text = %q, %q, %q; want %q, %q, %q", r.Title, r.URL, r.Text, tt.title, tt.url, tt.text)
			}
			if _, ok := r.Fields["path"]; ok {
				t.Error("a stream has no path")
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"index.md", true},
		{"Guide.MARKDOWN", true},
		{"page.html", true},
		{"PAGE.HTM", true},
		{"faq.xml", false},
		{"190.csv", false},
		{"notes.txt", false},
		{"md", false},
	}
	for _, tt := range tests {
		src, ok := Format().Detect(tt.name, []byte("# x"))
		if ok != tt.want || (ok && src != Source) {
			t.Errorf("Detect(%q) = %q, %v; want %v", tt.name, src, ok, tt.want)
		}
	}
}

func TestFrontMatter(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     map[string]string
		wantBody string
	}{
		{"none", "# t\n", nil, "# t\n"},
		{"simple", "---\ntitle: 標題\nKey: k\n---\nbody", map[string]string{"title": "標題", "key": "k"}, "body"},
		{"quoted", "---\ntitle: \"a: \\\"b\\\"\"\nurl: 'it''s'\n---\n", map[string]string{"title": `a: "b"`, "url": "it's"}, ""},
		{"comment and CRLF", "---\r\n# note\r\ndate: 2026-01-02 # day\r\n---\r\nx", map[string]string{"date": "2026-01-02"}, "x"},
		{"ends with dots, nested values skipped", "---\nlist:\n  - a\n- b\ntitle: t\n...\nrest", map[string]string{"list": "", "title": "t"}, "rest"},
		{"unclosed", "---\ntitle: t\n", nil, "---\ntitle: t\n"},
		{"rule not at start", "\n---\ntitle: t\n---\n", nil, "\n---\ntitle: t\n---\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, body := frontMatter([]byte(tt.in))
			if len(meta) != len(tt.want) {
				t.Errorf("meta = %q, want %q", meta, tt.want)
			}
			for k, v := range tt.want {
				if meta[k] != v {
					t.Errorf("meta[%q] = %q, want %q", k, meta[k], v)
				}
			}
			if string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func FuzzReadPage(f *testing.F) {
	for _, file := range site {
		f.Add(string(file.Data))
	}
	f.Fuzz(func(t *testing.T, page string) {
		res := readStream(t, page)
		for k, r := range res.records {
			if k == "" || r.Text == "" {
				t.Fatalf("record with key %q and text %q", k, r.Text)
			}
		}
	})
}
