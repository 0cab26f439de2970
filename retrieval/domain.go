package retrieval

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Off-topic datasets: a question about medicines is rarely answered by a city FAQ, and
// one without a word of medicine rarely by a drug licence that only shares a syllable
// with it (「半夜可以停紅線嗎」 and 夜可眠膠囊). Documents of the other domain that the
// query does not name keep offTopicWeight of their score.
const offTopicWeight = 0.75

// IsMedicineQuery reports whether q (normalised) asks about medicines: it has a word of
// medicine, an imprint code beside a colour or shape, or a licence number.
func IsMedicineQuery(q string) bool {
	lower := strings.ToLower(q)
	if slices.ContainsFunc(medicineCues, func(c string) bool { return strings.Contains(lower, c) }) {
		return true
	}
	return len(AppearanceTokens(q)) > 0 || strings.Contains(q, "字第")
}

// WeighByDomain scales the scores of hits, the candidates of query q (normalised),
// by their domain: a city FAQ keeps offTopicWeight of its score when q is about
// medicines, a drug licence when it is not, and any record but a licence when q asks
// for what a licence records (ingredients, indication), unless q names the document
// (key, title, name, imprint, appearance). A query that names a drug (a brand without a
// word of medicine, 「普拿疼伏冒有哪幾種」) is about medicines.
func WeighByDomain(q string, hits []Hit) {
	named := make([]bool, len(hits))
	medicine := IsMedicineQuery(q)
	for i, h := range hits {
		// Only a drug's title names it by a run of letters: a city FAQ shares everyday
		// phrases (「過期的」) with questions of any kind.
		named[i] = names(h.Evidence) || (h.Dataset == "tfda_drug" && commonRun(q, h.Title) >= minNamedRun)
		medicine = medicine || (named[i] && h.Dataset == "tfda_drug")
	}
	field := asksLicenceField(q)
	for i := range hits {
		h := &hits[i]
		if named[i] {
			continue
		}
		if (medicine && h.Dataset == "taipei_faq") || (!medicine && h.Dataset == "tfda_drug") ||
			(field && h.Dataset != "tfda_drug") {
			h.Score *= offTopicWeight
		}
	}
}

// asksLicenceField reports whether q (normalised) asks for a field of a drug licence.
func asksLicenceField(q string) bool {
	lower := strings.ToLower(q)
	return slices.ContainsFunc(licenceFieldWords, func(w string) bool { return strings.Contains(lower, w) })
}

// minNamedRun is how many characters in a row a query must share with a title to name
// it: 「普拿疼伏冒」 names 普拿疼伏冒日夜膜衣錠, while 「夜可」 in 「半夜可以停紅線嗎」 does not
// name 夜可眠膠囊.
const minNamedRun = 3

// commonRun is the length in characters of the longest run of letters (CJK characters
// included, case ignored) that a and b share. Digits do not count: 「100元」 does not
// name 「…100毫克」.
func commonRun(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	best := 0
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cur[j] = 0
			if ra[i-1] == rb[j-1] && unicode.IsLetter(ra[i-1]) {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return best
}

// names reports whether evidence says the query names the document.
func names(evidence []string) bool {
	return slices.ContainsFunc(evidence, func(e string) bool {
		switch e {
		case EvidenceKey, EvidenceTitle, EvidenceName, EvidenceImprint, EvidenceAppearance:
			return true
		}
		return false
	})
}

// DemoteCancelled halves the scores of cancelled licences among hits (the candidates of
// query q, normalised) that no leg named (named[i]), unless q names the licence by the
// start of its name and no valid licence among them is named as well: 「感冒膠囊」 wants the
// valid 感冒膠囊 first, and 「naphazoline 眼藥水」 the valid eye drops rather than a
// cancelled 欣欣眼藥水, but 「百服寧可以空腹吃嗎」, whose 百服寧 licences are all
// cancelled, wants them rather than a valid 咳服寧 that shares two letters.
func DemoteCancelled(q string, hits []Hit, named []bool) {
	best := 0 // the longest start of a valid licence's name that q holds
	for _, h := range hits {
		if h.Dataset == "tfda_drug" && h.Status != "cancelled" {
			best = max(best, namedStart(q, h.Title))
		}
	}
	for i := range hits {
		h := &hits[i]
		if h.Status != "cancelled" || named[i] {
			continue
		}
		if n := namedStart(q, h.Title); n < minNamedRun || n <= best {
			h.Score /= 2
		}
	}
}

// LicenceName is a licence's name as its title gives it, without the maker in quotes
// («"大豐"舒舒眼藥水»), the notes in brackets and the spaces, in lower case.
func LicenceName(title string) string {
	name := []rune(strings.ToLower(bracketed.ReplaceAllString(WithoutMaker(title), "")))
	return string(slices.DeleteFunc(name, unicode.IsSpace))
}

// WithoutMaker is a licence's title without the maker's name in quotes.
func WithoutMaker(title string) string { return quotedMaker.ReplaceAllString(title, "") }

// namedStart is the length in characters of the longest start of a licence's name
// (LicenceName) that q holds.
func namedStart(q, title string) int {
	name := []rune(LicenceName(title))
	lower := strings.ToLower(q)
	for n := len(name); n > 0; n-- {
		if strings.Contains(lower, string(name[:n])) {
			return n
		}
	}
	return 0
}

var (
	quotedMaker = regexp.MustCompile(`["“〝「『][^"”〞」』]*["”〞」』]`)
	bracketed   = regexp.MustCompile(`[(（\[【〔][^)）\]】〕]*[)）\]】〕]`)
)
