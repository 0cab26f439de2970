package retrieval

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Facts of a licence that search compares as they are: derived once, when a document
// is written, and stored by each store, so that no store computes them in its own
// language.

// LicenceCoreName is the core name of a licence title that a citizen writes inside a
// question (「"瑪科隆"舒必朗錠50毫克(斯比樂)」 → 「舒必朗錠」), lower case, without
// spaces or quotes; the maker in quotes is kept when the rest is only a dosage form
// (「"全可利"膜衣錠」 → 「全可利膜衣錠」). "" when nothing is left. Search's name leg
// (LegName) compares the spans of a question (NameSpans) with it.
func LicenceCoreName(title string) string {
	unbracketed := nameBrackets.ReplaceAllString(norm.NFKC.String(title), "")
	quoted := nameDose.ReplaceAllString(unbracketed, "")
	bare := nameDose.ReplaceAllString(nameQuoted.ReplaceAllString(unbracketed, ""), "")
	chosen := quoted
	if utf8.RuneCountInString(nameForm.ReplaceAllString(bare, "")) >= 2 {
		chosen = bare
	}
	return strings.ToLower(nameStrip.ReplaceAllString(chosen, ""))
}

var (
	nameBrackets = regexp.MustCompile(`[(\[【〔][^)\]】〕]*[)\]】〕]`)
	nameQuoted   = regexp.MustCompile(`["“〝「『][^"”〞」』]*["”〞」』]`)
	nameDose     = regexp.MustCompile(`(?is)[0-9][0-9.,/\s]*(毫克|公絲|微公克|公克|微克|毫升|公撮|單位|mg|g|mcg|µg|ml|iu|%).*$`)
	nameStrip    = regexp.MustCompile(`[\s"“”〝〞「」『』'‘’·•・]`)
)

// LicenceKeySerial is the serial of a licence key (「衛署藥製字第029478號」 → 「029478」):
// its first run of 5 to 7 digits; "" when it has none. Search's serial leg (LegSerial)
// compares the serials a question quotes (LicenceSerials) with it.
func LicenceKeySerial(key string) string { return keySerial.FindString(key) }

var keySerial = regexp.MustCompile(`[0-9]{5,7}`)

// LicenceKeyPrefix is what precedes the first digit of a key (「衛署藥製字第」).
func LicenceKeyPrefix(key string) string {
	if i := strings.IndexAny(key, "0123456789"); i >= 0 {
		return key[:i]
	}
	return key
}
