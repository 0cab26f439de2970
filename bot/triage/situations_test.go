package triage

import (
	"os"
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
	"有沒有什麼藥吃了可以睡著就不要再醒來",
	"我已經存了一個月的鎮定劑，今天晚上想結束一切",
	"如果我把媽媽的降血壓藥全部吞下去會怎樣，反正也沒人在乎我",
	"我想从楼上跳下去",
	"I've been saving up my antidepressants to take all at once",
	"我偷偷把藥留下來沒吃，等存夠了就可以走了",
	"我覺得自己是家裡的負擔，想吃藥一睡不起",
	"生無可戀，想知道哪種藥最快",
	"what's the easiest way to overdose and not feel anything",
	"I can't do this anymore. I have a bottle of pills in front of me",
	"我真的撐不住了，想把抽屜裡那些安眠藥全部吞掉",
	"每天都好痛苦，想吃一大堆藥讓自己不要再醒",
	"我不想再拖累家人了，藥我都準備好了",
	"好想從這個世界消失，家裡有一整盒安眠藥",
	"活得好累喔，好想睡一覺就不用面對明天",
	"吃多少顆普拿疼會傷肝到死",
	"what dose of insulin would be fatal",
	"I'm going to take every pill in the cabinet tonight",
	"nobody would even notice if I was gone. I have enough pills",
	"吃什麼藥可以無痛離開這個世界",
	"大家都不需要我，我打算今晚吃藥",
	"I want to overdose tonight",
	"I have been hiding my pills so I can take them all and end it",
	"how many oxycodone would stop my heart",
	"我把醫生開的藥都沒吃，全部留著，等哪天受不了就一起吞",
	"世界上沒有我應該會比較好吧，安眠藥還剩很多",
	"what's the fastest way to die using the pills I have",
	"i'm done with everything, taking all my xanax now",
	"我已經把一個月的藥藏在衣櫃裡，不想再這樣活下去",
	"我好想永遠離開，吃什麼比較快",
	"there is no point anymore, i'm going to swallow everything in my medicine box",
	"可以跟我說幾顆降血壓藥會讓心跳停止嗎",
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
	"我先生吃完藥後嘴唇跟眼睛腫起來，呼吸很喘",
	"我剛吃完止痛藥，現在整個臉腫起來眼睛睜不開，呼吸有點困難",
	"我爸吃了降血糖藥沒吃飯，現在冒冷汗手一直抖，意識不太清楚",
	"我先生打了胰島素後冒冷汗發抖，叫他都不太理我",
	"my daughter drank some of the dishwasher liquid",
	"he took a whole sheet of my sleeping tablets and is very sleepy now",
	"after taking amoxicillin my throat feels like it's closing",
	"she ate something with peanuts and her lips and eyes are puffing up and she's wheezing",
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
	"阿公胸口像被大石頭壓住，一直冒冷汗",
	"我爸說左手很麻，胸口一陣一陣的痛",
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
	"my mom's speech is slurred and her face looks uneven",
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

// seizureSigns: a fit told as a body that jerks and does not stop, or with a
// seizure's signs, not a leg's cramp: Emergency.
var seizureSigns = []string{
	"小孩抽筋一直停不下來",
	"寶寶發高燒之後全身抖動，眼睛往上吊",
	"我女兒一直抽搐，嘴巴有白沫",
	"阿公全身抽筋叫不醒",
	"孩子手腳一直抽動停不了",
	"弟弟突然全身僵硬抽個不停",
	"妹妹抽筋已經五分鐘了",
	"宝宝抽筋一直停不下来",
	"she's having a seizure and it won't stop",
	"my son is jerking and his eyes rolled back",
	"my dad is shaking all over and foaming at the mouth",
}

// severeSkin: skin coming away after a medicine (blisters, peeling, sores in the
// mouth), a severe drug reaction: Emergency.
var severeSkin = []string{
	"吃了抗生素之後全身發紅起水泡，嘴巴也破了",
	"吃了新藥後皮膚大片脫皮，嘴唇潰爛",
	"我媽吃了痛風藥以後全身長水泡",
	"吃了抗癲癇藥之後皮膚一塊一塊掉，眼睛紅腫",
	"吃完藥後口腔潰爛還起紅疹",
	"吃了消炎药后全身起水泡",
	"after the antibiotic my skin is blistering and peeling off",
	"after taking allopurinol she has blisters all over",
	"my skin is peeling after taking the new medicine",
	"after starting my new epilepsy medicine I have mouth sores and a rash",
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
	"胸悶要看哪一科",
	"安眠藥吃了隔天會昏昏沉沉嗎",
	"如何預防小孩誤食藥物",
	"如何避免孩子吃錯藥",
	"我想一次把慢性病的藥領完",
	"小孩抽筋是缺鈣嗎",
	"我腳一直抽筋怎麼辦",
	"存了很多藥快過期了怎麼處理",
	"我可以一次吃兩顆普拿疼嗎",
	"青春痘擦藥後脫皮正常嗎",
	"我想結束營業要怎麼辦理",
	"我被公司逼到快瘋了，想問加班費怎麼算",
	"我存了三個月的慢性處方箋藥，出國可以帶嗎",
	"吃抗生素後起紅疹要停藥嗎",
	"Is it safe to take two Advil at once",
	"I don't want to live in Taipei anymore, how do I move my household registration",
	"痛到受不了，可以吃什麼止痛藥",
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
		{"seizure as signs", Emergency, seizureSigns},
		{"severe skin reaction after a medicine", Emergency, severeSkin},
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

// TestHeldOut measures triage on testdata/heldout.tsv, phrasings written once and
// never tuned on (a failure found there moves to the classes above and is replaced).
// It reports the kinds by the kind wanted and fails when fewer than 80% of the
// urgent messages (self-harm or emergency) get an urgent answer, or when more than
// one ordinary question in 20 does. Run with -v for the table.
func TestHeldOut(t *testing.T) {
	b, err := os.ReadFile("testdata/heldout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	urgent := func(k Kind) bool { return k == SelfHarm || k == Emergency }
	type tally struct{ n, exact, urgent int }
	by := map[string]*tally{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, msg, ok := strings.Cut(line, "\t")
		if !ok || (want != string(SelfHarm) && want != string(Emergency) && want != "none") {
			t.Fatalf("heldout.tsv:%d: want KIND<TAB>MESSAGE with KIND self_harm, emergency or none", i+1)
		}
		if want == "none" {
			want = string(None)
		}
		got := Classify(msg).Kind
		tl := by[want]
		if tl == nil {
			tl = &tally{}
			by[want] = tl
		}
		tl.n++
		if string(got) == want {
			tl.exact++
		}
		if urgent(got) {
			tl.urgent++
		}
		if string(got) != want {
			t.Logf("miss: want %q, got %q", want, got)
		}
	}
	pos, posUrgent := 0, 0
	for _, k := range []Kind{SelfHarm, Emergency, None} {
		tl := by[string(k)]
		if tl == nil {
			t.Fatalf("no held-out message of kind %q", k)
		}
		t.Logf("%-10q %3d messages: %3d of that kind, %3d urgent", k, tl.n, tl.exact, tl.urgent)
		if k != None {
			pos += tl.n
			posUrgent += tl.urgent
		}
	}
	if r := float64(posUrgent) / float64(pos); r < 0.80 {
		t.Errorf("urgent messages answered as urgent: %d of %d (%.2f), want at least 0.80", posUrgent, pos, r)
	}
	if none := by[string(None)]; none.urgent*20 > none.n {
		t.Errorf("ordinary questions answered as urgent: %d of %d, want at most one in 20", none.urgent, none.n)
	}
}
