package triage

import (
	"slices"
	"strings"
	"testing"
)

// The situation classes (situations.txt and the rules in triage.go): each class is
// many phrasings of one situation, in Traditional and Simplified Chinese and English,
// colloquial and misspelt, none of them the lexicon's named words alone.

// selfHarmIntentMeans: an intent to die or not to wake up, or asking which means or
// how much would do it, with a medicine, a quantity or a stockpile. SelfHarm even
// when a medicine is named.
var selfHarmIntentMeans = []string{
	"哪種藥吃多少可以讓我死",
	"吃哪一種藥吃很多就會死",
	"什麼藥吃多了可以讓我永遠睡著",
	"要吃幾顆安眠藥才能死掉",
	"我希望睡著就不要再醒來，已經存了很多安眠藥",
	"我希望睡着就不要再醒来，已经攒了很多安眠药",
	"我偷偷存了一整盒鎮定劑，好想一覺睡下去就不要再醒來",
	"存了好多顆安眠藥 想要永遠睡著",
	"真的好想睡著以後再也不醒",
	"我一直在囤安眠药，真想死掉算了",
	"什么药吃多少可以让我死",
	"要吃几颗安眠药才会死掉",
	"普拿疼吃幾顆可以讓我死掉",
	"史蒂諾斯我存了兩盒，吃完就不會醒了吧",
	"好想吃藥死掉喔",
	"我寧願吃一整瓶藥然後不要醒來",
	"which medicine would let me die if I take a lot",
	"what pills can I take to not wake up",
	"how many sleeping pills does it take to die",
	"I've been saving up my sleeping pills, I don't want to wake up tomorrow",
	"I wish I could go to sleep and never wake up",
	"how many tylenol would kill me",
	"ive been stockpiling my xanax, i just want to sleep forever",
	"i want to take all my pills and die",
	"i wish i could take all my meds and just die",
	"how many sleping pils to never wake up",
}

// exposureDanger: something taken (a medicine, food, a child swallowing pills) and
// danger signs: Emergency.
var exposureDanger = []string{
	"吃了海鮮又吃了止痛藥，現在全身起疹子喉嚨很緊頭暈",
	"吃了花生之後嘴唇腫起來，頭很暈",
	"吃完蝦子全身起疹子，呼吸不順，頭暈",
	"吃了止痛藥以後吐血",
	"孩子吞了好幾顆藥，現在叫他沒反應",
	"我媽吃完藥之後意識模糊，一直講奇怪的話",
	"吃了抗生素後全身蕁麻疹，心跳好快，頭好暈",
	"吃完晚餐又吃了止痛药，现在起疹子喉咙好紧",
	"刚吃了布洛芬，嘴唇肿起来头晕",
	"我爸吃了藥以後嘴唇發紫",
	"吃了野菇之後一直吐，還起紅疹，頭暈",
	"I ate shrimp and now my throat feels tight and I'm dizzy",
	"after taking ibuprofen I have hives all over and my lips are swelling",
	"my son swallowed some pills and now he is vomiting and very drowsy",
	"took a painkiller after dinner, now rash everywhere and throat closing",
	"my mom took her pills and now she is confused and not making sense",
	"i ate peanuts and my tongue is swollen",
}

// heartAttack: a heart attack told as symptoms: Emergency with 119.
var heartAttack = []string{
	"my father is sweating and says his chest feels crushed",
	"我爸胸口像被石頭壓住，一直冒冷汗",
	"我媽說心臟很痛，左手很麻",
	"my husband has crushing chest pressure and pain going down his left arm",
	"chest feels heavy and I'm sweating a lot",
	"阿公胸口壓得很緊，滿身大汗",
	"我爸胸口好悶又一直流汗",
	"我爸胸口好闷一直出冷汗",
	"老公说胸口被压着，喘不上气",
	"胸口好重，喘不過氣，還一直冒汗",
	"my dad has pressure in his chest and he is clammy",
	"my chest hurts and it goes to my jaw",
	"I have a squeezing pain in my chest and I feel sick and sweaty",
}

// stroke: a stroke told as symptoms: Emergency with 119.
var stroke = []string{
	"阿嬤突然嘴巴歪一邊，講話不清楚",
	"我爸右邊手腳突然沒力",
	"my mom's face looks droopy on one side and she can't talk properly",
	"his smile is crooked and his left arm is weak",
	"奶奶說話含糊，左邊身體無力",
	"突然說不出話來",
	"爷爷嘴角歪了，说话不清楚",
	"我媽左半邊麻掉，講話怪怪的",
	"my dad suddenly can't lift one arm",
	"her speech is slurred and her mouth is drooping",
	"阿公一邊臉下垂，手舉不起來",
}

// anaphylaxisSigns: a severe allergic reaction told as signs, nothing said taken.
var anaphylaxisSigns = []string{
	"我喉嚨突然好緊，起了一身疹子",
	"全身起疹子又喘不過氣",
	"我女兒嘴唇腫起來了",
	"my throat is closing up",
	"hives all over and wheezing, what do i do",
	"舌頭腫起來了怎麼辦",
	"喉咙好紧 全身红疹",
	"my tongue is swelling",
	"起蕁麻疹，嘴唇發紫",
	"I have a rash and I can't breathe",
}

// ordinaryQuestions are medicine and service questions that share words with the
// situations above (a medicine and a population, sleep, a rash, the chest, dizziness,
// stockpiles, a wish): None.
var ordinaryQuestions = []string{
	"頭痛可以吃普拿疼嗎",
	"what is the dose of paracetamol for a child",
	// Alcohol with a sleeping pill is a safety question for a pharmacist, not an event.
	"安眠藥可以跟酒一起吃嗎",
	"吃了普拿疼會頭暈嗎",
	"吃普拿疼後起疹子是過敏嗎",
	"吃了藥以後頭暈想吐怎麼辦",
	"我吃降血壓藥會頭暈正常嗎",
	"安眠藥吃多了會不會上癮",
	"吃安眠藥隔天頭昏昏沉沉的正常嗎",
	"懷孕可以吃普拿疼嗎",
	"我想問安眠藥要吃幾顆",
	"我希望可以快點睡著，有什麼助眠的藥",
	"想要一覺到天亮，褪黑激素有效嗎",
	"我存了很多過期藥要怎麼丟",
	"家裡囤了很多感冒藥，過期了怎麼處理",
	"我收集了很多藥袋，可以回收嗎",
	"心臟病的藥跟止痛藥可以一起吃嗎",
	"我有高血壓跟心臟病，可以吃感冒藥嗎",
	"胸部X光要去哪裡照",
	"喉嚨痛可以吃什麼藥",
	"喉嚨腫痛吃什麼好",
	"我喉嚨癢一直咳嗽",
	"嘴巴破可以擦什麼藥",
	"眼皮下垂健保有給付嗎",
	"小孩講話不清楚要看哪一科",
	"一邊吃飯一邊吃藥可以嗎",
	"左邊牙齒痛可以吃止痛藥嗎",
	"我右手麻麻的是不是要看神經科",
	"吃花生過敏要注意什麼",
	"蕁麻疹可以吃什麼藥",
	"皮膚起疹子很癢可以擦什麼藥膏",
	"我對盤尼西林過敏",
	"感冒藥吃了會想睡嗎",
	"老人家吃安眠藥要注意什麼",
	"吃多少維他命C會過量",
	"血壓藥要早上吃還是晚上吃",
	"降血壓藥跟葡萄柚可以一起吃嗎",
	"我胸口悶可以吃什麼藥",
	"吃完飯胃脹很不舒服怎麼辦",
	"我爸有中風病史，可以申請長照嗎",
	"懷孕初期頭暈想吐正常嗎",
	"生理期胸部脹痛正常嗎",
	"心臟科門診怎麼掛號",
	"累死了 想睡覺 有什麼提神的",
	"熱死了 中暑可以吃什麼",
	"笑死 這個藥名好奇怪",
	"想死亡證明要去哪裡申請",
	"孕妇可以吃布洛芬吗",
	"安眠药可以和酒一起吃吗",
	"吃了头孢可以喝酒吗",
	"小孩发烧可以吃什么药",
	"I want to know the side effects of ibuprofen",
	"can I take ibuprofen with heart medication",
	"what helps with heartburn after meals",
	"is it safe to take melatonin every night",
	"my baby has a rash, what cream can I use",
	"I get dizzy when I stand up, is that normal",
	"which painkiller is best for back pain",
	"how many paracetamol can I take in a day",
	"I hope my grandma doesn't die, she is in hospital",
	"what causes chest pain when breathing deeply",
	"can I drink alcohol with sleeping pills?",
	"is it ok to take aspirin when pregnant",
	"how should I store insulin",
	"I saved my leftover antibiotics, can I use them later?",
}

func TestSituationClasses(t *testing.T) {
	for _, c := range []struct {
		name  string
		kind  Kind
		cases []string
	}{
		{"self-harm intent and means", SelfHarm, selfHarmIntentMeans},
		{"exposure and danger signs", Emergency, exposureDanger},
		{"heart attack as symptoms", Emergency, heartAttack},
		{"stroke as symptoms", Emergency, stroke},
		{"anaphylaxis as signs", Emergency, anaphylaxisSigns},
		{"ordinary questions", None, ordinaryQuestions},
	} {
		t.Run(c.name, func(t *testing.T) {
			if len(c.cases) < 10 {
				t.Fatalf("%d phrasings: a class needs at least 10", len(c.cases))
			}
			for _, msg := range c.cases {
				if got := Classify(msg); got.Kind != c.kind {
					t.Errorf("Classify(%q) = %s/%s, want %s", msg, got.Kind, got.Reason, c.kind)
				}
			}
		})
	}
}

// TestSituationsFile: the data file loads, every group has words, and a broken file
// is refused with the line at fault.
func TestSituationsFile(t *testing.T) {
	if SituationsVersion <= 0 {
		t.Fatalf("version %d", SituationsVersion)
	}
	for _, bad := range []struct{ src, want string }{
		{"[wish] x\nzh: 想", "no version"},
		{"version: 1\n[nosuch] x\nzh: 想", "unknown group [nosuch]"},
		{"version: 1\n[wish]\nzh: 想", "says nothing"},
		{"version: 1\n[wish] x\n[die] y\nzh: 死", "[wish] has no phrase"},
		{"version: 1\nzh: 想", "outside a group"},
		{"version: 1\nextends\n[wish] x\nzh: 想", "unknown group [wish]"},
		{"version: 1\n[wish] x\nzh: 想\n[wish] x\nzh: 想", "twice"},
		{"version: 1\n[wish] x\nzh: 想", "is not filled"},
		{"version: one", "bad version"},
	} {
		if _, _, err := parseSituations(bad.src); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("parseSituations(%q) = %v, want an error with %q", bad.src, err, bad.want)
		}
	}
}

// TestLexiconFile: lexicon.txt loads with every group the rules use, and a broken file
// is refused with the line at fault.
func TestLexiconFile(t *testing.T) {
	filled := map[group]bool{}
	for _, b := range lexiconBlocks {
		filled[b.g] = true
		if b.greet {
			t.Errorf("a greeting block among the phrase blocks: %+v", b)
		}
	}
	// Every greeting reason has tokens, and the fillers too; en: phrases run together.
	for _, g := range greetings {
		if len(strings.Fields(g.tokens)) == 0 {
			t.Errorf("greeting %s has no tokens in lexicon.txt", g.reason)
		}
	}
	if !slices.Contains(strings.Fields(greetingFillers), "請問") || !slices.Contains(strings.Fields(greetings[0].tokens), "goodmorning") {
		t.Errorf("fillers %q, hello %q: want 請問 a filler and good morning run together", greetingFillers, greetings[0].tokens)
	}
	for name, g := range lexiconGroups {
		if !filled[g] {
			t.Errorf("[%s] has no block in lexicon.txt", name)
		}
	}
	for _, bad := range []struct{ src, want string }{
		{"[nosuch]\nzh: 想", "1: unknown group [nosuch]"},
		{"[suicide]\n[veto]\nzh: 想", "1: the block has no phrase"},
		{"zh: 想", "1: phrases outside a block"},
		{"[task]\nzh: 寫詩", "1: [task]: task and topic blocks, and only they, give a reason"},
		{"[suicide why]\nzh: 想死", "1: [suicide why]"},
		{"[suicide]\nzh:\n", "2: no phrase"},
		{"[suicide\nzh: 想死", "1: \"[suicide\""},
		{"# nothing\n", "no blocks"},
		{"[greeting]\nzh: 你好", "1: \"[greeting]\": want [greeting hello|thanks|who_are_you|help|goodbye]"},
		{"[greeting hi]\nzh: 你好", "1: \"[greeting hi]\""},
		{"[greetingFiller hello]\nzh: 啊", "1: \"[greetingFiller hello]\""},
		{"[greeting hello]\n", "1: the block has no phrase"},
	} {
		if _, err := parseLexicon(bad.src); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("parseLexicon(%q) = %v, want an error with %q", bad.src, err, bad.want)
		}
	}
}
