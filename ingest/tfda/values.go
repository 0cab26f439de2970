package tfda

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// licenceURL is the public page of a licence on the TFDA drug search site.
func licenceURL(key string) string {
	return "https://mcp.fda.gov.tw/im_detail_1/" + url.PathEscape(key)
}

// datasetURL is the page of a dataset on the TFDA open-data platform.
func datasetURL(id string) string {
	return "https://data.fda.gov.tw/frontsite/data/DataAction.do?method=doDetail&infoId=" + id
}

// splitMulti splits a multi-value field. Exports join values with ";;" (36) or ";;;"
// (42), so any run of two or more semicolons separates; a single one is text. Values
// are trimmed; empty and repeated ones are dropped.
func splitMulti(s string) []string {
	var out []string
	for s != "" {
		i := strings.Index(s, ";;")
		part := s
		if i < 0 {
			s = ""
		} else {
			part = s[:i]
			s = strings.TrimLeft(s[i:], ";")
		}
		if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

// splitLinks splits a field of links joined by semicolons, one or more: a link that
// itself holds a semicolon is kept whole, since the next part does not start a URL.
func splitLinks(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len(out) > 0 && !strings.Contains(p, "://") {
			out[len(out)-1] += ";" + p
			continue
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// union appends to dst the values of src it does not hold yet.
func union(dst, src []string) []string {
	for _, v := range src {
		if !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// parseDate reads the dates found in TFDA exports: YYYY/MM/DD (36), YYYY-MM-DD (190),
// "MM DD YYYY" (159, as in "11 17 2016"), YYYYMMDD; a time after the date is ignored.
func parseDate(s string) (time.Time, bool) {
	if t, ok := parseYMD(s); ok {
		return t, true
	}
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == '/' || r == '-' || r == ' ' || r == '.' || r == 'T' || r == ':' || r == '　'
	})
	var y, m, d string
	switch {
	case len(f) == 1 && len(f[0]) == 8:
		y, m, d = f[0][:4], f[0][4:6], f[0][6:]
	case len(f) >= 3 && len(f[0]) == 4:
		y, m, d = f[0], f[1], f[2]
	case len(f) == 3 && len(f[2]) == 4:
		m, d, y = f[0], f[1], f[2]
	default:
		return time.Time{}, false
	}
	yy, err1 := strconv.Atoi(y)
	mm, err2 := strconv.Atoi(m)
	dd, err3 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || err3 != nil || yy < 1900 || yy > 2200 || mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return time.Time{}, false
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd { // 2023/02/30
		return time.Time{}, false
	}
	return t, true
}

// parseYMD is the fast path for the common "2023/08/16" and "2023-08-16".
func parseYMD(s string) (time.Time, bool) {
	if len(s) != 10 || (s[4] != '/' && s[4] != '-') || s[7] != s[4] {
		return time.Time{}, false
	}
	n := 0
	num := func(p string) int {
		v := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				n = -1
				return 0
			}
			v = v*10 + int(p[i]-'0')
		}
		return v
	}
	y, m, d := num(s[:4]), num(s[5:7]), num(s[8:])
	if n < 0 || y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// isoDate shows a date as YYYY-MM-DD; what does not parse is kept as written.
func isoDate(s string) string {
	s = strings.TrimSpace(s)
	if t, ok := parseDate(s); ok {
		return t.Format(time.DateOnly)
	}
	return s
}

// latest returns the latest of the dates that parse, zero if none does.
func latest(dates ...string) time.Time {
	var out time.Time
	for _, s := range dates {
		if t, ok := parseDate(s); ok && t.After(out) {
			out = t
		}
	}
	return out
}

// trimNumber drops the padding zeros of decimal amounts ("200.000000" → "200").
func trimNumber(s string) string {
	s = strings.TrimSpace(s)
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "" || s == "-" {
		return "0"
	}
	return s
}

// lines builds a record's text as labelled lines, leaving out empty values.
type lines struct{ b strings.Builder }

func (l *lines) add(label, value string) {
	if value == "" {
		return
	}
	if l.b.Len() > 0 {
		l.b.WriteByte('\n')
	}
	l.b.WriteString(label)
	l.b.WriteString("：")
	l.b.WriteString(value)
}

func (l *lines) line(s string) {
	if l.b.Len() > 0 {
		l.b.WriteByte('\n')
	}
	l.b.WriteString(s)
}

func (l *lines) String() string { return l.b.String() }

// setNonEmpty stores value under key unless it is empty.
func setNonEmpty(m map[string]any, key string, value any) {
	switch v := value.(type) {
	case string:
		if v == "" {
			return
		}
	case []string:
		if len(v) == 0 {
			return
		}
	}
	m[key] = value
}
