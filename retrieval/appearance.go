package retrieval

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Shapes as TFDA dataset 42 (藥品外觀) writes them in 形狀.
const (
	ShapeRound       = "圓形"
	ShapeOval        = "橢圓形"
	ShapeCapsule     = "膠囊"
	ShapeTriangle    = "三角形"
	ShapeQuadrangle  = "四邊形"
	ShapePentagon    = "五邊形"
	ShapeHexagon     = "六邊形"
	ShapeOctagon     = "八邊形"
	ShapeTeardrop    = "水滴形"
	ShapeDoubleRound = "雙圓形"
	ShapeLiquid      = "液劑(包含糖漿用粉劑)"
	ShapePowder      = "顆粒劑、粉劑或散劑"
	ShapeOther       = "其他"
)

// AppearanceTerms maps the colour and shape words of a pill description to the
// values of TFDA dataset 42's 顏色 (白, 黃, 橘, 粉, 紅, 藍, 綠, 藍綠, 棕, 紫, 灰, 黑,
// 透明) and 形狀 (the Shape constants), in the order they are first mentioned,
// without repeats. q is normalised first, so Simplified and full-width text work.
//
// A citizen's words are broader or narrower than the data's: 粉紅 is 粉, 咖啡色 is
// 棕, 方形 and 菱形 are 四邊形, 六角形 is 六邊形. Where the data splits what a
// citizen says, both values are given: 「長圓柱」 and 「膠囊狀」 may be a capsule
// (膠囊, which in dataset 42 is nearly always a real capsule) or an oblong tablet
// (橢圓形, how the data records caplets).
//
// A colour character alone counts only where it describes something: followed by
// 色 or 的, doubled (白白), beside another colour (紅白), before a shape or a word
// for a pill (白圓形, 黃藥丸), or standing alone between punctuation. So 黃疸,
// 紅疹, 灰指甲, 白天 and 明白 name no colour; neither does 黑色素.
func AppearanceTerms(q string) (colors, shapes []string) {
	s := Normalize(q)
	add := func(t appearanceTerm) {
		for _, c := range t.colors {
			if !slices.Contains(colors, c) {
				colors = append(colors, c)
			}
		}
		for _, sh := range t.shapes {
			if !slices.Contains(shapes, sh) {
				shapes = append(shapes, sh)
			}
		}
	}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		if isASCIILetter(r) {
			j := i
			for j < len(rs) && isASCIILetter(rs[j]) {
				j++
			}
			if t, ok := englishAppearance[strings.ToLower(string(rs[i:j]))]; ok {
				add(t)
			}
			i = j
			continue
		}
		stop := matchPrefix(rs[i:], appearanceStop, maxStopRunes)
		word := matchPrefix(rs[i:], chineseAppearance, maxAppearanceRunes)
		if stop > 0 && stop >= word {
			i += stop
			continue
		}
		if word > 0 {
			add(chineseAppearance[string(rs[i:i+word])])
			i += word
			continue
		}
		if _, ok := bareColors[r]; ok {
			j := i
			for j < len(rs) && isBareColor(rs[j]) {
				j++
			}
			if describesColor(rs, i, j) {
				for _, c := range rs[i:j] {
					add(appearanceTerm{colors: []string{bareColors[c]}})
				}
			}
			i = j
			continue
		}
		i++
	}
	return colors, shapes
}

// PillTerms are AppearanceTerms when q describes a pill. A capsule, a liquid or a
// powder with neither a colour nor a code read off it is a dosage form, not a look:
// 「斯斯感冒膠囊一天吃幾次」 and 「眼藥水開封後可以用多久」 name medicines, and every capsule
// or liquid would match them.
//
// Nor is a colour alone or a shape alone a pill's look when nothing in q says it is
// about a pill (a word of pillwords.txt, or an imprint code): 「路邊黃線可以停車嗎」 asks
// where to park, and 「紅色的卡」 is a card. A colour with a shape is a look either way.
func PillTerms(q string) (colors, shapes []string) {
	colors, shapes = AppearanceTerms(q)
	if len(colors) == 0 && len(shapes) == 0 {
		return nil, nil
	}
	imprint := len(ImprintCandidates(q)) > 0
	if (len(colors) == 0 || len(shapes) == 0) && !imprint && !mentionsPill(q) {
		return nil, nil
	}
	if len(colors) == 0 && !imprint {
		shapes = slices.DeleteFunc(shapes, func(s string) bool {
			return s == ShapeCapsule || s == ShapeLiquid || s == ShapePowder
		})
	}
	return colors, shapes
}

type appearanceTerm struct{ colors, shapes []string }

func color(c ...string) appearanceTerm { return appearanceTerm{colors: c} }
func isASCIILetter(r rune) bool        { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }
func isBareColor(r rune) bool          { _, ok := bareColors[r]; return ok }
func isHan(r rune) bool                { return unicode.Is(unicode.Han, r) }

// longestWord returns the rune length of the longest key of m.
func longestWord[V any](m map[string]V) int {
	n := 0
	for w := range m {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}

// matchPrefix returns the rune length of the longest word of m that rs starts with, or 0.
func matchPrefix[V any](rs []rune, m map[string]V, longest int) int {
	for n := min(longest, len(rs)); n > 0; n-- {
		if _, ok := m[string(rs[:n])]; ok {
			return n
		}
	}
	return 0
}

// describesColor reports whether the colour characters rs[i:j] describe something.
func describesColor(rs []rune, i, j int) bool {
	if j-i >= 2 { // 白白, 紅白
		return true
	}
	rest := string(rs[j:min(j+2, len(rs))])
	for _, c := range colorContext {
		if strings.HasPrefix(rest, c) {
			return true
		}
	}
	if i > 0 && strings.ContainsRune("是呈半淡淺深", rs[i-1]) {
		return true
	}
	// Standing alone: 「顏色：白，圓形」.
	return (i == 0 || !isHan(rs[i-1])) && (j == len(rs) || !isHan(rs[j]))
}

var maxStopRunes = longestWord(appearanceStop)

var maxAppearanceRunes = longestWord(chineseAppearance)

//go:embed pillwords.txt
var pillWordsFile string

// pillWords are the words of pillwords.txt; notPillWords are its words marked "-":
// words that hold a pill word and name no medicine (「清潔錠」 is a cleaning tablet).
var pillWords, notPillWords = func() (words, not []string) {
	for n, line := range strings.Split(pillWordsFile, "\n") {
		line, _, _ = strings.Cut(line, "#")
		w := strings.TrimSpace(line)
		if w == "" {
			continue
		}
		neg := strings.HasPrefix(w, "-")
		w = strings.TrimPrefix(w, "-")
		if w == "" || strings.ContainsFunc(w, unicode.IsSpace) || w != strings.ToLower(w) {
			panic(fmt.Sprintf("retrieval: pillwords.txt:%d: %q is not one lower-case word", n+1, line))
		}
		if neg {
			not = append(not, w)
		} else {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		panic("retrieval: pillwords.txt: no words")
	}
	return words, not
}()

// mentionsPill says whether q names a pill with a word of pillwords.txt (Latin words
// whole: "pills", not "spill"), outside the words that name no medicine.
func mentionsPill(q string) bool {
	s := strings.ToLower(Normalize(q))
	for _, w := range notPillWords {
		s = strings.ReplaceAll(s, w, " ")
	}
	latin := strings.FieldsFunc(s, func(r rune) bool { return !isASCIILetter(r) })
	for _, w := range pillWords {
		if IsLatin(w) {
			if slices.Contains(latin, w) {
				return true
			}
			continue
		}
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
