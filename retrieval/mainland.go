package retrieval

import (
	"cmp"
	"slices"
	"strings"
)

// mainlandNames are the generic names of medicines as written in mainland China (as
// visitors and readers of mainland sites ask: 「布洛芬」 for ibuprofen, which Taiwan
// writes 伊布洛芬), with the international name that the licences carry in English.
// Written in Simplified; matched after Normalize, like the questions.
var mainlandNames = map[string]string{
	"布洛芬": "ibuprofen", "对乙酰氨基酚": "acetaminophen", "扑热息痛": "acetaminophen", "阿司匹林": "aspirin",
	"阿莫西林": "amoxicillin", "阿昔洛韦": "acyclovir", "奥司他韦": "oseltamivir", "二甲双胍": "metformin",
	"氯雷他定": "loratadine", "西替利嗪": "cetirizine", "奥美拉唑": "omeprazole", "兰索拉唑": "lansoprazole",
	"雷尼替丁": "ranitidine", "法莫替丁": "famotidine", "辛伐他汀": "simvastatin", "阿托伐他汀": "atorvastatin",
	"瑞舒伐他汀": "rosuvastatin", "普伐他汀": "pravastatin", "氨氯地平": "amlodipine", "硝苯地平": "nifedipine",
	"非洛地平": "felodipine", "缬沙坦": "valsartan", "氯沙坦": "losartan", "厄贝沙坦": "irbesartan",
	"美托洛尔": "metoprolol", "阿替洛尔": "atenolol", "普萘洛尔": "propranolol", "氢氯噻嗪": "hydrochlorothiazide",
	"呋塞米": "furosemide", "螺内酯": "spironolactone", "氯吡格雷": "clopidogrel", "华法林": "warfarin",
	"西地那非": "sildenafil", "他达拉非": "tadalafil", "非那雄胺": "finasteride", "坦索罗辛": "tamsulosin",
	"别嘌醇": "allopurinol", "秋水仙碱": "colchicine", "泼尼松": "prednisone", "泼尼松龙": "prednisolone",
	"地塞米松": "dexamethasone", "氢化可的松": "hydrocortisone", "酮康唑": "ketoconazole", "克霉唑": "clotrimazole",
	"咪康唑": "miconazole", "特比萘芬": "terbinafine", "莫匹罗星": "mupirocin", "红霉素": "erythromycin",
	"阿奇霉素": "azithromycin", "克拉霉素": "clarithromycin", "左氧氟沙星": "levofloxacin", "氧氟沙星": "ofloxacin",
	"环丙沙星": "ciprofloxacin", "多西环素": "doxycycline", "头孢氨苄": "cephalexin", "甲硝唑": "metronidazole",
	"甲氧氯普胺": "metoclopramide", "多潘立酮": "domperidone", "洛哌丁胺": "loperamide", "蒙脱石": "smectite",
	"格列美脲": "glimepiride", "格列齐特": "gliclazide", "左甲状腺素": "levothyroxine", "氯苯那敏": "chlorpheniramine",
	"右美沙芬": "dextromethorphan", "伪麻黄碱": "pseudoephedrine", "愈创甘油醚": "guaifenesin", "氨溴索": "ambroxol",
	"沙丁胺醇": "salbutamol", "布地奈德": "budesonide", "孟鲁司特": "montelukast", "地西泮": "diazepam",
	"阿普唑仑": "alprazolam", "劳拉西泮": "lorazepam", "唑吡坦": "zolpidem", "舍曲林": "sertraline",
	"氟西汀": "fluoxetine", "帕罗西汀": "paroxetine", "艾司西酞普兰": "escitalopram", "加巴喷丁": "gabapentin",
	"普瑞巴林": "pregabalin", "双氯芬酸": "diclofenac", "萘普生": "naproxen", "塞来昔布": "celecoxib",
	"曲马多": "tramadol", "萘甲唑啉": "naphazoline", "羟甲唑啉": "oxymetazoline", "赛洛唑啉": "xylometazoline",
}

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
