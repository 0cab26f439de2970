// Package taipei reads the Taipei City Government's FAQ export (市政網站整合平台之常見問答):
// one XML file of questions and answers from every bureau, keyed by data_id.
//
// The export is streamed one <data> element at a time, so that a file of any size is
// read in constant memory apart from the records themselves.
package taipei

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/asked"
	"github.com/civicbot/civicbot/ingest/htmltext"
)

// Source is the name the FAQ's records are kept under.
const Source = "taipei-faq"

// taipeiTime is the zone the export's dates are written in. Taiwan has had no daylight
// saving time since 1979, so a fixed zone needs no tzdata on the host.
var taipeiTime = time.FixedZone("CST", 8*60*60)

// ctxEvery is how many records are read between checks of the context.
const ctxEvery = 64

// Formats returns the reader of the city FAQ export. now tells which records are past
// their end date (nil means time.Now).
func Formats(now func() time.Time) []ingest.Format {
	if now == nil {
		now = time.Now
	}
	rd := reader{now: now}
	return []ingest.Format{{Name: "taipei-faq", Detect: detect, Read: rd.read}}
}

// detect decides by content, so that a renamed export is still recognised, and falls
// back to the official name (faq.xml) so that a damaged file reaches the reader, which
// can say where it is damaged.
func detect(name string, head []byte) (string, bool) {
	if bytes.Contains(head, []byte("<xmlmessage")) ||
		(bytes.Contains(head, []byte("<datas>")) && bytes.Contains(head, []byte("<data_id>"))) {
		return Source, true
	}
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if ok, _ := path.Match("faq*.xml", base); ok {
		return Source, true
	}
	return "", false
}

// item is one <data> element as exported. Elements not listed are ignored.
type item struct {
	DeptName     string   `xml:"deptName"`
	DataID       string   `xml:"data_id"`
	PostDate     string   `xml:"post_date"`
	NewsFrom     string   `xml:"news_from"`
	Contact      string   `xml:"contact"`
	ContactPhone string   `xml:"contact_phone"`
	Title        string   `xml:"news_title"`
	Content      string   `xml:"news_content"`
	StartDate    string   `xml:"start_date"`
	EndDate      string   `xml:"end_date"`
	Keyword      string   `xml:"keyword"`
	Links        []string `xml:"link"`
	Files        []struct {
		Descr string `xml:"descr,attr"`
		URL   string `xml:",chardata"`
	} `xml:"file>file_url"`
}

type reader struct {
	now func() time.Time
}

// charset refuses any declared encoding but UTF-8 (and ASCII, a subset): a Big5 export
// read as UTF-8 would be stored as mojibake.
func charset(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.ReplaceAll(label, "-", "")) {
	case "utf8", "usascii", "ascii":
		return r, nil
	}
	return nil, fmt.Errorf("the file declares encoding %q; only UTF-8 is read (convert it, e.g. iconv -f %s -t UTF-8)", label, label)
}

func (rd reader) read(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charset
	// Hand-edited exports carry HTML entities (&nbsp;) outside the escaped bodies.
	dec.Entity = xml.HTMLEntity

	now := rd.now()
	var (
		n        int  // <data> elements seen, for messages
		inRecord bool // whether an error is inside record n or after it
		root     bool
		out      []ingest.Record
		byKey    = map[string]int{} // data_id → index in out
	)
	where := func(err error) error {
		line, col := dec.InputPos()
		switch {
		case n == 0:
			return fmt.Errorf("taipei: line %d, column %d (byte %d): %w", line, col, dec.InputOffset(), err)
		case inRecord:
			return fmt.Errorf("taipei: record %d (line %d, byte %d): %w", n, line, dec.InputOffset(), err)
		}
		return fmt.Errorf("taipei: after record %d (line %d, byte %d): %w", n, line, dec.InputOffset(), err)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return where(err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		root = true
		if start.Name.Local != "data" {
			continue
		}
		n++
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("taipei: record %d: %w", n, err)
			}
		}
		var it item
		inRecord = true
		if err := dec.DecodeElement(&it, &start); err != nil {
			return where(err)
		}
		inRecord = false
		rec, reason := rd.record(&it, now)
		if reason != "" {
			emit.Reject(n, reason)
			continue
		}
		rec.Line = n
		// A repeated data_id is a later edit of the same question: the later one wins.
		if i, ok := byKey[rec.Key]; ok {
			out[i] = rec
			continue
		}
		byKey[rec.Key] = len(out)
		out = append(out, rec)
	}
	if !root {
		return where(errors.New("no XML element: the file is empty or not XML"))
	}
	if n == 0 {
		return where(errors.New("no <data> records: not the city FAQ export (<xmlmessage><datas><data>…)"))
	}
	for _, rec := range out {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("taipei: %w", err)
		}
		if err := emit.Record(rec); err != nil {
			return fmt.Errorf("taipei: record %d (%s): %w", rec.Line, rec.Key, err)
		}
	}
	return nil
}

// record turns one <data> into a record, or says why it cannot.
func (rd reader) record(it *item, now time.Time) (ingest.Record, string) {
	key := strings.TrimSpace(it.DataID)
	if key == "" {
		return ingest.Record{}, "missing data_id"
	}
	title := oneLine(htmltext.String(it.Title))
	if title == "" {
		return ingest.Record{}, fmt.Sprintf("%s: missing news_title", key)
	}
	body := htmltext.String(it.Content)
	if body == "" {
		return ingest.Record{}, fmt.Sprintf("%s: empty news_content", key)
	}

	agency := oneLine(it.DeptName)
	unit := oneLine(it.NewsFrom)
	contact := oneLine(it.Contact)
	phone := oneLine(it.ContactPhone)
	link := firstNonEmpty(it.Links)
	keywords := splitKeywords(it.Keyword)
	post, postStr := parseDate(it.PostDate)
	_, startStr := parseDate(it.StartDate)
	end, endStr := parseDate(it.EndDate)

	fields := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			fields[k] = v
		}
	}
	set("agency", agency)
	set("source_unit", unit)
	set("contact", contact)
	set("contact_phone", phone)
	if len(keywords) > 0 {
		fields["keywords"] = keywords
	}
	set("post_date", postStr)
	set("start_date", startStr)
	set("end_date", endStr)
	set("link", link)
	var attachments []map[string]string
	for _, f := range it.Files {
		if u := webURL(f.URL); u != "" {
			a := map[string]string{"url": u}
			if d := oneLine(f.Descr); d != "" {
				a["title"] = d
			}
			attachments = append(attachments, a)
		}
	}
	if len(attachments) > 0 {
		fields["attachments"] = attachments
	}

	// Labelled lines, so that a quoted passage says who answers and whom to call.
	var text strings.Builder
	text.WriteString("問：" + title + "\n答：" + body)
	line := func(label, v string) {
		if v != "" {
			text.WriteString("\n" + label + "：" + v)
		}
	}
	line("承辦機關", agency)
	if contact != agency && contact != unit {
		line("聯絡人", contact)
	}
	line("聯絡電話", phone)
	line("相關連結", link)
	for _, a := range attachments {
		line("附件", strings.TrimSpace(a["title"]+" "+a["url"]))
	}
	line("關鍵字", strings.Join(keywords, "、"))

	status := corpus.StatusActive
	if !end.IsZero() && end.Before(now) {
		status = corpus.StatusStale
	}
	rec := ingest.Record{
		Dataset: corpus.DatasetCityFAQ,
		Key:     key,
		Facet:   corpus.FacetMain,
		Title:   title,
		URL:     webURL(link),
		Text:    text.String(),
		Fields:  fields,
		Status:  status,
		Date:    post,
	}
	asked.Add(&rec)
	return rec, ""
}

// oneLine trims s and collapses every run of white space (line breaks included) to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// firstNonEmpty returns the first value that is not blank: records carry both <link/>
// and <link>   </link>.
func firstNonEmpty(vs []string) string {
	for _, v := range vs {
		if v = oneLine(v); v != "" {
			return v
		}
	}
	return ""
}

// webURL returns the first http(s) URL in s, "" if none. A link field sometimes holds
// two URLs separated by "；".
func webURL(s string) string {
	i := 0
	for i < len(s) && !hasPrefixFold(s[i:], "http://") && !hasPrefixFold(s[i:], "https://") {
		i++
	}
	if i == len(s) {
		return ""
	}
	s = s[i:]
	if end := strings.IndexFunc(s, func(r rune) bool {
		return r <= ' ' || r == '\u3000' || r == '；' || r == '，' || r == '、' || r == '」' || r == '）' || r == '"' || r == '<' || r == '>'
	}); end >= 0 {
		s = s[:end]
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// splitKeywords splits the keyword field on ASCII and full-width commas and the
// enumeration comma (、), which agencies use interchangeably.
func splitKeywords(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' })
	var out []string
	for _, p := range parts {
		if p = oneLine(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var dateLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02",
}

// parseDate reads an export date ("2015-01-06 09:19:00") in Taipei time and formats it
// for the record's fields: "2015-01-06 09:19", or "2015-01-06" at midnight. An
// unparseable date is kept as written, with a zero time.
func parseDate(s string) (time.Time, string) {
	s = oneLine(s)
	if s == "" {
		return time.Time{}, ""
	}
	for _, layout := range dateLayouts {
		t, err := time.ParseInLocation(layout, s, taipeiTime)
		if err != nil {
			continue
		}
		if t.Hour() == 0 && t.Minute() == 0 {
			return t, t.Format("2006-01-02")
		}
		return t, t.Format("2006-01-02 15:04")
	}
	return time.Time{}, s
}
