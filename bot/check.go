package bot

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/civicbot/civicbot/contact"
	"github.com/civicbot/civicbot/retrieval"
)

// HelpLines are the phone numbers an answer may always give, whatever its sources.
var HelpLines = []string{"119", "110", "1925", "1999", "(02) 2871-7121", "02-2720-8889"}

// Reasons an answer fails the output check; counted and logged, never with the text.
var (
	ErrUnknownURL   = errors.New("url not in the sources")
	ErrUnknownPhone = errors.New("phone number not in the sources")
	ErrBadCitation  = errors.New("citation of a source that does not exist")
	ErrNoCitation   = errors.New("no citation")
	ErrCanary       = errors.New("system prompt leaked")
)

var citeRE = regexp.MustCompile(`\[(\d{1,3})\]`)

// checker holds what an answer may contain: the phone numbers and links of its
// sources that the allow-list allows, the help lines, the number of sources it may
// cite, and the canary. Answers and sources are read the same way (contact.Find), so
// a number in full-width digits, Chinese numerals or with other separators is the
// same number, and any domain-like token is a link.
type checker struct {
	allow   *contact.List
	phones  map[string]bool // digits of the allowed numbers of the sources
	links   []string        // the allowed links of the sources, normalised
	sources int
	canary  string
}

func newChecker(hits []retrieval.Hit, canary string, allow *contact.List) *checker {
	if allow == nil {
		allow = contact.Default()
	}
	c := &checker{allow: allow, phones: map[string]bool{}, sources: len(hits), canary: canary}
	for _, h := range HelpLines {
		c.phones[contact.Digits(h)] = true
	}
	for _, h := range hits {
		var b strings.Builder
		for _, s := range []string{h.URL, h.Title, h.Body, h.Snippet} {
			b.WriteString(s)
			b.WriteByte('\n')
		}
		if len(h.Facets) > 0 {
			// The facets hold image and insert links and contact phones.
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(h.Facets)
		}
		if !h.Snapshot.IsZero() {
			b.WriteString(h.Snapshot.Format("2006-01-02"))
		}
		for _, m := range contact.Find(b.String()) {
			switch {
			case m.Kind == contact.Link && allow.LinkAllowed(m, h.Dataset, h.URL):
				c.links = append(c.links, m.URL)
			case m.Kind == contact.Phone && allow.PhoneAllowed(m, h.Dataset):
				c.phones[m.Digits] = true
			}
		}
	}
	return c
}

// check returns why a text may not be shown, nil if it may. final asks for the checks
// of a whole answer too (at least one citation when sources were numbered).
func (c *checker) check(text string, cite, final bool) error {
	if c.canary != "" && strings.Contains(strings.ToLower(text), strings.ToLower(c.canary)) {
		return ErrCanary
	}
	for _, m := range contact.Find(text) {
		if err := c.mention(m); err != nil {
			return err
		}
	}
	if cite {
		cites := citeRE.FindAllStringSubmatch(text, -1)
		for _, m := range cites {
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > c.sources {
				return ErrBadCitation
			}
		}
		if final && len(cites) == 0 && c.sources > 0 {
			return ErrNoCitation
		}
	}
	return nil
}

// mention returns why a phone number or link may not be shown, nil if it may.
func (c *checker) mention(m contact.Mention) error {
	switch m.Kind {
	case contact.Link:
		if !c.knownLink(m.URL) {
			return ErrUnknownURL
		}
	case contact.Phone:
		if !c.knownPhone(m.Digits) && !contact.Partition(m.Groups, func(d string, n int) bool {
			// A help line stands alone among its separators («1999 1925»); a longer number
			// may span groups.
			return c.allow.Phone(d) && n == 1 || len(d) >= contact.MinPhoneDigits && c.knownPhone(d)
		}) {
			return ErrUnknownPhone
		}
	}
	return nil
}

// scrub replaces the phone numbers and links of text that may not be shown with
// mark, and says how many it replaced: extractive answers quote their sources, and a
// source may hold a number or link that is not allowed.
func (c *checker) scrub(text, mark string) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	for _, m := range contact.Find(text) {
		if c.mention(m) == nil {
			continue
		}
		b.WriteString(text[last:m.Start])
		b.WriteString(mark)
		last = m.End
		n++
	}
	if n == 0 {
		return text, 0
	}
	b.WriteString(text[last:])
	return b.String(), n
}

// knownLink accepts a link of the sources, or one cut short of it at a boundary
// (a site's root, a page without its query).
func (c *checker) knownLink(u string) bool {
	for _, l := range c.links {
		if l == u {
			return true
		}
		if strings.HasPrefix(l, u) && strings.ContainsRune("/?#&", rune(l[len(u)])) {
			return true
		}
	}
	return false
}

// knownPhone accepts a number of the sources, also written without its area code or
// with the country code.
func (c *checker) knownPhone(d string) bool {
	if c.phones[d] || c.allow.Phone(d) {
		return true
	}
	if strings.HasPrefix(d, "886") && c.phones["0"+d[3:]] {
		return true
	}
	for p := range c.phones {
		if len(d) >= contact.MinPhoneDigits && (strings.HasSuffix(p, d) || strings.Contains(p, d) && len(d) >= 8) {
			return true
		}
	}
	return false
}

// removedMark stands in an extractive answer for a number or link that may not be shown.
func removedMark(english bool) string {
	if english {
		return "[removed]"
	}
	return "〔已移除〕"
}
