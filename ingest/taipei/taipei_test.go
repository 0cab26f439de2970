package taipei

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

const realFile = "../opendata/taipei/faq.xml"

// clock is the date the tests pretend it is: the export holds records that end in
// 2015-2028, 2035 and 2100.
var clock = time.Date(2026, 11, 28, 12, 0, 0, 0, taipeiTime)

type rejected struct {
	line   int
	reason string
}

type result struct {
	records []ingest.Record
	rejects []rejected
	err     error
}

// byKey indexes the records; it fails the test on a repeated key, which a reader must
// never emit.
func (r result) byKey(tb testing.TB) map[string]ingest.Record {
	tb.Helper()
	m := make(map[string]ingest.Record, len(r.records))
	for _, rec := range r.records {
		if _, dup := m[rec.Key]; dup {
			tb.Fatalf("key %q emitted twice", rec.Key)
		}
		m[rec.Key] = rec
	}
	return m
}

func read(tb testing.TB, data []byte, now time.Time) result {
	tb.Helper()
	fs := Formats(func() time.Time { return now })
	if len(fs) != 1 {
		tb.Fatalf("Formats returned %d formats, want 1", len(fs))
	}
	var res result
	emit := ingest.Emit{
		Record: func(r ingest.Record) error { res.records = append(res.records, r); return nil },
		Reject: func(line int, reason string) { res.rejects = append(res.rejects, rejected{line, reason}) },
	}
	res.err = fs[0].Read(context.Background(), bytes.NewReader(data), emit)
	return res
}

func realData(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(realFile)
	if err != nil {
		tb.Fatalf("reading the bundled export: %v", err)
	}
	return data
}

func TestDetect(t *testing.T) {
	real := realData(t)
	tests := []struct {
		name string
		file string
		head string
		want bool
	}{
		{"real export", "export.xml", string(real[:8<<10]), true},
		{"datas shape without xmlmessage", "x.xml", `<?xml version="1.0"?><datas><data><deptName>a</deptName><data_id>GIP_1</data_id>`, true},
		{"official name, damaged head", "faq.xml", "<?xml vers", true},
		{"official name variant", "FAQ_2026.XML", "<?xml", true},
		{"other XML", "feed.xml", `<?xml version="1.0"?><rss><channel>`, false},
		{"datas without data_id", "x.xml", `<datas><data><id>1</id>`, false},
		{"CSV", "159.csv", "\"標題\",\"內容\"\n", false},
		{"JSON named like the FAQ", "faq.json", `[{"data_id":"GIP_1"}]`, false},
	}
	format := Formats(nil)[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, ok := format.Detect(tt.file, []byte(tt.head))
			if ok != tt.want {
				t.Fatalf("Detect(%q) = %v, want %v", tt.file, ok, tt.want)
			}
			if ok && src != Source {
				t.Errorf("source = %q, want %q", src, Source)
			}
		})
	}
}

func TestReadRealExport(t *testing.T) {
	res := read(t, realData(t), clock)
	if res.err != nil {
		t.Fatal(res.err)
	}
	// 1,877 <data> elements with unique data_ids; two have a blank news_content.
	if got, want := len(res.records), 1875; got != want {
		t.Errorf("records = %d, want %d", got, want)
	}
	wantRejects := []rejected{
		{365, "GIP_128607318: empty news_content"},
		{691, "GIP_178751882: empty news_content"},
	}
	if !slices.Equal(res.rejects, wantRejects) {
		t.Errorf("rejects = %v, want %v", res.rejects, wantRejects)
	}
	byKey := res.byKey(t)

	for _, r := range res.records {
		if r.Dataset != corpus.DatasetCityFAQ || r.Facet != corpus.FacetMain {
			t.Fatalf("%s: dataset/facet = %s/%s", r.Key, r.Dataset, r.Facet)
		}
		if !strings.HasPrefix(r.Key, "GIP_") {
			t.Errorf("key %q does not look like a data_id", r.Key)
		}
		if !strings.HasPrefix(r.Text, "問："+r.Title+"\n答：") {
			t.Errorf("%s: text does not start with the question: %.60q", r.Key, r.Text)
		}
		// Escaped HTML must have become text: no tags and no entities left.
		for _, bad := range []string{"<p", "<P", "<a ", "<A ", "<br", "<BR", "</", "&lt;", "&gt;", "&amp;", "&nbsp;"} {
			if strings.Contains(r.Text, bad) || strings.Contains(r.Title, bad) {
				t.Errorf("%s: %q left in text: %.200q", r.Key, bad, r.Text)
			}
		}
		if strings.ContainsAny(r.Title, "\n\t") || r.Title != strings.TrimSpace(r.Title) {
			t.Errorf("%s: title not collapsed: %q", r.Key, r.Title)
		}
		if r.Date.IsZero() {
			t.Errorf("%s: no post date", r.Key)
		}
		if r.Line < 1 || r.Line > 1877 {
			t.Errorf("%s: line %d out of range", r.Key, r.Line)
		}
	}

	// The export holds broken characters; the records are kept as they are.
	if r, ok := byKey["GIP_115897339"]; !ok || !strings.Contains(r.Title, "\uFFFD") {
		t.Errorf("GIP_115897339 with U+FFFD in its title: got %q (present %v)", r.Title, ok)
	}
	// Titles were escaped twice: "交通維持&gt;捷運萬大線..." must read ">".
	var gt int
	for _, r := range res.records {
		if strings.HasPrefix(r.Title, "交通維持>") {
			gt++
		}
	}
	if gt == 0 {
		t.Error(`no title starts with "交通維持>": doubly escaped titles were not decoded`)
	}
}

func TestRealRecord(t *testing.T) {
	byKey := read(t, realData(t), clock).byKey(t)
	r, ok := byKey["GIP_94145712"]
	if !ok {
		t.Fatal("GIP_94145712 missing")
	}
	checks := []struct{ what, got, want string }{
		{"title", r.Title, "交通違規簡訊服務常見問答"},
		{"agency", str(r.Fields["agency"]), "臺北市政府警察局交通警察大隊"},
		{"source_unit", str(r.Fields["source_unit"]), "交通警察大隊"},
		{"contact", str(r.Fields["contact"]), "交通警察大隊"},
		{"contact_phone", str(r.Fields["contact_phone"]), "1999"},
		{"post_date", str(r.Fields["post_date"]), "2015-01-06"},
		{"start_date", str(r.Fields["start_date"]), "2015-01-06 09:19"},
		{"end_date", str(r.Fields["end_date"]), "2100-10-21 23:59"},
		{"status", string(r.Status), string(corpus.StatusActive)},
		{"url", r.URL, ""}, // <link/> and <link>      </link>: no link
		// The questions citizens ask it in follow (package asked).
		{"text", textBefore(r.Text, "\n"+corpus.AskedLabel+"："), "問：交通違規簡訊服務常見問答\n答：交通違規簡訊服務常見問題集\n承辦機關：臺北市政府警察局交通警察大隊\n聯絡電話：1999\n關鍵字：交通違規、簡訊服務"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if kw, _ := r.Fields["keywords"].([]string); !slices.Equal(kw, []string{"交通違規", "簡訊服務"}) {
		t.Errorf("keywords = %#v", r.Fields["keywords"])
	}
	if _, ok := r.Fields["link"]; ok {
		t.Errorf("empty link kept in fields: %q", r.Fields["link"])
	}
	if want := time.Date(2015, 1, 6, 0, 0, 0, 0, taipeiTime); !r.Date.Equal(want) {
		t.Errorf("date = %v, want %v", r.Date, want)
	}

	// A record whose second <link> holds two URLs separated by "；".
	var twoLinks *ingest.Record
	for _, r := range byKey {
		if strings.Contains(str(r.Fields["link"]), "；") {
			twoLinks = &r
			break
		}
	}
	if twoLinks == nil {
		t.Fatal("no record with two links")
	}
	if twoLinks.URL != "http://e-screening.health.gov.tw/" {
		t.Errorf("%s: url = %q, want the first of %q", twoLinks.Key, twoLinks.URL, twoLinks.Fields["link"])
	}
}

func str(v any) string { s, _ := v.(string); return s }

func textBefore(s, sep string) string { before, _, _ := strings.Cut(s, sep); return before }

func TestStale(t *testing.T) {
	data := realData(t)
	tests := []struct {
		name      string
		now       time.Time
		key       string
		want      corpus.Status
		wantStale int // records past their end date at now
	}{
		// The export's end dates: 510 before the test clock, 2011-2028, then 2035 and 2100.
		{"ended in 2015", clock, "GIP_100664163", corpus.StatusStale, 510},
		{"ends in 2100", clock, "GIP_94145712", corpus.StatusActive, 510},
		{"ends 2026-12-31, before", clock, "GIP_115897339", corpus.StatusActive, 510},
		{"ends 2026-12-31, after", time.Date(2027, 1, 1, 0, 0, 0, 0, taipeiTime), "GIP_115897339", corpus.StatusStale, 520},
		{"before any end date", time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), "GIP_100664163", corpus.StatusActive, 0},
		{"after every end date", time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC), "GIP_94145712", corpus.StatusStale, 1875},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, data, tt.now)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if got := res.byKey(t)[tt.key].Status; got != tt.want {
				t.Errorf("%s: status = %q, want %q", tt.key, got, tt.want)
			}
			stale := 0
			for _, r := range res.records {
				if r.Status == corpus.StatusStale {
					stale++
				}
			}
			if stale != tt.wantStale {
				t.Errorf("stale records = %d, want %d", stale, tt.wantStale)
			}
		})
	}
}

func TestSplitKeywords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"交通違規,簡訊服務", []string{"交通違規", "簡訊服務"}},
		{"松菸，松山文創園區", []string{"松菸", "松山文創園區"}},
		{"台北卡、愛心悠遊卡、扣款異常", []string{"台北卡", "愛心悠遊卡", "扣款異常"}},
		{"大稻埕戲苑,藝文推廣處，會員", []string{"大稻埕戲苑", "藝文推廣處", "會員"}},
		{" a ,, ,b ,\n", []string{"a", "b"}},
		{"\n      ", nil},
	}
	for _, tt := range tests {
		if got := splitKeywords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitKeywords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWebURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://health.gov.taipei", "http://health.gov.taipei"},
		{"http://e-screening.health.gov.tw/ ； http://health.gov.taipei", "http://e-screening.health.gov.tw/"},
		{"請見 https://www.gov.taipei/News.aspx?n=1&sms=2。", "https://www.gov.taipei/News.aspx?n=1&sms=2。"},
		{"HTTPS://Example.org/a", "HTTPS://Example.org/a"},
		{"www.gov.taipei", ""},
		{"http://", ""},
		{"javascript:alert(1)", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := webURL(tt.in); got != tt.want {
			t.Errorf("webURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// doc builds an export of the given <data> bodies.
func doc(records ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?><xmlmessage><datas>`)
	for _, r := range records {
		b.WriteString("<data>" + r + "</data>")
	}
	b.WriteString("</datas></xmlmessage>")
	return []byte(b.String())
}

func faq(id, title, body string, extra ...string) string {
	return "<deptName>臺北市政府民政局</deptName><data_id>" + id + "</data_id><news_title>" + title +
		"</news_title><news_content>" + body + "</news_content>" + strings.Join(extra, "")
}

// cutBefore truncates data before the last occurrence of sep.
func cutBefore(data []byte, sep string) []byte {
	return data[:bytes.LastIndex(data, []byte(sep))]
}

func TestReadSynthetic(t *testing.T) {
	tests := []struct {
		name        string
		in          []byte
		wantErr     string // substring of the error; "" for none
		wantKeys    []string
		wantRejects []rejected
		check       func(t *testing.T, recs map[string]ingest.Record)
	}{
		{
			name:     "missing data_id is rejected, others kept",
			in:       doc(faq("GIP_1", "問一", "答一"), faq(" ", "問二", "答二"), faq("GIP_3", "問三", "答三")),
			wantKeys: []string{"GIP_1", "GIP_3"},
			wantRejects: []rejected{
				{2, "missing data_id"},
			},
		},
		{
			name:     "missing title and empty body after cleaning",
			in:       doc(faq("GIP_1", "  \n ", "答"), faq("GIP_2", "問", "&lt;p&gt;&amp;nbsp;&lt;/p&gt;&lt;br&gt;"), faq("GIP_3", "問三", "答三")),
			wantKeys: []string{"GIP_3"},
			wantRejects: []rejected{
				{1, "GIP_1: missing news_title"},
				{2, "GIP_2: empty news_content"},
			},
		},
		{
			name:     "repeated data_id: the later record wins, silently",
			in:       doc(faq("GIP_1", "舊問題", "舊答案"), faq("GIP_2", "問", "答"), faq("GIP_1", "新問題", "新答案")),
			wantKeys: []string{"GIP_1", "GIP_2"},
			check: func(t *testing.T, recs map[string]ingest.Record) {
				if r := recs["GIP_1"]; r.Title != "新問題" || r.Line != 3 {
					t.Errorf("GIP_1 = %q from record %d, want the later record 3", r.Title, r.Line)
				}
			},
		},
		{
			name: "links, dates, attachments and labelled lines",
			in: doc(faq("GIP_1", "如何\n  申請？", "&lt;p&gt;請洽&lt;a href=\"x\"&gt;窗口&lt;/a&gt;&lt;/p&gt;",
				"<contact> 戶籍科 </contact><contact_phone>1999轉1234</contact_phone>",
				"<post_date>2024-03-01 00:00:00</post_date><start_date>2024-03-01 08:30:00</start_date><end_date></end_date>",
				"<keyword>戶籍、遷入，申請</keyword><link/><link>  https://ca.gov.taipei/a  </link>",
				`<file><file_url descr="申請書">http://tcgwww.taipei.gov.tw/a.pdf</file_url></file>`)),
			wantKeys: []string{"GIP_1"},
			check: func(t *testing.T, recs map[string]ingest.Record) {
				r := recs["GIP_1"]
				want := "問：如何 申請？\n答：請洽窗口\n承辦機關：臺北市政府民政局\n聯絡人：戶籍科\n聯絡電話：1999轉1234\n" +
					"相關連結：https://ca.gov.taipei/a\n附件：申請書 http://tcgwww.taipei.gov.tw/a.pdf\n關鍵字：戶籍、遷入、申請"
				if r.Text != want {
					t.Errorf("text = %q\nwant   %q", r.Text, want)
				}
				if r.URL != "https://ca.gov.taipei/a" || r.Status != corpus.StatusActive {
					t.Errorf("url, status = %q, %q", r.URL, r.Status)
				}
				if _, ok := r.Fields["end_date"]; ok {
					t.Error("empty end_date kept")
				}
				if got := str(r.Fields["start_date"]); got != "2024-03-01 08:30" {
					t.Errorf("start_date = %q", got)
				}
				if got := r.Date; !got.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, taipeiTime)) {
					t.Errorf("date = %v", got)
				}
			},
		},
		{
			name:     "a link that is not a web address gives no URL",
			in:       doc(faq("GIP_1", "問", "答", "<link>見本局網站</link>")),
			wantKeys: []string{"GIP_1"},
			check: func(t *testing.T, recs map[string]ingest.Record) {
				if r := recs["GIP_1"]; r.URL != "" || str(r.Fields["link"]) != "見本局網站" {
					t.Errorf("url = %q, link = %q", r.URL, r.Fields["link"])
				}
			},
		},
		{
			name:     "bare datas root and HTML entities outside bodies",
			in:       []byte(`<datas><data>` + faq("GIP_1", "問&nbsp;一", "答") + `</data></datas>`),
			wantKeys: []string{"GIP_1"},
		},
		{name: "truncated inside a record", in: cutBefore(doc(faq("GIP_1", "問", "答"), faq("GIP_2", "問", "答")), "<news_title>"), wantErr: "record 2 ("},
		{name: "truncated between records", in: bytes.TrimSuffix(doc(faq("GIP_1", "問", "答")), []byte("</datas></xmlmessage>")), wantErr: "after record 1"},
		{name: "malformed record", in: doc(faq("GIP_1", "問", "答"), "<data_id>GIP_2</data_idd>"), wantErr: "record 2 (line 1"},
		{name: "Big5 prolog", in: []byte(`<?xml version="1.0" encoding="Big5"?><xmlmessage><datas></datas></xmlmessage>`), wantErr: `encoding "Big5"`},
		{
			name:     "UTF8 spelt without a hyphen",
			in:       append([]byte(`<?xml version="1.0" encoding="utf8"?>`), doc(faq("GIP_1", "問", "答"))[len(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>`):]...),
			wantKeys: []string{"GIP_1"},
		},
		{name: "invalid UTF-8", in: doc(faq("GIP_1", "問\xb0\xdd", "答")), wantErr: "UTF-8"},
		{name: "empty file", in: nil, wantErr: "empty"},
		{name: "only a prolog", in: []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n"), wantErr: "empty"},
		{name: "no data elements", in: []byte(`<xmlmessage><datas></datas></xmlmessage>`), wantErr: "no <data> records"},
		{name: "not XML", in: []byte(`"標題","內容"`), wantErr: "empty or not XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, tt.in, clock)
			if tt.wantErr != "" {
				if res.err == nil || !strings.Contains(res.err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", res.err, tt.wantErr)
				}
				return
			}
			if res.err != nil {
				t.Fatal(res.err)
			}
			var keys []string
			for _, r := range res.records {
				keys = append(keys, r.Key)
			}
			if !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("keys = %q, want %q", keys, tt.wantKeys)
			}
			if !slices.Equal(res.rejects, tt.wantRejects) {
				t.Errorf("rejects = %v, want %v", res.rejects, tt.wantRejects)
			}
			if tt.check != nil {
				tt.check(t, res.byKey(t))
			}
		})
	}
}

// TestReadTruncatedRealExport cuts the real file at several places: each must fail,
// saying where, rather than load part of the FAQ.
func TestReadTruncatedRealExport(t *testing.T) {
	data := realData(t)
	for _, cut := range []int{100, len(data) / 3, len(data) / 2, len(data) - 30, len(data) - 1} {
		res := read(t, data[:cut], clock)
		if res.err == nil {
			t.Errorf("cut at byte %d: no error, %d records", cut, len(res.records))
			continue
		}
		if !strings.Contains(res.err.Error(), "byte ") || !strings.Contains(res.err.Error(), "record ") {
			t.Errorf("cut at byte %d: error does not say where: %v", cut, res.err)
		}
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	emit := ingest.Emit{
		Record: func(ingest.Record) error { return nil },
		Reject: func(int, string) {},
	}
	err := Formats(nil)[0].Read(ctx, bytes.NewReader(realData(t)), emit)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestReadEmitError(t *testing.T) {
	stop := errors.New("store full")
	emit := ingest.Emit{
		Record: func(ingest.Record) error { return stop },
		Reject: func(int, string) {},
	}
	err := Formats(nil)[0].Read(context.Background(), bytes.NewReader(doc(faq("GIP_1", "問", "答"))), emit)
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want %v", err, stop)
	}
}

func FuzzReadFAQ(f *testing.F) {
	f.Add(doc(faq("GIP_1", "問", "答")))
	f.Add(doc(faq("GIP_1", "問", "&lt;p&gt;答&lt;/p&gt;", "<link>http://a</link><keyword>a，b</keyword>"), faq("GIP_1", "x", "y")))
	f.Add(realData(f)[:4096])
	f.Add([]byte(`<?xml version="1.0" encoding="Big5"?><x/>`))
	f.Add([]byte(`<datas><data><data_id>1</data_id></data></datas>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := read(t, data, clock)
		if res.err != nil {
			return
		}
		seen := map[string]bool{}
		for _, r := range res.records {
			if strings.TrimSpace(r.Key) == "" || r.Key != strings.TrimSpace(r.Key) {
				t.Fatalf("record %d: key %q", r.Line, r.Key)
			}
			if seen[r.Key] {
				t.Fatalf("key %q emitted twice", r.Key)
			}
			seen[r.Key] = true
			if r.Title == "" || !strings.HasPrefix(r.Text, "問：") {
				t.Fatalf("record %q: title %q, text %q", r.Key, r.Title, r.Text)
			}
		}
	})
}

func BenchmarkReadFAQ(b *testing.B) {
	data := realData(b)
	read := Formats(func() time.Time { return clock })[0].Read
	var n int
	emit := ingest.Emit{
		Record: func(ingest.Record) error { n++; return nil },
		Reject: func(int, string) {},
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := read(context.Background(), bytes.NewReader(data), emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// TestLoadBrokenCharacters: the eight records of the real export that hold U+FFFD. The
// loader counts every broken character of the source, repairs the lost Big5-ETEN
// characters it can tell from their word (化粧品, 不銹鋼, 那裏, 宏碁) and leaves the
// others visible.
func TestLoadBrokenCharacters(t *testing.T) {
	l := ingest.Loader{Formats: Formats(func() time.Time { return clock })}
	bs, err := l.Load(t.Context(), "testdata/faq_broken.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || len(bs[0].Records) != 8 {
		t.Fatalf("want one batch of 8 records, got %d batches", len(bs))
	}
	b := bs[0]
	var all strings.Builder
	for _, r := range b.Records {
		all.WriteString(r.Title + "\n" + r.Text + "\n")
	}
	text := all.String()
	for _, want := range []string{"化粧品", "不銹鋼", "那裏可以做癌症", "宏碁、聯發科", "捷運站\ufffd的旅遊"} {
		if !strings.Contains(text, want) {
			t.Errorf("the loaded records have no %q", want)
		}
	}
	for _, bad := range []string{"化\ufffd品", "不\ufffd鋼", "那\ufffd", "宏\ufffd"} {
		if strings.Contains(text, bad) {
			t.Errorf("the loaded records still have %q", bad)
		}
	}
	raw, err := os.ReadFile("testdata/faq_broken.xml")
	if err != nil {
		t.Fatal(err)
	}
	// 11 in the file: 7 lost ETEN characters, 3 bullets at line starts and 捷運站�.
	if n := strings.Count(string(raw), "\ufffd"); b.Text.Broken != n || b.Text.Repaired != 7 {
		t.Errorf("batch counts %+v; want %d broken (as in the file), 7 repaired", b.Text, n)
	}
}
