package redact

import "regexp"

// idRE finds what may be a national ID or a resident certificate number: a letter,
// a second character (1 or 2 for a citizen, 8 or 9 for a resident since 2021, A-D
// for a resident before), then eight digits, with a space or hyphen allowed
// between any two characters.
var idRE = regexp.MustCompile(`[A-Za-z][ \-]?[0-9A-Da-d](?:[ \-]?[0-9]){8}`)

// letterCodes are the numbers the letters of an ID stand for, from 10 on in
// alphabetical order except that W, Z, I and O come last (32 to 35).
var letterCodes = [26]int{
	10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, // A-M
	22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33, // N-Z
}

// appendIDs appends the national IDs and resident certificate numbers in b.
//
// An ID must not follow a letter (it would be the tail of a longer code) nor be
// followed by a digit (it would be the head of a longer number). A digit before
// it or a letter after it is allowed. So an ID turned down here is never found
// on a second pass: no later finder masks a letter, and a number that takes the
// digit after it takes the ID's last digits too.
func appendIDs(spans []span, b []byte) []span {
	for pos := 0; pos < len(b); {
		loc := idRE.FindIndex(b[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		kind, ok := idKind(b[start:end])
		if !ok || start > 0 && isLetter(b[start-1]) || end < len(b) && isDigit(b[end]) {
			// Another candidate may start inside this one ("A B123456789").
			pos = start + 1
			continue
		}
		spans = append(spans, span{start, end, kind})
		pos = end
	}
	return spans
}

// idKind returns the kind of the ID m (as matched by idRE), and whether its check
// digit is right.
//
// A well-formed ID with a wrong check digit is not masked. One in ten random
// letter-and-nine-digit strings passes the check, so the check is what keeps drug
// codes, order numbers and the like readable; a citizen who mistypes their own ID
// has given away less than the ID, and masking every lookalike would cost more
// answers than it saves.
func idKind(m []byte) (Kind, bool) {
	var c [10]byte // the ID without separators
	n := 0
	for _, ch := range m {
		if ch != ' ' && ch != '-' {
			c[n] = ch
			n++
		}
	}
	if n != len(c) {
		return "", false
	}
	// The letter's two digits weigh 1 and 9, the second character 8, the next
	// seven digits 7 to 1, and the check digit 1; the sum is a multiple of 10.
	code := letterCodes[upper(c[0])-'A']
	sum := code/10 + code%10*9
	kind := ResidentID
	switch second := c[1]; {
	case second == '1' || second == '2':
		kind = NationalID
		sum += int(second-'0') * 8
	case second == '8' || second == '9': // resident certificate, 2021 format
		sum += int(second-'0') * 8
	case isLetter(second): // resident certificate, old format: the last digit of the letter's code
		sum += letterCodes[upper(second)-'A'] % 10 * 8
	default:
		return "", false
	}
	for k := 2; k < 9; k++ {
		sum += int(c[k]-'0') * (9 - k)
	}
	sum += int(c[9] - '0')
	return kind, sum%10 == 0
}

func upper(c byte) byte { return c &^ 0x20 }
