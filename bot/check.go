package bot

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/civicbot/civicbot/prompts"
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

var (
	urlRE = prompts.URLs
	// phoneRE finds digit runs that may be phone numbers: digits with single separators,
	// at least 7 digits in all (shorter ones are doses, years, licence serials).
	phoneRE = regexp.MustCompile(`\+?\(?\d[\d\-\s().]{5,}\d`)
	citeRE  = regexp.MustCompile(`\[(\d{1,3})\]`)
)

// checker holds what an answer may contain: the URLs and phone numbers of its
// sources and the help lines, the number of sources it may cite, and the canary.
type checker struct {
	corpus  string          // every URL and text of the sources, to find URLs in
	phones  map[string]bool // digits of every phone-like run in the sources
	sources int
	canary  string
}

func newChecker(hits []retrieval.Hit, canary string) *checker {
	c := &checker{phones: map[string]bool{}, sources: len(hits), canary: canary}
	var b strings.Builder
	add := func(s string) {
		b.WriteString(s)
		b.WriteByte('\n')
		for _, m := range phoneRE.FindAllString(s, -1) {
			for _, d := range phoneDigits(m) {
				c.phones[d] = true
			}
		}
	}
	for _, h := range HelpLines {
		add(h)
	}
	for _, h := range hits {
		add(h.URL)
		add(h.Title)
		add(h.Body)
		add(h.Snippet)
		if len(h.Facets) > 0 {
			// The facets hold image and insert links and contact phones.
			var js strings.Builder
			enc := json.NewEncoder(&js)
			enc.SetEscapeHTML(false)
			if enc.Encode(h.Facets) == nil {
				add(js.String())
			}
		}
		if !h.Snapshot.IsZero() {
			add(h.Snapshot.Format("2006-01-02"))
		}
	}
	c.corpus = b.String()
	return c
}

// phoneDigits returns the digit groups of a phone-like run that are long enough to be
// a number (7+ digits): a run split by '#' or an extension gives each part.
func phoneDigits(s string) []string {
	var out []string
	var d strings.Builder
	flush := func() {
		if d.Len() >= 7 {
			out = append(out, d.String())
		}
		d.Reset()
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == '#':
			flush()
		}
	}
	flush()
	return out
}

// check returns why a text may not be shown, nil if it may. final asks for the checks
// of a whole answer too (at least one citation when sources were numbered).
func (c *checker) check(text string, cite, final bool) error {
	if c.canary != "" && strings.Contains(strings.ToLower(text), strings.ToLower(c.canary)) {
		return ErrCanary
	}
	for _, u := range urlRE.FindAllString(text, -1) {
		u = strings.TrimRight(u, ".,:;!?")
		if !strings.Contains(c.corpus, u) {
			return ErrUnknownURL
		}
	}
	for _, m := range phoneRE.FindAllString(text, -1) {
		for _, d := range phoneDigits(m) {
			if !c.knownPhone(d) {
				return ErrUnknownPhone
			}
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

// knownPhone accepts a number of the sources, also written without its area code or
// with the country code.
func (c *checker) knownPhone(d string) bool {
	if c.phones[d] {
		return true
	}
	if strings.HasPrefix(d, "886") && c.phones["0"+d[3:]] {
		return true
	}
	for p := range c.phones {
		if len(d) >= 7 && (strings.HasSuffix(p, d) || strings.Contains(p, d) && len(d) >= 8) {
			return true
		}
	}
	return false
}
