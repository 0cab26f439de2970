package retrieval

import (
	"cmp"
	"slices"
	"strings"
)

// mainlandIndex holds mainlandNames as questions read after Normalize, longest first.
var mainlandIndex = func() []struct{ name, intl string } {
	var out []struct{ name, intl string }
	for n, intl := range mainlandNames {
		out = append(out, struct{ name, intl string }{Normalize(n), intl})
	}
	slices.SortFunc(out, func(a, b struct{ name, intl string }) int {
		return cmp.Or(cmp.Compare(len(b.name), len(a.name)), strings.Compare(a.name, b.name))
	})
	return out
}()

// mainlandGenerics returns the international names of the mainland generic names in
// q (normalised), a name inside a longer one counted once (左氧氟沙星 is levofloxacin only).
func mainlandGenerics(q string) []string {
	var out []string
	for _, m := range mainlandIndex {
		if strings.Contains(q, m.name) {
			q = strings.ReplaceAll(q, m.name, " ")
			if !slices.Contains(out, m.intl) {
				out = append(out, m.intl)
			}
		}
	}
	return out
}
