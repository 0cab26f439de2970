package triage

// The lexicons. Each block puts phrases into one group; the rules in triage.go
// combine groups. Two kinds of phrase:
//
//   - zh: space-separated phrases matched anywhere in the message's compact form
//     (letters and digits only, lower-cased, folded to Simplified characters), so
//     「吃 太多、藥」 matches 吃太多 and 藥, and 「吃太多药」 matches as well.
//     Write them in Traditional characters: fold.go folds both sides, so one entry
//     serves both scripts and half-converted text. Simplified entries are listed
//     where the wording differs (洗衣液, 写代码, 彩票); a few plain Simplified
//     spellings (自杀, 药片) stand as examples and fold onto the same entries.
//   - en: "|"-separated phrases matched on whole words of the message's Latin
//     words (lower-cased, punctuation collapsed to one space, apostrophes
//     dropped: "can't" is "cant", "I'm" is "im"). A trailing * matches any ending.
//
// A veto block lists phrases that cancel the shorter hits lying inside them:
// 「了解」 is not the 了 of a past event, 「跳樓價」 is a price, 「想死亡證明」 is not
// 想死. A veto must start at or before the hit it cancels; a hit as long as the
// veto stays (「自殺防治」 is a help-line request, not 自殺).
//
// Groups are never enough by themselves unless the rules say so: most need a
// second group nearby (too much + a medicine) or the absence of a general-question
// marker. The tests in triage_test.go pin the examples given in comments here.

type group uint8

const (
	_ group = iota // the zero group is none

	// Self-harm.
	gSuicide      // wanting to die, suicide methods: always SelfHarm
	gSelfHarm     // cutting, hurting oneself: always SelfHarm
	gSelfHarmWeak // "hurt myself": SelfHarm unless an injury context says it was an accident
	gInjury       // accident or sport context for gSelfHarmWeak
	gCharcoal     // 燒炭: SelfHarm unless it is about a barbecue
	gBBQ          // barbecue context for gCharcoal
	gIntent       // intent to die, with an overdose: SelfHarm
	gLethal       // asking for a lethal dose: SelfHarm
	gHowMuch      // "how many" … gToDie, in English
	gToDie        //
	gHelpline     // asking for the suicide-prevention line: SelfHarm (it gets 1925)

	// Emergencies: what was taken.
	gMed      // medicines: generic words, common brands and ingredients
	gAdultMed // medicines dangerous to a child (also medicines)
	gPillNoun // English pill nouns, after which a number is a count (also medicines)
	gHazard   // household and farm poisons, button batteries
	gTooMuch  // "too much": an overdose when next to a medicine
	gOverdose // the word overdose itself
	gQuantity // a whole bottle, a strip, many pills (numbers are counted in match.go)
	gIngest   // eat, swallow, drink, take
	gIngestPast
	gMine        // 「我的」「阿嬤的」 right before a medicine: someone else's medicine
	gChild       // child words
	gChildStrong // markers that a child got into something: 偷吃, 不小心, "my pills"
	gMisIngest   // 誤食, accidentally swallowed: always an emergency
	gWrongMed    // 吃錯藥: always an emergency
	gInhale
	gPoisoning    // 中毒, carbon monoxide
	gPoisonCentre // asking for the poison centre: Emergency (it gets the number)
	gPoisonAsk    // whether something would poison: 會不會中毒, 有毒嗎, "is it poisonous"
	gAnimal       // a pet swallowed it: a matter for a vet, not 119

	// Emergencies: symptoms.
	gAnaphylaxis
	gSwell   // swelling of lips, tongue or throat
	gAllergy // rash, hives, face swelling: anaphylaxis with breathing trouble
	gBreath
	gChoke
	gChestPain
	gChestTight // 胸悶: weaker than pain, needs an event or an alarm sign
	gChestAlarm // cold sweat, radiating pain: chest pain with one is always an emergency
	gStroke
	gStrokeSign // a drooping face
	gStrokeWeak // slurred speech, one-sided weakness: with 突然 or another sign
	gSudden
	gUnconscious
	gUnconsciousStrong // 叫不醒: always an emergency
	gSeizure
	gDistress // 救命

	// Context for the emergency rules.
	gUrgent  // 救命, 急, 送醫, help: an event, and strong enough for the child rule
	gEvent   // 了, 剛剛, 現在, 怎麼辦, "I took": something happened
	gPerson  // 我, 我媽, he, my: a symptom that someone has
	gGeneral // 嗎, 會不會, 多少, 哪些, 如果, what, can, is it: a general question
	gService // 補助, 申請, 復健: a service question about a condition, not an event
	gMyth    // 是真的嗎, 網路流傳: checking a rumour, never an event

	// Injection.
	gIgnoreVerb
	gIgnoreMod
	gIgnoreTarget
	gIgnoreDirect
	gRevealVerb
	gRevealTarget
	gPromptWord // 系統提示詞, system prompt: always
	gRole       // "you are now", 從現在開始你是: always
	gRoleStart  // 你現在是 …
	gRoleCont   // … 一個 / 醫生 / DAN
	gJailbreak  // developer mode, 越獄: always
	gUnrestricted
	gRoleMarker

	// Scope.
	gTask    // the user wants a poem, a joke, code, homework: always out of scope
	gTopic   // stocks, weather, sports: out of scope without an in-scope word
	gInScope // medication and government-service words

	// Situations (situations.txt): facts of the language combined by the rules in
	// triage.go into a self-harm intent or an emergency told in everyday words.
	gWish       // 想, 希望, 寧願, "want", "wish"
	gDie        // 死, 死掉, "die": death as what happens to the speaker
	gNeverWake  // 不要再醒來, 永遠睡, "never wake up"
	gStockpile  // 存了, 囤, 攢, "stockpiled", "saving up"
	gAfter      // 之後, 吃完, "after": something taken before the signs
	gFood       // 海鮮, 花生, "shrimp": what sets off an allergy
	gAirway     // 喉嚨, 舌頭, 嘴唇, "throat"
	gSwollen    // 腫, 緊, "swollen", "tight", "closing"
	gSkin       // 疹子, 蕁麻疹, "rash", "hives"
	gDizzy      // 頭暈, 快昏倒, "dizzy", "faint"
	gVomit      // 嘔吐, 一直吐, "vomiting"
	gVomitBlood // 吐血, 黑便, "vomiting blood"
	gBreathWeak // 很喘, 呼吸不順, "wheezing": weaker than gBreath
	gBlueLips   // 嘴唇發紫, "blue lips"
	gConfused   // 意識模糊, 叫了沒反應, "confused"
	gHeartFast  // 心跳很快, "heart racing"
	gChest      // 胸口, 心臟, "chest"
	gChestHurt  // 痛, 壓, 揪, "crushed", "pressure"
	gChestSqueeze
	gSweat    // 冒汗, 冷汗, "sweating", "clammy"
	gRadiate  // 左手, 下巴, "arm", "jaw": where heart pain spreads
	gFace     // 臉, 嘴角, "face", "smile"
	gDroop    // 歪, 下垂, "drooping", "crooked"
	gOneSide  // 一邊, 半邊, "one side"
	gLimbWeak // 無力, 麻, "weak", "numb"
	gSpeech   // 講話, 說話, "speech"
	gSpeechBad

	numGroups
)

type block struct {
	g      group
	reason string // gTask and gTopic: the Reason reported
	veto   bool
	zh     string
	en     string
}

// prefixed returns every prefix followed by every word, for vetoes such as
// 「避免誤食」.
func prefixed(prefixes, words string) string {
	var out []string
	for _, p := range fields(prefixes) {
		for _, w := range fields(words) {
			out = append(out, p+w)
		}
	}
	return join(out)
}

// blocks are the lexicon's phrases: those written here and those of situations.txt.
var blocks = append(lexiconBlocks[:len(lexiconBlocks):len(lexiconBlocks)], situationBlocks...)

var lexiconBlocks = []block{
	// ---------------------------------------------------------------- self-harm
	{g: gSuicide,
		// 想死 also in hyperbole (累到想死): still answered with 1925, which is the
		// help line for distress too. 撐不下去 is a recognised warning phrase.
		zh: `想死 好想死 想要死 想去死 我要去死 不想活 活不下去 不想活下去 活著沒意思 活著沒有意思 活著好累 活著沒意義 活著沒有意義
			活膩了 死了算了 去死算了 死一死算了 一了百了 想消失 撐不下去 想不開 尋死 求死 尋短 尋短見 輕生 自殺 自殺了 想自殺 自盡 自我了斷
			了結自己 了結生命 結束生命 結束自己 結束我的生命 結束這一切 不想醒來 不想再醒來 永遠不要醒來 跳樓 跳河 跳海 臥軌 上吊
			遺書 不想活惹 厭世到想死 不想再活 活著好痛苦 人生沒有意義 活著有什麼意義 沒有人會在乎我 沒有我會更好 消失算了 好想消失
			自杀 不想活了 活着没意思 寻死 轻生 结束生命`,
		// "unalive" and the misspellings are how people write it on phones.
		en: `kill myself|killing myself|kil myself|kms|suicide|suicidal|suicde|sucide|end my life|ending my life|end it all|take my own life|
			take my life|ending it all|want to die|wanna die|wish i was dead|wish i were dead|better off dead|dont want to live|do not want to live|
			dont want to be alive|no reason to live|not worth living|unalive|unalive myself|jump off a bridge|hang myself|
			feel like dying|nobody would miss me|no one would miss me|life is pointless|life is meaningless|hate my life|
			no point in living|tired of living|give up on life|want to disappear`},
	{veto: true,
		// 跳樓價/跳樓大拍賣 are bargain prices; 想死你了 is "miss you so much";
		// 不想活動 is "don't want to exercise"; 我想死亡證明… is 想 + 死亡證明.
		zh: `跳樓價 跳樓大拍賣 跳樓拍賣 跳樓大甩賣 跳樓特賣 想死亡 想死你 不想活動 想消失的斑 跳河濱`},
	{veto: true,
		// Asking for the help line: gHelpline, not gSuicide (a veto cancels only
		// shorter hits, so the gHelpline phrase itself stays).
		zh: `自殺防治 自殺專線 防自殺`,
		en: `suicide hotline|suicide prevention`},
	{g: gSelfHarm,
		zh: `割腕 割手 自殘 自傷 傷害自己 弄傷自己 想傷害自己 拿刀割自己 自残 伤害自己`,
		en: `self harm|selfharm|self injury|self injure|cut myself|cutting myself|harm myself|harming myself`},
	{g: gSelfHarmWeak,
		// "I hurt myself" is as often an injury: see gInjury.
		en: `hurt myself|hurting myself`},
	{g: gInjury,
		zh: `不小心 跌倒 扭到 運動`,
		en: `accident*|by mistake|fell|fall|falling|tripped|slipped|playing|lifting|while|at work|at the gym|sprain*|twisted|exercis*|running`},
	{g: gCharcoal, zh: `燒炭 燒木炭自殺`},
	{g: gBBQ, zh: `烤肉 燒烤 中秋 烤爐 炭火 露營`},
	{g: gIntent,
		zh: `故意 想死 去死 不想醒 不要醒 不會醒 一睡不醒 長眠 永遠睡 解脫 求死 尋死`,
		en: `on purpose|intentionally|deliberately|to die|so i wont wake up|never wake up|to end it|wont wake up again`},
	{g: gLethal,
		// Asking how much would kill is a recognised warning sign: answered with 1925.
		zh: `致死量 致死劑量 致命劑量 多少會死 幾顆會死 多少顆會死 多少才會死 幾顆才會死 多少可以死 吃多少死 吃多少會死掉`,
		en: `lethal dose|fatal dose|deadly dose|lethal amount|fatal amount`},
	{g: gHowMuch, zh: `多少 幾顆 幾粒 幾錠 幾片 幾瓶 幾盒`, en: `how many|how much`},
	{g: gToDie,
		zh: `會死 才會死 會不會死 會致死 死得掉 能死 可以死`,
		en: `to die|kill me|would kill|will kill|is lethal|be lethal|is fatal|be fatal`},
	{g: gHelpline,
		zh: `自殺防治 自殺專線 防自殺 安心專線 生命線 張老師專線`,
		en: `suicide hotline|suicide prevention|crisis line|crisis hotline|lifeline`},

	// ------------------------------------------------------- what was taken
	{g: gMed,
		// The single character 藥 covers 止痛藥, 安眠藥, 藥局; brands people type
		// instead: 普拿疼, 斯斯. Latin names appear inside Chinese messages too.
		zh: `藥 錠 膠囊 藥丸 糖漿 藥水 藥粉 普拿疼 伯基 斯斯 克風邪 百服寧 必理痛 泰諾 阿斯匹靈 阿斯匹林 布洛芬 乙醯胺酚 撲熱息痛
			維他命 維生素 鈣片 胰島素 抗生素 止痛 退燒 安眠 史蒂諾斯 使蒂諾斯 佐沛眠 贊安諾 煩寧 百憂解 樂復得 鐵劑 鎮定劑 鎮靜劑
			panadol tylenol stilnox xanax ibuprofen aspirin acetaminophen paracetamol zolpidem
			对乙酰氨基酚 药片`,
		en: `medicine|medicines|medication|medications|meds|drug|drugs|painkiller|painkillers|paracetamol|acetaminophen|tylenol|panadol|
			ibuprofen|advil|motrin|aspirin|naproxen|xanax|valium|ambien|zolpidem|diazepam|benzo*|tramadol|codeine|cough syrup|
			antihistamine*|benadryl|melatonin|vitamin*|metformin|warfarin|antibiotic*|syrup`},
	{g: gAdultMed,
		// In a child's hands these are dangerous even in small numbers.
		zh: `安眠藥 鎮定劑 鎮靜劑 降血壓 血壓藥 降血糖 血糖藥 糖尿病藥 抗憂鬱 抗焦慮 精神科 心臟藥 心臟病藥 鐵劑 避孕藥 嗎啡 止痛貼
			抗凝血 可邁丁 華法林 安眠`,
		en: `sleeping pill|sleeping pills|sleeping tablets|blood pressure|antidepressant*|iron pills|iron tablets|birth control|opioid*|
			oxycodone|morphine|fentanyl|insulin|heart medication|heart pills|diabetes`},
	{g: gPillNoun,
		en: `pill|pills|tablet|tablets|capsule|capsules|caps|tabs|sleeping pills|sleeping pill|sleeping tablets|doses`},
	{g: gHazard,
		zh: `電池 鈕扣電池 水銀電池 清潔劑 洗衣精 洗衣球 洗衣膠囊 洗碗精 洗潔精 漂白水 漂白劑 通樂 穩潔 芳香劑 殺蟲劑 殺蟑 蟑螂藥 老鼠藥
			滅鼠 農藥 除草劑 巴拉刈 樟腦丸 乾燥劑 去漬油 汽油 煤油 機油 消毒水 消毒酒精 防凍液 強酸 鹽酸 硫酸 強鹼 磁鐵 水銀 指甲油
			去光水 精油 菸蒂 電子菸油 瓦斯 84消毒液 老鼠药 硬幣 錢幣
			洗衣液 洗碗液 消毒液 潔廁劑 洁厕灵 鹽酸 除濕劑`,
		en: `button battery|button batteries|battery|batteries|bleach|detergent|laundry pod*|dishwasher tablet*|drain cleaner|cleaner|
			cleaning product*|rat poison|pesticide*|insecticide*|weed killer|antifreeze|lamp oil|kerosene|petrol|gasoline|mothball*|
			magnet*|nail polish remover|hand sanitizer|essential oil*|paraquat|coin|coins`},
	{g: gTooMuch,
		// Only counted next to a medicine (triage.go): 吃太多炸雞 is not an overdose.
		// 過多 is left out: 「這個藥副作用過多」 would be one.
		zh: `吃太多 吃了太多 吞太多 吞了太多 服用太多 服太多 用太多 喝太多 吃過量 過量 超量 服用過多 吃超過 吃過頭 吃多了 太多顆 太多粒
			太多錠 太多片 太多藥 吃很多 吃了很多 一次吃完 一口氣吃 兩倍 雙倍 三倍 加倍`,
		en: `too many|too much|a lot of|lots of|more than|double dose|double the dose|triple dose|twice the dose|extra doses`},
	{g: gOverdose,
		// "OD'd" loses its apostrophe: "odd on xanax".
		en: `overdose|overdosed|overdosing|overdoze|over dose|overdoses|od on|odd on|oded|od ing`},
	{g: gQuantity,
		zh: `整瓶 一整瓶 一瓶 半瓶 整盒 一整盒 一盒 整排 一整排 一排 整包 一整包 整罐 一整罐 整袋 一整袋 好幾顆 好幾粒 好幾錠 好幾片
			好幾包 很多顆 很多粒 好多顆 好多粒 一堆 一大堆 一把 一大把 大把 十幾顆 十幾粒 幾十顆 幾十粒 所有的藥 全部的藥 全部吃 全吃了
			都吃了 一週的藥 一個禮拜的藥 一個月的藥 好幾天的藥 一整個`,
		en: `whole bottle|entire bottle|a bottle of|bottle of|whole pack*|entire pack*|whole box|whole strip|whole packet|handful|
			bunch of|all my pills|all of my pills|all my meds|all the pills|all of the pills|all his pills|all her pills|
			all of his pills|all of her pills|all my medication|several|dozens|a dozen`},
	{g: gIngest,
		zh: `吃 吞 喝 嗑 服用 服藥 服下 服了 舔 食用 誤`,
		en: `take|took|taken|taking|swallow*|ate|eat|eaten|eating|drink|drank|drunk|drinking|ingest*|popped|chew*`},
	{g: gIngestPast,
		zh: `吃了 吃下 吃到 吃掉 吃光 吞了 吞下 吞進 吞掉 喝了 喝下 喝到 喝掉 服了 服下 嗑了 咬了 咬破 舔了 含了 拿去吃 拿來吃 偷吃
			誤食 誤吞 誤喝`,
		en: `swallowed|ate|eaten|drank|drunk|ingested|chewed|got into|has taken|took|popped|licked`},
	{g: gMine, zh: `我的 大人的 媽媽的 爸爸的 阿嬤的 阿公的 奶奶的 爺爺的 外婆的 外公的 家人的 別人的 老公的 老婆的 哥哥的 姊姊的 姐姐的`},
	{g: gChild,
		zh: `小孩 孩子 小朋友 兒子 女兒 寶寶 寶貝 嬰兒 幼兒 嬰幼兒 幼童 兒童 小童 孫子 孫女 外孫 小兒 囝仔 囡仔 娃兒 姪子 姪女 外甥
			學步兒 新生兒 小孩子 娃娃 宝宝`,
		en: `son|daughter|kid|kids|child|children|baby|babies|toddler|infant|grandson|granddaughter|grandchild|little one|nephew|niece|
			year old|yr old|month old|preschooler`},
	{g: gChildStrong,
		zh: `不小心 偷吃 偷拿 自己拿 自己吃 翻到 翻出 拿到 打開 咬破 誤 大人的`,
		en: `my pills|my medicine|my meds|my medication|my tablets|my sleeping|my blood|my iron|grandmas|grandpas|grandmothers|
			grandfathers|moms pills|mums pills|dads pills|adult|whole|entire|bottle|handful|bunch|accidentally|by accident|by mistake|
			got into|found`},
	{g: gMisIngest,
		// Accidental ingestion is a past event by definition: no question exemption.
		// A question about 過期藥 taken by mistake still gets the poison centre.
		zh: `誤食 誤吞 誤服 誤喝 誤吃 誤飲 不小心吃 不小心吞 不小心喝 不小心誤食 不小心誤吞 不小心誤服 不小心誤喝 不小心誤吃`,
		en: `accidentally swallowed|accidentally ate|accidentally drank|accidentally took|accidentally ingested|swallowed by accident|
			swallowed by mistake|ate by mistake|took by mistake`},
	{veto: true,
		// Prevention is not an event: 「如何避免小孩誤食」. (不小心誤食 is listed whole
		// above, so that 小心誤食 does not cancel it.)
		zh: prefixed(`避免 防止 預防 以免 小心 注意 防範 避免小孩 防止小孩 預防兒童 避免兒童 防止兒童`, `誤食 誤吞 誤服 誤喝 誤吃 吃錯藥`)},
	{g: gWrongMed,
		// 吃錯 alone is too common (「飯前飯後吃錯了」); the drug must be named.
		zh: `吃錯藥 吃錯了藥 拿錯藥吃 吃到別人的藥 吃了別人的藥 吃錯別人的藥`,
		en: `wrong medicine|wrong medication|wrong pills|wrong pill|someone elses pills|someone elses medicine|took the wrong`},
	{g: gAnimal,
		zh: `狗 貓 寵物 毛孩 狗狗 貓咪 兔子 鸚鵡 倉鼠 小狗 小貓`,
		en: `dog|dogs|cat|cats|pet|pets|puppy|kitten|rabbit|parrot|hamster`},
	{veto: true, zh: `熱狗 狗皮膏藥`, en: `hot dog|hot dogs`},
	{g: gInhale, zh: `吸入 吸到 聞到`, en: `inhaled|breathed in`},
	{g: gPoisoning,
		zh: `中毒 一氧化碳 瓦斯外洩 瓦斯漏`,
		en: `poisoned|poisoning|carbon monoxide|gas leak`},
	{g: gPoisonAsk,
		// Asking whether a food or a thing would poison is a question, not a poisoning:
		// 「薑長芽了還能吃嗎，會不會中毒」 (the 了 of 長芽了 is the sprout, not a meal).
		zh: `會中毒 會不會中毒 會不會造成中毒 會造成中毒 會引起中毒 會導致中毒 可能中毒 容易中毒 有沒有毒 有毒嗎 有毒性嗎 會有毒`,
		en: `poisonous|is it toxic|toxic to eat|can it poison`},
	{g: gPoisonCentre,
		// Asking for the number: the emergency answer carries it.
		zh: `毒物諮詢 中毒諮詢 毒藥物諮詢 毒藥物防治 毒物中心 毒物科 毒藥物中心 中毒專線 毒物專線`,
		en: `poison control|poison center|poison centre|poisons centre|poison hotline|poison help`},

	// ------------------------------------------------------------ symptoms
	{g: gAnaphylaxis,
		zh: `過敏性休克 嚴重過敏反應 全身性過敏 全身過敏反應 过敏性休克`,
		en: `anaphylaxis|anaphylactic|allergic shock|severe allergic reaction`},
	{g: gSwell,
		// Lips, tongue and throat only: 眼睛腫 and 臉腫 are allergy signs (gAllergy)
		// that need breathing trouble. 喉嚨腫痛 is a sore throat (veto below).
		zh: `嘴唇腫 唇腫 嘴巴腫 舌頭腫 喉嚨腫 喉頭腫 喉嚨緊 喉嚨好緊 喉嚨收緊 喉嚨被掐住 嘴唇肿`,
		en: `throat swelling|throat is swelling|swollen throat|throat closing|throat is closing|throat tight|throat is tight|
			tight throat|tongue swelling|swollen tongue|tongue is swelling|lips swelling|swollen lips|lip swelling|lips are swelling`},
	{veto: true, zh: `喉嚨腫痛 喉嚨腫腫痛痛 喉頭腫痛`},
	{g: gAllergy,
		zh: `過敏 起疹子 疹子 蕁麻疹 紅疹 臉腫 眼皮腫 眼睛腫 全身腫 全身癢`,
		en: `allerg*|hives|rash|itchy|face swelling|swollen face|facial swelling|swollen eyes`},
	{g: gBreath,
		zh: `呼吸困難 不能呼吸 無法呼吸 沒辦法呼吸 沒法呼吸 難以呼吸 呼吸不過來 喘不過氣 喘不過來 喘不上氣 吸不到氣 吸不到空氣
			沒有呼吸 沒呼吸 停止呼吸 呼吸停止 快窒息 窒息 呼吸急促 氣喘發作 哮喘發作 喘不过气 呼吸困难`,
		en: `cant breathe|can not breathe|cannot breathe|unable to breathe|difficulty breathing|difficulty in breathing|
			trouble breathing|hard to breathe|struggling to breathe|struggling for breath|not breathing|stopped breathing|
			short of breath|shortness of breath|gasping|breathing difficulty|breathless|cant catch my breath|asthma attack`},
	{g: gChoke,
		// 嗆到 (a baby coughing on milk) and 卡在喉嚨 (a pill stuck) are left out:
		// common and rarely emergencies.
		zh: `噎到 噎住 哽到 哽住`,
		en: `choking|is choking|choked on|something stuck in throat`},
	{g: gChestPain,
		zh: `胸痛 胸口痛 胸口很痛 胸口好痛 胸部疼痛 胸口劇痛 胸口刺痛 心絞痛 心臟痛 心口痛 胸部痛 胸前痛 胸口壓迫 胸口被壓 胸口像被壓
			心臟病發 心肌梗塞 胸口疼 心臟好痛 心臟很痛 心口好痛 心口很痛 胸部好痛 胸部很痛 胸好痛 胸很痛`,
		en: `chest pain|chest pains|chest hurts|chest is hurting|pain in my chest|pain in the chest|heart attack|crushing chest|
			chest pressure`},
	{g: gChestTight,
		zh: `胸悶 胸口悶 胸口緊 胸口不舒服 胸口很悶 心悸`,
		en: `chest tightness|tight chest|chest feels tight|chest is tight|chest discomfort|palpitations`},
	{g: gChestAlarm,
		zh: `冒冷汗 冷汗 喘不過氣 呼吸困難 痛到 很痛 好痛 劇痛 壓迫 放射 左手麻 左臂 手臂麻 下巴痛 頭暈 快昏倒 噁心 想吐 一直痛 越來越痛 痛得`,
		en: `cold sweat|sweating|sweaty|left arm|jaw|crushing|severe|dizzy|nausea|nauseous|spreading`},
	{g: gStroke,
		zh: `中風 腦中風 小中風 腦溢血 腦出血 中风`,
		en: `stroke|having a stroke|mini stroke`},
	{veto: true, en: `heat stroke|sun stroke|stroke of|brush stroke|key stroke|back stroke`},
	{g: gStrokeSign,
		zh: `臉歪 嘴歪 嘴巴歪 嘴角歪 口歪 歪嘴 歪一邊 眼斜 嘴角下垂 臉部下垂 半邊臉麻 臉麻掉 脸歪嘴斜`,
		en: `face drooping|face is drooping|drooping face|facial droop*|face droop*|mouth drooping|droopy face`},
	{g: gStrokeWeak,
		// Alone these are also a child's speech problem (「小孩口齒不清看哪科」).
		zh: `口齒不清 講話不清楚 說話不清楚 說話含糊 講話含糊 說不出話 講不出話 單側無力 半邊無力 一邊無力 半身無力 半邊麻 半身麻 一邊手腳`,
		en: `slurred speech|slurring|speech is slurred|cant speak|cant talk properly|one side weak|weakness on one side|
			numb on one side|arm weakness`},
	{g: gSudden, zh: `突然 忽然 一下子`, en: `suddenly|sudden|all of a sudden`},
	{g: gUnconscious,
		zh: `昏倒 暈倒 昏迷 昏過去 暈過去 失去意識 意識不清 休克 倒地 癱倒 昏厥 暈厥 晕倒`,
		en: `unconscious|passed out|fainted|collapsed|fainting|blacked out`},
	{g: gUnconsciousStrong,
		// These describe a state now, not a topic.
		zh: `叫不醒 叫不起來 搖不醒 不省人事 沒有意識 沒意識 倒地不起`,
		en: `unresponsive|wont wake up|will not wake up|cant wake him|cant wake her|cant wake them|not waking up|cant be woken`},
	{g: gSeizure,
		// 熱痙攣 is how Taiwan says febrile seizure; 抽筋 (a cramp) is not here.
		zh: `抽搐 癲癇發作 癲癇又發作 發作抽搐 羊癲瘋 口吐白沫 全身抽筋 全身痙攣 痙攣發作 熱痙攣 發燒抽筋 高燒抽筋`,
		en: `seizure|seizures|seizing|convulsion*|convulsing|epileptic fit|having a fit`},
	{g: gDistress, zh: `救命 救救我`, en: `sos`},

	// ------------------------------------------------------------ context
	{g: gUrgent,
		zh: `救命 急 緊急 很急 送醫 急診 救護車 119 快點 馬上 快來`,
		en: `help|emergency|urgent|911|119|asap|right now|immediately|please help`},
	{veto: true,
		// 急性 (acute), 呼吸急促, 緊急避孕藥 (emergency contraception) are not urgency.
		zh: `急性 急促 不急 緊急避孕 急救箱`,
		en: `emergency contraception|emergency contraceptive`},
	{g: gEvent,
		// 了 after a verb marks a past event (吃了, 吃太多了, 中毒了); the veto below
		// removes 了解, 為了, 除了.
		zh: `了 剛 剛剛 剛才 才剛 已經 不小心 一直 現在 正在 今天 昨天 昨晚 今晚 今早 早上 中午 下午 晚上 半夜 凌晨 小時前 分鐘前
			好像 怎麼辦 怎辦 怎麼處理 如何處理 該怎麼做 要怎麼做 該怎麼辦 後來 結果`,
		en: `i took|i have taken|ive taken|i just|just took|just swallowed|i swallowed|i ate|i drank|i overdosed|overdosed|took|
			swallowed|accidentally|by accident|by mistake|ago|now|today|tonight|last night|this morning|what do i do|
			what should i do|what to do|im having|i am having|is having|keeps|started|i feel|im feeling|i am feeling|cant wake`},
	{veto: true,
		// 「怎麼辦理」 is "how do I apply", the commonest service question.
		// 「抗生素吃多了會洗腎嗎」: the 了 of 吃多了 is "too much", not a past event.
		zh: `了解 為了 除了 了不起 怎麼辦理 如何辦理 怎辦理 吃多了`},
	{g: gPerson,
		zh: `我 媽 爸 家人 阿公 阿嬤 爺爺 奶奶 外公 外婆 老公 老婆 先生 太太 朋友 同事 室友 鄰居 老人家 長輩 他 她 兒子 女兒 小孩 孩子
			寶寶 男友 女友 病人`,
		en: `i|im|ive|id|me|my|myself|he|she|hes|shes|him|her|his|mom|mum|dad|mother|father|husband|wife|son|daughter|baby|child|
			kid|grandma|grandpa|grandmother|grandfather|friend|someone|somebody|partner|boyfriend|girlfriend`},
	{veto: true,
		// "I'd like to ask" is not someone with a symptom; 其他 is "other".
		zh: `我想問 我想請問 請問我 我想知道 我要問 我想了解 我問一下 我想查 我要查 其他 其它 其她 我聽說`,
		en: `i want to know|i would like to know|id like to know|i wonder|im wondering|i was wondering|can i ask|may i ask|
			i have a question|my question`},
	{g: gGeneral,
		zh: `嗎 會不會 可不可以 可以 能不能 能否 是否 多少 最多 最少 幾顆 幾粒 幾次 幾天 幾小時 多久 哪些 哪種 哪個 哪裡 什麼 甚麼 如何
			怎麼 怎樣 為什麼 為何 如果 假如 萬一 若 的話 症狀 徵兆 徵狀 副作用 風險 危險 原因 後果 標準 殘留 規定 預防 防治 避免
			注意事項 衛教 資訊 介紹 定義 差別 差異 影響 傷肝 傷腎 傷胃 會造成 會引起 導致 引起 吗`,
		en: `what|whats|how|which|when|why|is it|is there|are there|can|could|should|would|does|do|will|safe|safely|maximum|max|
			limit|symptom*|signs|sign of|side effect*|risk*|if|cause*|prevent*|dangerous|normal|effect*|ok to|okay to`},
	{veto: true, en: `can not`},
	{g: gService,
		zh: `補助 申請 津貼 長照 復健 手冊 身障 身心障礙 證明 保險 理賠 給付 病史 以前 曾經 去年 年前 後遺症 照顧 看護 輔具 補貼 警報器
			偵測器 宣導 課程 住院 出院`,
		en: `subsidy|subsidies|apply|application|rehab*|long term care|insurance|benefit|benefits|allowance|certificate|disability|
			history of|years ago|last year|caregiver|prevention|detector|alarm`},

	{g: gMyth,
		// TFDA answers rumours: 「吃了發芽的薑會中毒，這是真的嗎？」 is not a poisoning.
		zh: `是真的嗎 真的嗎 是真的 聽說 網路流傳 網路謠言 網傳 謠言 傳言 據說 迷思`,
		en: `is it true|i heard|rumou*|myth`},

	// ------------------------------------------------------------ injection
	{g: gIgnoreVerb,
		zh: `忽略 忽視 無視 忘記 忘掉 不要理會 不用理會 不要管 別管 不用管 不要遵守 不用遵守 不必遵守 跳過 拋開 拋棄 覆蓋 违反 違反 无视`,
		en: `ignore|ignoring|disregard|forget|override|bypass`},
	{g: gIgnoreMod,
		zh: `之前 以前 先前 前面 上面 以上 上述 所有 全部 一切 你的 原本 原來 原先 系統 剛才 剛剛 預設 既有 任何`,
		en: `previous|prior|above|earlier|preceding|all|any|your|system|original|initial|every|these|those|the above`},
	{g: gIgnoreTarget,
		// 規定 is not here: 「可以忽略以前的規定嗎」 is a fair service question.
		zh: `指示 指令 規則 設定 提示 限制 要求 命令 規範 守則 約束 準則 程式 身分 角色`,
		en: `instruction*|rule*|prompt*|direction*|guideline*|guardrail*|restriction*|polic*|constraint*|context|programming|
			training|what you were told`},
	{g: gIgnoreDirect,
		zh: `忽略以上 忽略上面 忽略前面 忽略上述 無視以上 忘記以上 忘掉以上 忽略之前的一切 忘掉一切 忘記一切 忽略一切 无视以上`,
		en: `ignore everything|forget everything|disregard everything|disregard the above|ignore the above|ignore above|
			disregard above|ignore all that|ignore all of that|forget all that|forget all of that`},
	{g: gRevealVerb,
		zh: `顯示 告訴我 給我看 貼出 貼上 貼給我 輸出 印出 列出 透露 洩漏 公開 說出 講出 複述 重複 念出 寫出 秀出 分享`,
		en: `print|reveal|show|display|output|repeat|tell me|give me|share|leak|dump|write out|paste|copy|list|recite|spell out|echo`},
	{g: gRevealTarget,
		// 系統提示 alone is also an app's message (「系統提示登入失敗」): only 你的系統提示.
		zh: `你的提示 系統指令 你的指令 你的指示 你的規則 你的設定 原始指令 初始指令 初始設定 隱藏指令 內部指令 上面的話
			上面的內容 以上內容 以上的內容 前面的內容 上面的文字 上面那段 開頭的指示 上面的指令 上面的指示 以上的指令 以上的指示
			以上指令 前面的指示 前面的指令`,
		en: `your instructions|your rules|your prompt|your guidelines|initial instructions|original instructions|
			hidden instructions|the words above|the text above|everything above|words above|text above|what was written above|
			the instructions above|your configuration|your programming|the above`},
	{g: gPromptWord,
		zh: `系統提示詞 系統提示語 提示詞 你的系統提示 systemprompt 系统提示词`,
		en: `system prompt|system message|initial prompt|hidden prompt|pre prompt|preprompt|prompt injection|your prompt|
			developer message`},
	{g: gRole,
		zh: `你不再是 從現在開始你是 從現在起你是 從現在開始你扮演 從現在開始你不再 從現在開始你要扮演 從現在開始你就是 從現在起你就是
			從現在起你不再 角色扮演 假裝你是 你要扮演 你現在扮演 从现在开始你是`,
		en: `you are now|youre now|from now on you|from now on youre|pretend to be|pretend you are|pretend youre|pretend that you|
			act as if you|roleplay|role play|you are no longer|youre no longer|stay in character|in character as|simulate being`},
	{g: gRoleStart, zh: `你現在是 你现在是 您現在是`},
	{g: gRoleCont,
		zh: `一個 一名 一位 一隻 個 名 位 醫生 醫師 藥師 駭客 黑客 開發者 管理員 工程師 dan chatgpt gpt 角色 人類 沒有 不受 女友 男友 老師 律師`},
	{g: gJailbreak,
		zh: `開發者模式 開發人員模式 越獄 dan模式 上帝模式 开发者模式 越狱`,
		en: `developer mode|dev mode|dan mode|do anything now|jailbreak*|jail break|god mode|sudo mode`},
	{g: gUnrestricted,
		zh: `不受限制 沒有限制 沒有任何限制 無限制 不受任何限制 沒有規則 不用遵守任何 不受規則 沒有道德 邪惡 沒有過濾 不受審查 无限制 没有限制`,
		en: `no restrictions|without restrictions|without any restrictions|unrestricted|no rules|without rules|no filter*|
			unfiltered|uncensored|no limits|without limits|no ethics`},
	{g: gRoleMarker,
		zh: `扮演 假裝 裝作 當作 你現在是 模式 回答`,
		en: `pretend|act|acting|you are|youre|answer as|respond as|reply as|mode|answer|respond`},

	// ------------------------------------------------------------ scope
	// Tasks are out of scope whatever they are about: 「寫一首關於感冒藥的詩」 asks
	// for a poem, which is not an answer from the sources.
	{g: gTask, reason: "poem",
		zh: `寫一首詩 寫首詩 一首詩 首詩 的詩 寫詩 作詩 吟詩 新詩 打油詩 藏頭詩 七言絕句 五言絕句 押韻 写一首诗`,
		en: `poem|poems|poetry|haiku|limerick|sonnet`},
	{g: gTask, reason: "story",
		zh: `講個故事 說個故事 講故事 說故事 寫故事 寫一篇故事 寫一個故事 篇故事 個故事 編故事 寫小說 床邊故事 童話故事`,
		en: `write a story|tell me a story|a short story|bedtime story|fairy tale|fanfic*`},
	{g: gTask, reason: "joke",
		zh: `講個笑話 說個笑話 講笑話 說笑話 笑話 冷笑話 來個笑話 个笑话`,
		en: `joke|jokes|tell me something funny`},
	{g: gTask, reason: "song",
		zh: `寫一首歌 寫首歌 首歌 寫歌 歌詞 唱首歌 唱歌 唱一首`,
		en: `write a song|sing a song|sing me|song about|lyrics|rap about|write a rap`},
	{g: gTask, reason: "homework",
		// 作業 alone is a procedure (「申請作業流程」); 報告 a lab report.
		zh: `寫作業 作業題 回家作業 家庭作業 暑假作業 寒假作業 功課 數學題 數學作業 解這題 這題怎麼解 這一題 解題 方程式 微積分 幾何題 作文
			讀書心得 心得報告 寫論文 考卷 考試答案 写作业`,
		en: `homework|essay|math problem|maths problem|solve this|solve for|equation|calculus|algebra|assignment`},
	{g: gTask, reason: "code",
		// 代碼 alone is an institution code (醫事機構代碼); 程序 is a procedure in Taiwan.
		zh: `寫程式 程式碼 程式設計 寫個程式 寫一個程式 寫code 編程 寫程序 寫代碼 代碼怎麼寫 写代码 编程`,
		en: `python|javascript|typescript|golang|java|sql|html|css|regex|write code|coding|source code|write a program|
			write a script|debug|leetcode|code snippet`},
	{g: gTopic, reason: "stocks",
		zh: `股票 股價 股市 台積電 台股 美股 漲停 跌停 會漲 會跌 選股 飆股 當沖 比特幣 加密貨幣 虛擬貨幣 以太幣 狗狗幣 幣圈 挖礦 外匯 期貨
			基金推薦 推薦基金 投資建議 買哪支 哪支股 比特币`,
		en: `stock|stocks|stock tip*|share price|crypto*|bitcoin|btc|ethereum|dogecoin|forex|invest in|investment advice`},
	{veto: true, en: `out of stock|in stock`},
	{g: gTopic, reason: "fortune",
		zh: `算命 星座 運勢 塔羅 紫微斗數 八字 求籤 解籤 生肖運勢`,
		en: `horoscope|zodiac|tarot|fortune telling`},
	{g: gTopic, reason: "weather",
		// Forecasts only: 天氣 and 颱風 alone are in service and food-safety texts
		// (「颱風天出勤加班費」「天氣潮濕，地瓜發芽有毒嗎」).
		zh: `天氣如何 天氣怎樣 天氣怎麼樣 天氣好嗎 天氣預報 今天天氣 明天天氣 後天天氣 週末天氣 天氣會 氣溫 會下雨 下雨嗎 降雨機率 溫度幾度
			颱風會 颱風動態 颱風路徑 颱風什麼時候 天气怎么样`,
		en: `weather|forecast|will it rain|is it raining|rain tomorrow|typhoon`},
	{g: gTopic, reason: "lottery",
		zh: `樂透 大樂透 威力彩 今彩539 彩券 刮刮樂 明牌 六合彩 彩票 樂透號碼 乐透`,
		en: `lottery|lotto|powerball|winning numbers`},
	{g: gTopic, reason: "sports",
		zh: `比分 比賽結果 誰贏 球賽 nba mlb 中職 世界盃 世足 棒球比賽 籃球比賽 足球比賽 英超`,
		en: `score|scores|final score|who won|nba|nfl|mlb|premier league|world cup|super bowl|match result|football|soccer|baseball|
			basketball`},
	{g: gTopic, reason: "dating",
		zh: `交女朋友 交男朋友 女朋友 男朋友 約會 追女生 追男生 把妹 告白 脫單 交友軟體 戀愛 分手 曖昧 相親 情書`,
		en: `dating|girlfriend|boyfriend|tinder|ask her out|ask him out|get a date|flirt*|love letter`},
	{g: gTopic, reason: "politics",
		zh: `政黨 民進黨 國民黨 民眾黨 時代力量 藍綠 統獨 總統大選 你支持 投給誰 要投誰 哪個候選人`,
		en: `vote for|democrat*|republican*|trump|biden|kmt|dpp|political|politics|election`},
	{g: gInScope,
		zh: `醫院 診所 醫師 醫生 藥局 藥師 健保 申請 補助 區公所 市政府 市府 縣政府 公所 證明 規定 戶籍 戶政 身分證 駕照 監理 停車 垃圾 回收
			里長 1999 罰單 罰款 檢舉 報稅 稅 津貼 長照 低收 社會局 衛生局 衛生所 疫苗 接種 掛號 處方 副作用 劑量 成分 停班 停課 颱風假
			發票 場地 租借 圖書館 公車 捷運 悠遊卡 愛心卡 敬老卡 預約 補辦 換發 證件 政府 法規 勞保 國保 年金 育兒 托育 幼兒園 學區
			入學 就業 失業 水費 停電 停水 食藥署 衛福部 食品 症狀 治療 生病 病 篩檢 活動 報名 參加 資格 辦理 公司 章程 勞工 加班 工時
			勞基法 市集 藝術節 展覽`,
		en: `medicine|medication|drug|pill|tablet|pharmacy|pharmacist|hospital|clinic|doctor|dose|dosage|side effect*|prescription|
			vaccine|apply|application|subsidy|permit|certificate|license|licence|tax|taxes|city|government|district office|
			health insurance|nhi|taipei|fda|1999`},
}

// Greetings: a message that is nothing but these tokens (and fillers) is a
// Greeting. Matched on the compact form, so English words run together.
var greetings = []struct {
	reason string
	tokens string
}{
	{"hello", `你好 您好 妳好 你們好 大家好 哈囉 哈啰 哈嘍 哈摟 嗨 嘿 早安 午安 晚安 早 安安 hi hello hey hiya heya yo howdy
		goodmorning goodafternoon goodevening morning`},
	{"thanks", `謝謝 感謝 多謝 謝啦 謝了 感恩 3q 謝謝你 謝謝您 thanks thank thankyou thx ty tq cheers 好的 收到 了解 知道了 沒問題 讚
		ok okay great cool nice 谢谢 感谢`},
	{"who_are_you", `你是誰 妳是誰 您是誰 你是什麼 你叫什麼名字 你叫什麼 你是機器人嗎 你是真人嗎 是真人嗎 你是ai嗎 whoareyou whatareyou
		areyouabot areyouhuman whatsyourname 你是谁`},
	{"help", `你可以做什麼 你能做什麼 你會做什麼 你會什麼 可以問什麼 我可以問什麼 你能幫我什麼 你可以幫我什麼 能幫我做什麼 有什麼功能 怎麼用
		如何使用 使用說明 怎麼使用 功能 選單 說明 幫助 help helpme whatcanyoudo whatcanido howdoiusethis howdoesthiswork howtouse
		menu 你可以做什么 怎么用`},
	{"goodbye", `再見 掰掰 拜拜 bye byebye goodbye seeyou 再见`},
}

// greetingFillers may surround greeting tokens but are not greetings alone.
const greetingFillers = `啊 呀 喔 哦 囉 啦 呢 唷 耶 哈 嗯 您 你 妳 們 大家 小幫手 機器人 客服 請問 非常 很 真的 好 的 了 再 很多 你的 幫忙 協助 回答
	嗎 吗 哈哈 呵呵 there so much very you a lot alot all everyone bot civicbot again for the your dear guys friend me u`
