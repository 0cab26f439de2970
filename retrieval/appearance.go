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
func shape(s ...string) appearanceTerm { return appearanceTerm{shapes: s} }
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

// bareColors are the colour characters that may stand alone. 粉 is not among them:
// alone it means powder.
var bareColors = map[rune]string{
	'白': "白", '黃': "黃", '橘': "橘", '紅': "紅", '藍': "藍", '綠': "綠",
	'紫': "紫", '棕': "棕", '褐': "棕", '黑': "黑", '灰': "灰",
}

// colorContext lists what may follow a lone colour character when it describes a pill.
var colorContext = []string{
	"的", "藥", "錠", "片", "丸", "顆", "粒", "膠", "圓", "橢", "扁", "長", "方", "三角",
	"四", "五角", "六角", "八角", "菱", "相間", "底", "帶", "色",
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

// appearanceStop holds words that contain colour or shape words but describe neither.
var appearanceStop = map[string]bool{
	"黑色素": true, "白色念珠菌": true, "白色葡萄球菌": true, "處方": true,
	"圓山": true, "團圓": true, "圓滿": true, "八角": true, "橘子": true, "紅綠燈": true,
}

var maxStopRunes = longestWord(appearanceStop)

var chineseAppearance = map[string]appearanceTerm{
	"白色": color("白"), "米白": color("白"), "乳白": color("白"), "奶白": color("白"),
	"象牙白": color("白"), "雪白": color("白"), "純白": color("白"),
	"黃色": color("黃"), "米黃": color("黃"), "淡黃": color("黃"), "淺黃": color("黃"),
	"鵝黃": color("黃"), "金黃": color("黃"), "土黃": color("黃"), "檸檬黃": color("黃"),
	"橘色": color("橘"), "橙色": color("橘"), "橘黃": color("橘", "黃"), "橘紅": color("橘", "紅"),
	"粉紅": color("粉"), "粉色": color("粉"), "淡粉": color("粉"), "淺粉": color("粉"), "桃紅": color("粉"),
	"紅色": color("紅"), "暗紅": color("紅"), "深紅": color("紅"), "磚紅": color("紅"), "酒紅": color("紅"),
	"藍色": color("藍"), "淺藍": color("藍"), "淡藍": color("藍"), "天藍": color("藍"),
	"水藍": color("藍"), "深藍": color("藍"), "寶藍": color("藍"),
	"藍綠": color("藍綠"), "青綠": color("藍綠"), "湖水綠": color("藍綠"), "湖綠": color("藍綠"),
	"綠色": color("綠"), "淺綠": color("綠"), "淡綠": color("綠"), "深綠": color("綠"), "草綠": color("綠"),
	"紫色": color("紫"), "淡紫": color("紫"), "淺紫": color("紫"), "紫紅": color("紫", "紅"),
	"棕色": color("棕"), "咖啡色": color("棕"), "褐色": color("棕"), "茶色": color("棕"),
	"深褐": color("棕"), "淺棕": color("棕"), "棕褐": color("棕"),
	"黑色": color("黑"),
	"灰色": color("灰"), "銀灰": color("灰"), "灰白": color("灰", "白"),
	"透明": color("透明"), "半透明": color("透明"),

	"圓形": shape(ShapeRound), "圓型": shape(ShapeRound), "圓的": shape(ShapeRound),
	"圓圓": shape(ShapeRound), "圓狀": shape(ShapeRound), "正圓": shape(ShapeRound),
	"扁圓": shape(ShapeRound), "圓扁": shape(ShapeRound), "圓片": shape(ShapeRound),
	"圓錠": shape(ShapeRound), "圓藥": shape(ShapeRound), "圓顆": shape(ShapeRound), "圓粒": shape(ShapeRound),
	"橢圓": shape(ShapeOval), "長橢圓": shape(ShapeOval), "蛋形": shape(ShapeOval),
	"卵形": shape(ShapeOval), "長圓形": shape(ShapeOval), "長形": shape(ShapeOval), "長條": shape(ShapeOval),
	"膠囊":  shape(ShapeCapsule),
	"膠囊狀": shape(ShapeCapsule, ShapeOval), "膠囊形": shape(ShapeCapsule, ShapeOval),
	"長圓柱": shape(ShapeCapsule, ShapeOval), "圓柱": shape(ShapeCapsule, ShapeOval),
	"三角形": shape(ShapeTriangle), "三角型": shape(ShapeTriangle), "三角的": shape(ShapeTriangle), "三角狀": shape(ShapeTriangle),
	"四邊形": shape(ShapeQuadrangle), "四方形": shape(ShapeQuadrangle), "方形": shape(ShapeQuadrangle),
	"正方形": shape(ShapeQuadrangle), "長方形": shape(ShapeQuadrangle), "菱形": shape(ShapeQuadrangle),
	"四角形": shape(ShapeQuadrangle), "矩形": shape(ShapeQuadrangle), "方塊": shape(ShapeQuadrangle),
	"五邊形": shape(ShapePentagon), "五角形": shape(ShapePentagon),
	"六邊形": shape(ShapeHexagon), "六角形": shape(ShapeHexagon),
	"八邊形": shape(ShapeOctagon), "八角形": shape(ShapeOctagon),
	"水滴": shape(ShapeTeardrop), "淚滴": shape(ShapeTeardrop),
	"雙圓": shape(ShapeDoubleRound), "兩個圓": shape(ShapeDoubleRound), "二個圓": shape(ShapeDoubleRound), "8字形": shape(ShapeDoubleRound), "葫蘆形": shape(ShapeDoubleRound),
	"液劑": shape(ShapeLiquid), "藥水": shape(ShapeLiquid), "糖漿": shape(ShapeLiquid),
	"口服液": shape(ShapeLiquid), "水劑": shape(ShapeLiquid),
	"藥粉": shape(ShapePowder), "粉劑": shape(ShapePowder), "散劑": shape(ShapePowder),
	"顆粒": shape(ShapePowder), "粉末": shape(ShapePowder),
	"不規則": shape(ShapeOther), "其他形狀": shape(ShapeOther), "特殊形狀": shape(ShapeOther),
	"心形": shape(ShapeOther), "星形": shape(ShapeOther), "花形": shape(ShapeOther),
}

var maxAppearanceRunes = longestWord(chineseAppearance)

var englishAppearance = map[string]appearanceTerm{
	"white": color("白"), "ivory": color("白"), "cream": color("白"),
	"yellow": color("黃"), "orange": color("橘"), "pink": color("粉"), "red": color("紅"),
	"blue": color("藍"), "green": color("綠"), "teal": color("藍綠"), "turquoise": color("藍綠"),
	"cyan": color("藍綠"), "purple": color("紫"), "violet": color("紫"), "lavender": color("紫"),
	"brown": color("棕"), "tan": color("棕"), "black": color("黑"), "grey": color("灰"),
	"gray": color("灰"), "silver": color("灰"), "clear": color("透明"), "transparent": color("透明"),
	"translucent": color("透明"),

	"round": shape(ShapeRound), "circle": shape(ShapeRound), "circular": shape(ShapeRound),
	"oval": shape(ShapeOval), "oblong": shape(ShapeOval), "elliptical": shape(ShapeOval),
	"ellipse": shape(ShapeOval), "caplet": shape(ShapeOval), "caplets": shape(ShapeOval),
	"capsule": shape(ShapeCapsule), "capsules": shape(ShapeCapsule),
	"triangle": shape(ShapeTriangle), "triangular": shape(ShapeTriangle),
	"square": shape(ShapeQuadrangle), "rectangle": shape(ShapeQuadrangle), "rectangular": shape(ShapeQuadrangle),
	"diamond": shape(ShapeQuadrangle), "rhombus": shape(ShapeQuadrangle),
	"pentagon": shape(ShapePentagon), "pentagonal": shape(ShapePentagon),
	"hexagon": shape(ShapeHexagon), "hexagonal": shape(ShapeHexagon),
	"octagon": shape(ShapeOctagon), "octagonal": shape(ShapeOctagon),
	"teardrop": shape(ShapeTeardrop),
	"syrup":    shape(ShapeLiquid), "liquid": shape(ShapeLiquid),
	"powder": shape(ShapePowder), "granules": shape(ShapePowder),
	"heart": shape(ShapeOther), "irregular": shape(ShapeOther),
}

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
