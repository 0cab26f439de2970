package retrieval

import (
	"cmp"
	"slices"
	"strings"
)

// synonymGroups hold the everyday words citizens use beside the official words that
// agencies and the TFDA write (「腳踏車被偷」 for 「自行車失竊」): each word of a group stands for
// all of them. Keep groups to true equivalents; a loose group drags in noise.
var synonymGroups = [][]string{
	// losing and replacing things
	{"弄丟", "不見", "遺失", "掉了", "丟失", "搞丟", "丟了"},
	{"補辦", "補發", "補領", "重辦"},
	{"被偷", "失竊", "竊盜", "遭竊"},
	// vehicles, traffic
	{"腳踏車", "單車", "自行車", "鐵馬"},
	{"機車", "摩托車"},
	{"罰單", "罰鍰", "告發"},
	{"停車", "停放"},
	// people
	{"長輩", "老人", "長者", "年長者", "老年人", "銀髮"},
	{"小孩", "孩子", "兒童", "小朋友", "孩童"},
	{"嬰兒", "寶寶", "新生兒", "嬰幼兒"},
	{"身障", "身心障礙"},
	{"身障手冊", "身心障礙證明", "身心障礙手冊"},
	{"懷孕", "孕婦", "妊娠"},
	// life events
	{"過世", "往生", "死亡", "去世", "身故", "逝世", "死掉", "死了"},
	{"後事", "喪葬", "殯葬", "喪事"},
	{"搬家", "遷居", "遷徙", "遷入", "遷出"},
	{"生小孩", "出生", "生產", "分娩"},
	{"失業", "沒工作", "資遣"},
	{"租房", "租屋", "房屋租賃"},
	// services, contact
	{"專線", "熱線", "電話"},
	{"日照中心", "日間照顧中心", "日間照顧", "託老"},
	{"進度", "辦到哪", "進行到哪"},
	{"多久", "期限", "幾天"},
	{"費用", "收費", "多少錢", "要錢", "免費", "付費"},
	{"補助", "津貼", "補貼"},
	{"戒菸", "戒煙"},
	{"看醫生", "就醫", "看診", "就診"},
	{"報案", "報警"},
	// medicines
	{"藥丸", "藥片", "藥錠", "錠劑"},
	{"吃藥", "服藥", "服用"},
	{"止痛藥", "止痛", "鎮痛", "解熱鎮痛"},
	{"退燒", "解熱", "發燒"},
	{"拉肚子", "腹瀉", "止瀉"},
	{"便秘", "便祕", "排便不順"},
	{"胃痛", "胃藥", "胃酸", "制酸"},
	{"高血壓", "血壓高", "降血壓"},
	{"膽固醇", "降血脂", "血脂"},
	{"過敏", "抗組織胺"},
	{"鼻塞", "鼻充血", "鼻炎"},
	{"眼藥水", "點眼", "眼用"},
	{"藥膏", "軟膏", "乳膏"},
	{"副作用", "不良反應"},
	{"剩藥", "過期藥", "廢棄藥品"},
	{"保健食品", "健康食品"},
}

// charWords are the words of the data for things citizens name with one character
// («我家的狗», «用茶配藥»): a lone character gives no bigram that a record holds.
var charWords = map[rune][]string{
	'狗': {"犬隻", "寵物"}, '貓': {"貓咪", "寵物"}, '茶': {"喝茶", "茶葉"}, '酒': {"喝酒", "飲酒", "酒精"},
	'腎': {"腎臟"}, '肝': {"肝臟"}, '胃': {"腸胃"}, '痘': {"青春痘", "痘痘"}, '牙': {"牙齒", "假牙"},
}

var synonymIndex = func() map[string][]string {
	m := map[string][]string{}
	for _, g := range synonymGroups {
		for _, w := range g {
			m[w] = g
		}
	}
	return m
}()

var synonymMaxRunes = func() int {
	n := 0
	for w := range synonymIndex {
		n = max(n, len([]rune(w)))
	}
	return n
}()

// Expand returns the official and everyday words equivalent to words found in q (q's
// own words excluded), the Chinese words of its English words, and the international
// names of the mainland generic names it uses, space-separated, for the keyword leg of
// a search.
func Expand(q string) string {
	rs := []rune(q)
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(rs); i++ {
		// Longest match first, so that 身障手冊 wins over 身障.
		for n := min(synonymMaxRunes, len(rs)-i); n >= 2; n-- {
			g, ok := synonymIndex[string(rs[i:i+n])]
			if !ok {
				continue
			}
			for _, w := range g {
				if !seen[w] && !strings.Contains(q, w) {
					seen[w] = true
					out = append(out, w)
				}
			}
			i += n - 1
			break
		}
	}
	for _, c := range q {
		for _, w := range charWords[c] {
			if !seen[w] && !strings.Contains(q, w) {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	for _, w := range append(translate(q), mainlandGenerics(q)...) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// Concepts maps keyword tokens to the synonym group they stand for, so that a search
// counts a group once, as one concept with the weight of its most common word: a
// question that says 「弄丟」 should not prefer the records that happen to say 「弄丟」
// over those that say 「遺失」. Mapped are the tokens of every word of each group found
// in q, and q's bigrams that run from the word found into a particle (「丟了」 in
// 「愛心卡弄丟了」), which only repeat it. The label is the group's first word.
func Concepts(q string) map[string]string {
	rs := []rune(q)
	m := map[string]string{}
	for i := 0; i < len(rs); i++ {
		for n := min(synonymMaxRunes, len(rs)-i); n >= 2; n-- {
			g, ok := synonymIndex[string(rs[i:i+n])]
			if !ok {
				continue
			}
			label := g[0]
			for _, w := range g {
				for _, t := range Tokens(w) {
					if _, taken := m[t]; !taken {
						m[t] = label
					}
				}
			}
			for j := i; j < i+n && j+2 <= len(rs); j++ {
				if j+2 > i+n && !particles[rs[j+1]] {
					continue
				}
				for _, t := range Tokens(string(rs[j : j+2])) {
					if _, taken := m[t]; !taken && len([]rune(t)) == 2 {
						m[t] = label
					}
				}
			}
			i += n - 1
			break
		}
	}
	return m
}

// particles end a verb or a clause without meaning of their own: 「丟了」 in 「弄丟了」
// only repeats 「弄丟」.
var particles = map[rune]bool{'了': true, '的': true, '嗎': true, '呢': true, '吧': true, '啊': true, '啦': true, '喔': true, '耶': true}

// LabelConcepts returns the distinct tokens of a search, each with the concept it
// stands for in q: its synonym group's label (Concepts), or itself.
func LabelConcepts(q string, tokens []string) (words, concepts []string) {
	groups := Concepts(q)
	for _, t := range tokens {
		if slices.Contains(words, t) {
			continue
		}
		words = append(words, t)
		concepts = append(concepts, cmp.Or(groups[t], t))
	}
	return words, concepts
}
