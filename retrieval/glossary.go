package retrieval

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// glossary gives the Chinese words of the data for English words that visitors ask
// with, so that an English question can find Chinese records without a translation
// model. Drug names need no entry: the licences carry English names.
var glossary = map[string][]string{
	// medicines
	"medicine": {"藥", "藥品"}, "medicines": {"藥", "藥品"}, "medication": {"藥", "藥品"}, "drug": {"藥品"}, "drugs": {"藥品"},
	"pill": {"藥丸", "藥錠"}, "pills": {"藥丸", "藥錠"}, "tablet": {"錠"}, "tablets": {"錠"}, "capsule": {"膠囊"}, "capsules": {"膠囊"},
	"cream": {"乳膏"}, "ointment": {"軟膏"}, "syrup": {"糖漿"}, "injection": {"注射"}, "eye": {"眼"}, "drops": {"點眼", "滴劑"},
	"painkiller": {"止痛"}, "painkillers": {"止痛"}, "pain": {"疼痛", "止痛"}, "fever": {"發燒", "退燒"}, "cold": {"感冒"}, "flu": {"流感"},
	"cough": {"咳嗽"}, "allergy": {"過敏"}, "diarrhea": {"腹瀉"}, "constipation": {"便秘"}, "stomach": {"腸胃", "傷胃", "胃痛"},
	"blood": {"血"}, "pressure": {"血壓"}, "cholesterol": {"膽固醇"}, "diabetes": {"糖尿病"}, "sleeping": {"安眠"},
	"side": {"副作用"}, "effects": {"副作用"}, "kidney": {"腎臟", "傷腎"}, "kidneys": {"腎臟", "傷腎"}, "liver": {"肝臟", "傷肝"}, "heart": {"心臟"},
	"pregnant": {"懷孕"}, "pregnancy": {"懷孕"}, "child": {"兒童"}, "children": {"兒童"}, "baby": {"嬰兒"}, "elderly": {"老人", "長者"},
	"expired": {"過期"}, "leftover": {"剩藥"}, "fridge": {"冰箱"}, "refrigerator": {"冰箱"}, "store": {"保存"}, "storage": {"保存"},
	"coffee": {"咖啡"}, "tea": {"茶"}, "alcohol": {"酒"}, "milk": {"牛奶"}, "juice": {"果汁"}, "food": {"食品"},
	"supplement": {"保健食品"}, "supplements": {"保健食品"}, "cosmetics": {"化粧品"}, "antibiotic": {"抗生素"}, "antibiotics": {"抗生素"},
	"prescription": {"處方"}, "pharmacist": {"藥師"}, "doctor": {"醫師"}, "hospital": {"醫院"}, "licence": {"許可證"}, "license": {"許可證"},
	// services
	"lost": {"遺失"}, "lose": {"遺失"}, "stolen": {"失竊"}, "card": {"卡"}, "easycard": {"悠遊卡"}, "disability": {"身心障礙", "愛心"},
	"senior": {"敬老"}, "apply": {"申請"}, "application": {"申請"}, "documents": {"文件", "證件"}, "fee": {"費用"}, "fees": {"費用"},
	"pay": {"繳費", "繳款"}, "payment": {"繳費", "繳款"}, "fine": {"罰鍰"}, "ticket": {"罰單"}, "traffic": {"交通"}, "parking": {"停車"},
	"bus": {"公車"}, "mrt": {"捷運"}, "bicycle": {"自行車"}, "bike": {"自行車"}, "scooter": {"機車"}, "car": {"汽車"},
	"water": {"水"}, "tap": {"自來水"}, "drink": {"飲用"}, "drinking": {"飲用"}, "boil": {"煮沸"}, "boiling": {"煮沸"},
	"garbage": {"垃圾"}, "trash": {"垃圾"}, "recycling": {"資源回收"}, "smoking": {"菸"}, "smoke": {"菸"}, "quit": {"戒"},
	"hotline": {"專線"}, "phone": {"電話"}, "childcare": {"托育"}, "allowance": {"津貼"}, "subsidy": {"補助"}, "subsidies": {"補助"},
	"tax": {"稅"}, "taxes": {"稅"}, "household": {"戶籍"}, "registration": {"登記"}, "marriage": {"結婚"}, "birth": {"出生"},
	"death": {"死亡"}, "funeral": {"殯葬"}, "police": {"警察"}, "report": {"報案"}, "complaint": {"陳情"}, "library": {"圖書館"},
	"school": {"學校"}, "job": {"就業"}, "unemployment": {"失業"}, "rent": {"租屋"}, "housing": {"住宅"}, "dog": {"犬隻", "寵物"}, "dogs": {"犬隻", "寵物"}, "cat": {"貓咪", "寵物"}, "pet": {"寵物"},
	"toilet": {"馬桶"}, "flush": {"沖馬桶"}, "die": {"過世", "死亡"}, "dies": {"過世", "死亡"}, "died": {"過世", "死亡"}, "dead": {"過世", "死亡"},
	"sleepy": {"嗜睡"}, "drowsy": {"嗜睡"}, "steroid": {"類固醇"}, "steroids": {"類固醇"},
	"low-income": {"低收入"}, "damage": {"傷害"}, "hurt": {"傷害"}, "harm": {"傷害"}, "harmful": {"傷害"}, "income": {"收入"}, "vaccine": {"疫苗"}, "vaccination": {"疫苗", "接種"},
}

// glossaryPhrases give the Chinese names of things that English names in several words,
// which word by word would give nothing searchable («card» alone is 卡).
var glossaryPhrases = map[string][]string{
	"senior citizen card": {"敬老卡", "敬老悠遊卡"}, "senior card": {"敬老卡", "敬老悠遊卡"}, "elderly card": {"敬老卡"},
	"disability card": {"愛心卡", "愛心悠遊卡"}, "disabled card": {"愛心卡"}, "companion card": {"愛心陪伴卡"},
	"health insurance card": {"健保卡"}, "nhi card": {"健保卡"}, "id card": {"身分證"}, "identity card": {"身分證"},
	"parking ticket": {"停車費", "罰單"}, "parking fee": {"停車費"}, "traffic ticket": {"罰單"},
	"childcare allowance": {"育兒津貼"}, "child allowance": {"育兒津貼"}, "parental leave": {"育嬰留職停薪"},
	"tap water": {"自來水"}, "garbage truck": {"垃圾車"}, "low income": {"低收入戶"}, "low-income": {"低收入戶"},
	"household registration": {"戶籍登記"}, "marriage registration": {"結婚登記"}, "birth registration": {"出生登記"},
	"sleeping pill": {"安眠藥"}, "sleeping pills": {"安眠藥"}, "cold medicine": {"感冒藥"}, "eye drops": {"眼藥水"},
	"blood pressure": {"血壓"}, "high blood pressure": {"高血壓"}, "side effects": {"副作用"}, "side effect": {"副作用"},
	"food poisoning": {"食物中毒"}, "dog bite": {"狗咬"}, "stray dog": {"流浪犬"}, "pet cremation": {"寵物火化"},
}

// phraseOrder is glossaryPhrases' keys in a fixed order, so that a query expands the same
// way every time.
var phraseOrder = slices.Sorted(maps.Keys(glossaryPhrases))

// translate returns the glossary's Chinese words for the English words and phrases of q.
func translate(q string) []string {
	var out []string
	lower := strings.ToLower(q)
	words := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
	for _, w := range words {
		out = append(out, glossary[w]...)
	}
	joined := " " + strings.Join(words, " ") + " "
	for _, p := range phraseOrder {
		if strings.Contains(joined, " "+p+" ") {
			out = append(out, glossaryPhrases[p]...)
		}
	}
	return out
}

// InGlossary reports whether an English word is an everyday word of the glossary,
// rather than, say, a drug name.
func InGlossary(word string) bool {
	_, ok := glossary[strings.ToLower(word)]
	return ok || englishFiller[strings.ToLower(word)] || englishStop[strings.ToLower(word)]
}

// IsEnglishWord reports whether a lowercase word is everyday English (a word of the
// glossary, a question word or a function word) rather than a name or a code.
func IsEnglishWord(w string) bool {
	_, ok := glossary[w]
	return ok || englishFiller[w] || englishStop[w]
}

// englishFiller are English question words that say nothing about the subject.
var englishFiller = map[string]bool{
	"what": true, "which": true, "where": true, "when": true, "does": true, "should": true, "could": true,
	"would": true, "there": true, "their": true, "this": true, "that": true, "with": true, "from": true,
	"have": true, "about": true, "need": true, "take": true, "safe": true, "okay": true, "without": true,
	"taipei": true, "taiwan": true, "please": true, "help": true, "want": true, "like": true, "into": true,
}
