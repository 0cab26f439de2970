// Package pages reads an agency's own content folder: Markdown and HTML pages that staff
// write or export from their website, one document per page.
//
// A Markdown page may start with front matter between "---" lines holding simple
// "key: value" lines (title, url, date, key, description). An HTML page gives its title,
// canonical URL and description in its head; its navigation, page header and footer are
// left out of the text.
package pages

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/htmltext"
)

// Source is the name a single page's records are kept under. A folder is kept under
// "pages-" and the folder's name (the Loader's choice).
const Source = "pages"

// maxPage bounds what is read of one page: agency pages are small, and a stray export
// or binary named .html should not exhaust memory.
const maxPage = 16 << 20

// taipeiTime is the zone of front-matter dates without one: the agencies are in Taiwan,
// which has had no daylight saving time since 1979.
var taipeiTime = time.FixedZone("CST", 8*60*60)

// Format returns the reader of agency pages: a single Markdown or HTML file, or a folder.
func Format() ingest.Format {
	return ingest.Format{Name: "pages", Detect: detect, Read: read, ReadFS: readFS}
}

func detect(name string, _ []byte) (string, bool) {
	if kindOf(name) == kindNone {
		return "", false
	}
	return Source, true
}

type kind int

const (
	kindNone kind = iota
	kindMarkdown
	kindHTML
)

func kindOf(name string) kind {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown":
		return kindMarkdown
	case ".html", ".htm":
		return kindHTML
	}
	return kindNone
}

// read reads one page from a stream, whose name is unknown: it is Markdown unless it
// looks like an HTML document, and it is keyed by its front-matter key, else its URL,
// else its title.
func read(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pages: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxPage+1))
	if err != nil {
		return fmt.Errorf("pages: %w", err)
	}
	if len(data) > maxPage {
		return fmt.Errorf("pages: the page is larger than %d MiB", maxPage>>20)
	}
	k := kindMarkdown
	if looksHTML(data) {
		k = kindHTML
	}
	rec, line, reason := record(data, k, "")
	if reason != "" {
		emit.Reject(line, reason)
		return nil
	}
	if rec.Key = first(rec.Key, rec.URL, rec.Title); rec.Key == "" {
		emit.Reject(1, "page has no key, URL or title: add \"key:\" front matter")
		return nil
	}
	if err := emit.Record(rec); err != nil {
		return fmt.Errorf("pages: %w", err)
	}
	return nil
}

// readFS reads every Markdown and HTML page under the root, skipping hidden files and
// folders (.git, .DS_Store, drafts kept as .name.md) and symbolic links, which could
// reach outside the folder.
func readFS(ctx context.Context, fsys fs.FS, emit ingest.Emit) error {
	owner := map[string]string{} // key → path of the page that has it
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		k := kindOf(p)
		if d.IsDir() || k == kindNone || !d.Type().IsRegular() {
			return nil
		}
		data, err := readPage(fsys, p)
		if err != nil {
			return err
		}
		rec, line, reason := record(data, k, p)
		if reason != "" {
			emit.Reject(line, p+": "+reason)
			return nil
		}
		// Two pages claiming one key is an authoring mistake: the first keeps it, so that
		// the outcome does not depend on which page was edited last.
		if prev, ok := owner[rec.Key]; ok {
			emit.Reject(1, fmt.Sprintf("%s: key %q is already used by %s", p, rec.Key, prev))
			return nil
		}
		owner[rec.Key] = p
		return emit.Record(rec)
	})
	if err != nil {
		return fmt.Errorf("pages: %w", err)
	}
	return nil
}

func readPage(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPage+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(data) > maxPage {
		return nil, fmt.Errorf("%s: larger than %d MiB", p, maxPage>>20)
	}
	return data, nil
}

// record parses one page; rel is its slash path under the root, "" for a stream. A page
// that cannot be read gives the line to report and the reason.
func record(data []byte, k kind, rel string) (ingest.Record, int, string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if line, ok := invalidUTF8(data); !ok {
		return ingest.Record{}, line, fmt.Sprintf("not valid UTF-8 at line %d (Big5 or another legacy encoding? save the page as UTF-8)", line)
	}
	var (
		p   page
		err error
	)
	if k == kindHTML {
		p, err = parseHTML(data)
	} else {
		p, err = parseMarkdown(data)
	}
	if err != nil {
		return ingest.Record{}, 1, err.Error()
	}
	if p.text == "" {
		return ingest.Record{}, 1, "empty page (no text)"
	}
	if p.title == "" && rel != "" {
		base := path.Base(rel)
		p.title = strings.TrimSuffix(base, path.Ext(base))
	}
	fields := map[string]any{}
	if rel != "" {
		fields["path"] = rel
	}
	if p.description != "" {
		fields["description"] = p.description
	}
	return ingest.Record{
		Dataset: corpus.DatasetPage,
		Key:     first(p.key, rel),
		Facet:   corpus.FacetMain,
		Title:   p.title,
		URL:     p.url,
		Text:    p.text,
		Fields:  fields,
		Status:  corpus.StatusActive,
		Date:    p.date,
		Line:    1,
	}, 0, ""
}

// first returns the first non-empty value.
func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// invalidUTF8 returns the 1-based line of the first byte that is not UTF-8.
func invalidUTF8(data []byte) (int, bool) {
	if utf8.Valid(data) {
		return 0, true
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line, false
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line, false
}

// page is what a page says about itself.
type page struct {
	title, url, description, key string
	date                         time.Time
	text                         string
}

// markdown renders with the GitHub extensions agencies' editors produce (tables, lists
// of links) and lets raw HTML through: htmltext drops scripts and styles afterwards.
// Soft line breaks between Chinese characters are removed, so that a word wrapped in
// the source is still one word.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM, extension.CJK),
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

func parseMarkdown(data []byte) (page, error) {
	meta, body := frontMatter(data)
	var buf bytes.Buffer
	if err := markdown.Convert(body, &buf); err != nil {
		return page{}, fmt.Errorf("markdown: %w", err)
	}
	p, err := parseHTML(buf.Bytes())
	if err != nil {
		return page{}, err
	}
	// Front matter wins; the rendered Markdown has no <head>, so its title is its first
	// level-one heading.
	p.title = first(oneLine(meta["title"]), p.title)
	p.url = first(webURL(meta["url"]), p.url)
	p.description = first(oneLine(meta["description"]), p.description)
	p.key = strings.TrimSpace(meta["key"])
	if d, ok := parseDate(meta["date"]); ok {
		p.date = d
	}
	return p, nil
}

// frontMatter splits a leading block between "---" lines into simple "key: value"
// pairs (keys lower-cased) and returns the rest. Without a closing line there is no
// front matter: a leading "---" is also a Markdown rule.
func frontMatter(data []byte) (map[string]string, []byte) {
	line, rest, ok := cutLine(data)
	if !ok || line != "---" {
		return nil, data
	}
	meta := map[string]string{}
	for len(rest) > 0 {
		line, rest, _ = cutLine(rest)
		if line == "---" || line == "..." {
			return meta, rest
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.HasPrefix(k, "#") || strings.ContainsAny(k, " \t-") {
			// Nested maps, lists and comments are beyond simple front matter.
			continue
		}
		meta[strings.ToLower(k)] = unquote(strings.TrimSpace(v))
	}
	return nil, data
}

// cutLine returns the first line of b, without its line ending and trailing blanks,
// and what follows it; ok is false when b has no line break.
func cutLine(b []byte) (line string, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return strings.TrimRight(string(b), " \t\r"), nil, false
	}
	return strings.TrimRight(string(b[:i]), " \t\r"), b[i+1:], true
}

// unquote reads a front-matter value: "double quoted" with escapes, 'single quoted'
// with a doubled quote for a quote, or plain with an optional " # comment".
func unquote(v string) string {
	switch {
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
		return v[1 : len(v)-1]
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}

var dateLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02", "2006/01/02", "2006/1/2",
}

// parseDate reads a front-matter or meta date; dates without a zone are Taipei time.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, taipeiTime); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// looksHTML reports whether a stream starts like an HTML document rather than Markdown.
func looksHTML(data []byte) bool {
	head := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	head = bytes.ToLower(head[:min(len(head), 64)])
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<meta ", "<title"} {
		if bytes.HasPrefix(head, []byte(p)) {
			return true
		}
	}
	return false
}

// parseHTML reads a page's title, URL, description, date and text. The text comes from
// <main> when the page marks its content so, else from the whole body, without
// navigation, scripts, and the page's own header and footer.
func parseHTML(data []byte) (page, error) {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return page{}, fmt.Errorf("html: %w", err)
	}
	var p page
	var h1, body, main *html.Node
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Title:
			if p.title == "" && !inSVG(n) {
				p.title = oneLine(textOf(n))
			}
		case atom.H1:
			if h1 == nil {
				h1 = n
			}
		case atom.Body:
			body = n
		case atom.Main:
			if main == nil {
				main = n
			}
		case atom.Link:
			if p.url == "" && hasToken(attr(n, "rel"), "canonical") {
				p.url = webURL(attr(n, "href"))
			}
		case atom.Meta:
			name := strings.ToLower(first(attr(n, "property"), attr(n, "name")))
			content := attr(n, "content")
			switch name {
			case "og:url":
				p.url = first(p.url, webURL(content))
			case "description", "og:description":
				p.description = first(p.description, oneLine(content))
			case "date", "dcterms.date", "article:published_time":
				if p.date.IsZero() {
					p.date, _ = parseDate(content)
				}
			}
		}
		if main == nil && strings.EqualFold(attr(n, "role"), "main") {
			main = n
		}
	}
	if p.title == "" && h1 != nil {
		p.title = oneLine(htmltext.String(render(h1)))
	}
	content := firstNode(main, body)
	if content == nil {
		return p, nil
	}
	prune(content, false)
	var buf strings.Builder
	// The wrapper keeps htmltext from reading a body of escaped text ("&lt;b&gt;") as markup.
	buf.WriteString("<div>")
	for c := content.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&buf, c); err != nil {
			return page{}, fmt.Errorf("html: %w", err)
		}
	}
	buf.WriteString("</div>")
	p.text = htmltext.String(buf.String())
	return p, nil
}

func firstNode(ns ...*html.Node) *html.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

// prune removes what is not the page's content. A <header> or <footer> inside an
// article or section introduces that content and is kept; the page's own are dropped.
func prune(n *html.Node, inSection bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			drop := false
			switch c.DataAtom {
			case atom.Nav, atom.Script, atom.Style, atom.Noscript, atom.Template:
				drop = true
			case atom.Header, atom.Footer:
				drop = !inSection
			}
			switch strings.ToLower(attr(c, "role")) {
			case "navigation", "banner", "contentinfo":
				drop = true
			}
			if drop {
				n.RemoveChild(c)
			} else {
				prune(c, inSection || c.DataAtom == atom.Article || c.DataAtom == atom.Section || c.DataAtom == atom.Main)
			}
		}
		c = next
	}
}

func render(n *html.Node) string {
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		return ""
	}
	return b.String()
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func inSVG(n *html.Node) bool {
	return n.Namespace == "svg"
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// oneLine trims s and collapses every run of white space to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// webURL returns s if it is an absolute http(s) URL, else "": a relative canonical link
// cannot be cited without knowing the site.
func webURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\n") {
		return ""
	}
	return s
}
