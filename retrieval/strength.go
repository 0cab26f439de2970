package retrieval

import (
	_ "embed"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

//go:embed strengthunits.txt
var strengthUnitsFile string

// strengthUnits maps each spelling of a unit (lower case) to its canonical one, and
// strengthPattern finds a strength: numbers (「50/12.5」) and a unit.
var strengthUnits, strengthPattern = func() (map[string]string, *regexp.Regexp) {
	units := map[string]string{}
	var alts []string
	for _, line := range strings.Split(strengthUnitsFile, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for _, w := range f {
			units[strings.ToLower(w)] = f[0]
			alts = append(alts, regexp.QuoteMeta(strings.ToLower(w)))
		}
	}
	// Longest first: 「微公克」 before 「公克」, "mcg" before "g".
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	return units, regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?(?:\s*/\s*[0-9]+(?:\.[0-9]+)?)*)\s*(` + strings.Join(alts, "|") + `)(?:[^a-z]|$)`)
}()

// Strengths are the strengths a text states, canonical ("20mg", "12.5mg"): 「20毫克」,
// "20 mg" and 「20公絲」 are one; 「50/12.5 毫克」 gives 50mg and 12.5mg.
func Strengths(text string) []string {
	s := strings.ToLower(Normalize(text))
	var out []string
	for _, m := range strengthPattern.FindAllStringSubmatch(s, -1) {
		unit := strengthUnits[m[2]]
		for _, n := range strings.Split(m[1], "/") {
			v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				continue
			}
			c := strconv.FormatFloat(v, 'f', -1, 64) + unit
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// OrderByStrength orders, when question q states a strength, the licences that share
// the best hit's name (its title up to the first digit, without the maker): first those
// whose title states that strength, last those stating only others. A question on a
// 20 mg licence is not answered with the 40 mg one of the same name, and one on a
// cancelled 800 mg licence hears of it, not of the valid 400 mg one; a licence of
// another name with the strength asked is not promoted. Other hits keep their places;
// hits is returned unchanged when q states no strength or none of the name has it.
func OrderByStrength(q string, hits []Hit) []Hit {
	want := Strengths(q)
	if len(want) == 0 || len(hits) < 2 {
		return hits
	}
	rank := func(h Hit) int {
		has := Strengths(h.Title)
		switch {
		case slices.ContainsFunc(has, func(s string) bool { return slices.Contains(want, s) }):
			return 0
		case len(has) == 0:
			return 1
		}
		return 2
	}
	name := nameCore(hits[0].Title)
	var at []int
	var same []Hit
	for i, h := range hits {
		if name != "" && nameCore(h.Title) == name {
			at, same = append(at, i), append(same, h)
		}
	}
	if !slices.ContainsFunc(same, func(h Hit) bool { return rank(h) == 0 }) {
		return hits
	}
	slices.SortStableFunc(same, func(a, b Hit) int { return rank(a) - rank(b) })
	out := slices.Clone(hits)
	for j, i := range at {
		out[i] = same[j]
	}
	return out
}

// nameCore is a licence's name up to its first digit (LicenceName, normalised):
// 「"嘉林"嘉胃樂膜衣錠４０毫克（發模梯定）」 → 「嘉胃樂膜衣錠」.
func nameCore(title string) string {
	n := LicenceName(Normalize(title))
	if i := strings.IndexAny(n, "0123456789"); i >= 0 {
		n = n[:i]
	}
	return strings.TrimSpace(n)
}
