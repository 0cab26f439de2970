// Package htmltext turns the HTML found in open-data exports into clean text.
//
// Exports embed HTML in CSV and XML fields, sometimes escaped, with full-width quotes
// (＂) around attribute values and deep stacks of <font> tags. Block elements become line
// breaks, scripts and styles disappear, entities are decoded and whitespace is collapsed.
package htmltext

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// fullWidthAttr matches attribute values quoted with full-width quotes (＂...＂), which
// the HTML parser would otherwise read as part of the text.
var fullWidthAttr = regexp.MustCompile(`=\s*＂([^＂<>]*)＂`)

// Looks reports whether s seems to hold HTML markup rather than plain text.
func Looks(s string) bool {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return strings.Contains(s, "&lt;") || strings.Contains(s, "&nbsp;") || strings.Contains(s, "&amp;")
	}
	rest := s[i+1:]
	return len(rest) > 0 && (rest[0] == '/' || rest[0] == '!' || (rest[0]|0x20 >= 'a' && rest[0]|0x20 <= 'z'))
}

// String converts an HTML fragment to text. Plain text passes through with its line
// breaks kept and runs of spaces collapsed.
func String(s string) string {
	s = protectAmpersands(s)
	if strings.Contains(s, "&lt;") && !strings.Contains(s, "<") {
		// Escaped twice (as in some XML exports): unescape once to reach the markup.
		s = protectAmpersands(html.UnescapeString(s))
	}
	if !Looks(s) {
		return tidy(html.UnescapeString(s))
	}
	s = fullWidthAttr.ReplaceAllString(s, `="$1"`)
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return tidy(s)
	}
	var b strings.Builder
	for _, n := range nodes {
		walk(&b, n)
	}
	return tidy(b.String())
}

// entity matches a character reference that ends with its semicolon.
var entity = regexp.MustCompile(`^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

// protectAmpersands escapes every & that does not start a character reference ended by
// a semicolon. HTML also decodes a few old entities without one, so that a link's
// 「&param=」 or 「&copy=」 would read 「¶m=」 and 「©=」: a link that leads nowhere.
func protectAmpersands(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		if entity.MatchString(s[i:]) {
			b.WriteByte('&')
		} else {
			b.WriteString("&amp;")
		}
		s = s[i+1:]
	}
}

func walk(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if n.Parent != nil && structural[n.Parent.DataAtom] && strings.TrimSpace(n.Data) == "" {
			// The source's indentation between cells ("<tr>\n<td>a</td>\n<td>b</td>"), not
			// a line break of the text: the row must stay on one line.
			b.WriteByte(' ')
			return
		}
		b.WriteString(n.Data)
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Iframe, atom.Object, atom.Template:
			// A fragment parsed in a body context keeps a whole document's <title> (its
			// <head> is dropped), so the title is skipped by name as well.
			return
		case atom.Br:
			b.WriteByte('\n')
			return
		case atom.Img:
			if alt := attr(n, "alt"); alt != "" {
				b.WriteString(alt)
			}
			return
		case atom.Li:
			b.WriteString("\n• ")
		case atom.Td, atom.Th:
			b.WriteByte(' ')
		default:
			if block[n.DataAtom] {
				// A block starts a line: "標題<p>內容" must not read as one word.
				b.WriteByte('\n')
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(b, c)
	}
	if n.Type == html.ElementNode && block[n.DataAtom] {
		b.WriteByte('\n')
	}
}

var block = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Tr: true,
	atom.Table: true, atom.Section: true, atom.Article: true, atom.Blockquote: true,
	atom.Pre: true, atom.Dd: true, atom.Dt: true, atom.Header: true, atom.Footer: true,
	atom.Hr: true, atom.Figure: true, atom.Figcaption: true,
}

// structural elements hold other elements, never text of their own.
var structural = map[atom.Atom]bool{
	atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Tr: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Select: true,
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// tidy collapses spaces within lines, trims every line and drops empty lines, and
// removes control characters other than the line break.
func tidy(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\u00a0' || r == '\u3000' || r == '\t' || r == '\r' || r == '\f' || r == '\v':
			return ' '
		case r < 0x20 || r == 0x7f || r == '\u200b' || r == '\ufeff':
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
