package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/civicbot/civicbot/bot/triage"
	"github.com/civicbot/civicbot/contact"
	"github.com/civicbot/civicbot/retrieval"
)

// maxReasons bounds the reasons a flag records.
const maxReasons = 5

// Screen returns why a document must be held out of answers until staff release it,
// "" when it need not be: a passage holds instructions aimed at an assistant («ignore
// your rules», «you are now…», «system prompt»), or the document gives a phone number
// or link that the allow-list does not allow for it (see contact.List.PhoneAllowed and
// LinkAllowed). A nil allow means contact.Default(). The reasons quote the numbers and
// links (Go-quoted), never the rest of the text.
func Screen(d Document, allow *contact.List) string {
	if allow == nil {
		allow = contact.Default()
	}
	var reasons []string
	add := func(r string) {
		for _, x := range reasons {
			if x == r {
				return
			}
		}
		if len(reasons) < maxReasons {
			reasons = append(reasons, r)
		}
	}
	// Passage by passage: the rules measure how near their words are, and a long page
	// would otherwise join words of unrelated paragraphs.
	for _, p := range passages(d.Title + "\n" + d.Body) {
		if r := triage.Instructions(retrieval.Normalize(p)); r != "" {
			add("instructions to an assistant (" + r + ")")
		}
	}
	for _, m := range contact.Find(d.Title + "\n" + d.Body + "\n" + d.URL) {
		text := (d.Title + "\n" + d.Body + "\n" + d.URL)[m.Start:m.End]
		switch {
		case m.Kind == contact.Phone && !allow.PhoneAllowed(m, d.Dataset):
			add("phone number not on the allow-list: " + strconv.Quote(text))
		case m.Kind == contact.Link && !allow.LinkAllowed(m, d.Dataset, d.URL):
			add("link not on the allow-list: " + strconv.Quote(text))
		}
	}
	if len(reasons) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (allow-list %s)", strings.Join(reasons, "; "), allow.Version)
}

// passages cuts text into lines, and long lines into sentences.
func passages(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if len([]rune(line)) <= 200 {
			out = append(out, line)
			continue
		}
		out = append(out, strings.FieldsFunc(line, func(r rune) bool { return r == '。' || r == '！' || r == '？' })...)
	}
	return out
}
