package htmltext

import "testing"

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "第一行\r\n  第二行  有空白 ", "第一行\n第二行 有空白"},
		{"escaped", "&lt;p&gt;請洽&amp;詢&lt;/p&gt;&lt;p&gt;1999&lt;/p&gt;", "請洽&詢\n1999"},
		{"full-width quotes", `<img src=＂http://x/y.jpg＂ /><span style=＂color:#a52a2a;＂>兒童用藥</span>`, "兒童用藥"},
		{"blocks", "<h1>標題</h1><div>&nbsp;</div><p>內容<br>下一行</p><ul><li>一</li><li>二</li></ul>", "標題\n內容\n下一行\n• 一\n• 二"},
		{"script dropped", "<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>", "a\nb"},
		{"iframe dropped", `<p><iframe src=＂https://www.youtube.com/embed/x＂></iframe>影片</p>`, "影片"},
		{"nested fonts", "<font><font><font>文字</font></font></font>", "文字"},
		{"control chars", "a\x00b\x07c", "abc"},
		{"entity only", "A&nbsp;&nbsp;B", "A B"},
		{"less-than in text", "1 < 2 且 3 > 2", "1 < 2 且 3 > 2"},
		{"text before a block", "標題<p>內容</p>結尾", "標題\n內容\n結尾"},
		{"text before a table", "請見下表：<table><tr><td>項目</td><td>費用</td></tr></table>", "請見下表：\n項目 費用"},
		{"indented table", "<table>\n<thead>\n<tr>\n<th>項目</th>\n<th>費用</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>謄本</td>\n<td>15 元</td>\n</tr>\n</tbody>\n</table>", "項目 費用\n謄本 15 元"},
		{"line break inside a cell kept", "<table><tr><td>1</td><td>第一行\n第二行</td></tr></table>", "1 第一行\n第二行"},
		{"link in plain text", "見 http://x.gov.tw/a.aspx?id=17&param=pn&copy=1&reg=2 與 A&amp;B", "見 http://x.gov.tw/a.aspx?id=17&param=pn&copy=1&reg=2 與 A&B"},
		{"link in markup", "<p>見 http://x.gov.tw/a?id=1&param=2 &lt;3&gt;</p>", "見 http://x.gov.tw/a?id=1&param=2 <3>"},
		{"whole document title dropped", "<html><head><title>頁面標題</title></head><body><p>內文</p></body></html>", "內文"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzString(f *testing.F) {
	f.Add("<p>藥品<br/>資訊</p>")
	f.Add("&lt;a href=\"x\"&gt;link&lt;/a&gt;")
	f.Add("<img src=＂x＂>")
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		for _, r := range out {
			if r < 0x20 && r != '\n' {
				t.Fatalf("control character %U in output %q", r, out)
			}
		}
	})
}
