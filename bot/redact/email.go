package redact

// appendEmails appends the e-mail addresses in b.
//
// Addresses are found around each '@' rather than by a pattern: the local part is
// every address character before it, the domain every one after it. Each '@' is
// judged on its own, so an address that a pattern would have half swallowed in a
// rejected match ("1@2.3@example.com") is still found, and as no extent crosses
// another '@' the scan stays linear.
func appendEmails(spans []span, b []byte) []span {
	for at := 0; at < len(b); at++ {
		if b[at] != '@' {
			continue
		}
		start := at
		for start > 0 && isLocal(b[start-1]) {
			start--
		}
		end := at + 1
		for end < len(b) && isDomain(b[end]) {
			end++
		}
		for end > at+1 && (b[end-1] == '.' || b[end-1] == '-') {
			end-- // the full stop ending a sentence is not part of the address
		}
		if start == at || !validDomain(b[at+1:end]) {
			continue
		}
		if n := len(spans); n > 0 && spans[n-1].kind == Email && spans[n-1].end > start {
			spans[n-1].end = end // a@b.c@d.e: one run of text, one item
			continue
		}
		spans = append(spans, span{start, end, Email})
	}
	return spans
}

// validDomain reports whether d, the text after an '@', is a domain: it starts
// with a letter or digit, has a dot inside and a letter somewhere ("@2.3" is not
// one). Each condition that holds for the start of a domain holds for all of it,
// so a domain cut short by a mask on a second pass is never accepted when the
// whole was not.
func validDomain(d []byte) bool {
	if len(d) == 0 || !isAlnum(d[0]) {
		return false
	}
	dot, letter := false, false
	for i, c := range d {
		if c == '.' && i+1 < len(d) && isAlnum(d[i+1]) {
			dot = true
		}
		if isLetter(c) {
			letter = true
		}
	}
	return dot && letter
}

func isLocal(c byte) bool {
	switch c {
	case '.', '_', '%', '+', '-':
		return true
	}
	return isAlnum(c)
}

func isDomain(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }
