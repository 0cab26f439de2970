// Package triage sorts a message before anything else sees it: an emergency or
// thoughts of self-harm get a fixed answer with 119 (and 1925), an attempt to change
// the rules or read the system prompt is refused, a request outside medication and
// government services is declined, and a bare greeting is greeted. Everything else
// goes on to retrieval.
//
// Triage uses no model: lexicons in Traditional Chinese, Simplified Chinese and
// English (lexicon.go) and a few rules over them (this file). It is deterministic,
// takes microseconds and reads at most 2,000 runes of any input, valid UTF-8 or not.
//
// # Matching
//
// A message is seen twice: as its letters and digits run together, lower-cased and
// folded to Simplified characters (「吃 太多、藥」 and 「吃太多药」 both hold 吃太多
// and 藥), and as its Latin words ("I can't   breathe!" is "i cant breathe").
// Vetoes cancel the shorter hits inside them: 了解 holds no 了, 跳樓價 no 跳樓,
// 喉嚨腫痛 (a sore throat) no 喉嚨腫.
//
// # Emergencies and general questions
//
// Single words would fire on ordinary questions, so most emergency rules need a
// combination (too much or a quantity next to a medicine; a child, a past
// swallowing and a medicine or household poison) and then the message must not be a
// general question: it fires when it describes an event (了 after a verb, 剛剛, 已經,
// 現在, 不小心, 怎麼辦, "I took", "just", "now") or when it has no marker of a general
// question (嗎, 會不會, 可以, 多少, 最多, 哪些, 什麼, 如果, 症狀, "what", "can", "is
// it", "?"). So 「吃太多止痛藥會傷肝嗎」 is a question (None), while 「我吃太多止痛藥了」
// and 「普拿疼吃過量」 are emergencies. For symptoms (chest pain, breathing, stroke,
// seizure, fainting, swelling) a person who has them (我, 我媽, 他, "my", "she")
// counts as an event too: 「胸痛的原因」 is None, 「我胸口痛可以吃止痛藥嗎」 is an
// emergency.
//
// Some phrases are events by themselves and always fire: 誤食/誤吞 (accidental
// ingestion, except after 避免/預防), 吃錯藥, 叫不醒, 不省人事, 救命, and chest pain with
// an alarm sign (冒冷汗, 喘不過氣, 痛到). Self-harm phrases always fire.
//
// # Situations
//
// People rarely name what is happening: they tell it. situations.txt holds words
// that each state one fact of the language (a word for the chest, for sweating,
// for wishing, for not waking up, for stockpiling), and the rules combine them:
//
//   - a wish followed by a death or by not waking (「希望睡著就不要再醒來」, "I wish
//     I could take all my meds and just die"), or a stockpile of a medicine with
//     either (「存了好多安眠藥…不會醒」), is SelfHarm; asking which medicine or how
//     many would let one die or not wake (「哪種藥吃多少可以讓我死」, "what pills
//     can I take to not wake up") is lethal_dose. SelfHarm is decided first, so a
//     medicine named does not turn it into a medicine question;
//   - something taken and danger signs (「吃了海鮮又吃了止痛藥…起疹子喉嚨很緊頭暈」),
//     a swollen or tight throat, a heart attack told as a chest that hurts or is
//     pressed with sweating, breathlessness or pain spreading ("my father is
//     sweating and says his chest feels crushed"), and a stroke told as two of its
//     signs or one sudden sign, are an Emergency.
//
// A sleeping pill with alcohol, a dose for a child, dizziness after a medicine
// alone, a stockpile of expired medicine to throw away are general questions: None.
//
// # Borderline choices
//
//   - 「胸悶可以吃什麼藥」 is None: chest tightness alone, asked as a general question,
//     even in the first person. Chest pain (胸痛, 胸口痛) in the first person, or
//     either with 冒冷汗, 喘不過氣 or 痛到, is an emergency.
//   - 「自殺防治專線是幾號」 is SelfHarm (suicide_helpline): its answer gives 1925.
//     「中毒諮詢中心電話」 is an Emergency (poison_centre): its answer gives the poison
//     centre. Both are safe and give what was asked for.
//   - 「幫我寫一首關於感冒藥的詩」 is OutOfScope: a poem, joke, story, song, homework or
//     code is refused whatever it is about. Topics (stocks, weather, sports, lottery,
//     dating, politics) are refused only without a medication or service word
//     (「颱風天垃圾車有收嗎」 is a service question).
//   - Asking how much would kill (致死量, 「吃多少安眠藥會死」, "lethal dose") is
//     SelfHarm: a recognised warning sign, answered with 1925 and 119.
//   - 誤食 always fires, even as a question (「孩子吃了乾燥劑會怎樣」 is a parent whose
//     child just did), except after 避免/預防/防止 (prevention).
//   - A child and 吃了 and a medicine is not enough:
//     「我兒子吃了退燒藥還在發燒，可以再吃嗎」 is a dosing question. It fires with 偷吃, 不小心, 我的藥, an adult's medicine
//     (安眠藥, 血壓藥), a quantity, urgency, or when it is a bare statement; a household
//     poison or a button battery always fires.
//   - A pet that swallowed something is None (a vet, not 119).
//   - 中風 and 昏迷 with a service word (補助, 復健, 長照, 住院) are service questions.
//   - "I hurt myself" is SelfHarm unless an injury context says it was an accident
//     ("playing basketball", "fell").
//   - Accepted false positives, on the safe side: 「自殺身亡的保險理賠」 (SelfHarm),
//     "I hate my life" (SelfHarm), 「你吃錯藥喔」 (Emergency), 「叫不醒」 of a sleepy
//     child (Emergency), a hypothetical 「吃了X會抽搐嗎」 (了 reads as an event).
//
// # Reasons
//
// Result.Reason is one of:
//
//	self_harm:    suicide, self_harm, intentional_overdose, lethal_dose, suicide_helpline
//	emergency:    child_swallowed, accidental_ingestion, wrong_medicine, poisoning,
//	              overdose, anaphylaxis, breathing, choking, chest_pain, stroke, seizure,
//	              unconscious, poison_centre, distress
//	injection:    prompt_markup, jailbreak, role_play, ignore_instructions, reveal_prompt
//	out_of_scope: poem, story, joke, song, homework, code, stocks, fortune, weather,
//	              lottery, sports, dating, politics
//	greeting:     hello, thanks, who_are_you, help, goodbye
package triage

// Kind is what a message is, for the pipeline.
type Kind string

const (
	None       Kind = ""             // an ordinary question: go on
	Emergency  Kind = "emergency"    // overdose, poisoning, a child who swallowed something, anaphylaxis, chest pain, stroke, seizure...
	SelfHarm   Kind = "self_harm"    // suicide, self-harm, wanting to die (also an overdose taken on purpose)
	Injection  Kind = "injection"    // attempts to change the rules, reveal the system prompt, role-play jailbreaks
	OutOfScope Kind = "out_of_scope" // poems, jokes, stock tips, homework, code, fortune-telling, weather, sports, politics, dating
	Greeting   Kind = "greeting"     // hello, thanks, who are you, what can you do: with no question in it
)

// Result is the triage of a message.
type Result struct {
	Kind Kind
	// Reason is a short machine-readable label ("overdose", "suicide", "poem"),
	// safe to log: never the user's text.
	Reason string
	// Medicine reports that the message names a medicine: a generic word (藥, 錠,
	// "pills"), a common brand (普拿疼, 斯斯, "Tylenol") or an ingredient. Whatever
	// the kind: the pipeline reads it to know a medicine question.
	Medicine bool
}

// Classify sorts a message, already normalised (NFKC, Simplified converted to
// Traditional where possible). The first kind that applies wins, in the order
// SelfHarm, Emergency, Injection, OutOfScope, Greeting: a message about swallowing
// a bottle of sleeping pills to die is SelfHarm, whose answer also gives 119.
func Classify(msg string) Result {
	s := analyse(msg)
	defer release(s)
	r := s.classify()
	r.Medicine = s.medicine()
	return r
}

func (s *scan) classify() Result {
	if r := s.selfHarm(); r != "" {
		return Result{Kind: SelfHarm, Reason: r}
	}
	if r := s.emergency(); r != "" {
		return Result{Kind: Emergency, Reason: r}
	}
	if r := s.injection(); r != "" {
		return Result{Kind: Injection, Reason: r}
	}
	if r := s.outOfScope(); r != "" {
		return Result{Kind: OutOfScope, Reason: r}
	}
	if r := s.greeting(); r != "" {
		return Result{Kind: Greeting, Reason: r}
	}
	return Result{}
}

// Proximity, in runes (Chinese) and bytes (English): 「安眠藥好像吃太多了」 and "too
// many of my pills" are near; 「吃太多炸雞胃痛想吃胃藥」 is not.
const (
	nearZH = 4
	nearEN = 20
)

func (s *scan) selfHarm() string {
	switch {
	case s.has[gSuicide], s.has[gCharcoal] && !s.has[gBBQ]:
		return "suicide"
	case s.has[gSelfHarm], s.has[gSelfHarmWeak] && !s.has[gInjury]:
		return "self_harm"
	case s.overdose() && s.has[gIntent], s.follows(gWish, gOverdose, 3, wishEN):
		// "I want to overdose tonight" is a plan, not a question about overdoses.
		return "intentional_overdose"
	case s.has[gLethal], s.follows(gHowMuch, gToDie, 10, 40), s.follows(gQuantity, gToDie, 10, 40),
		s.follows(gHowMuch, gNeverWake, 10, 40), s.follows(gHowMuch, gDie, 10, 40), s.follows(gHowTo, gOverdose, 4, 4),
		s.follows(gHowTo, gDie, 4, 4):
		// "the easiest way to overdose" asks for the means, like a lethal dose.
		return "lethal_dose"
	case s.has[gHelpline]:
		// Asking for the line: the self-harm answer gives 1925 first.
		return "suicide_helpline"
	}
	return s.selfHarmSituation()
}

// Gaps of the situation rules, in runes (Chinese) and bytes (English): a wish and
// what is wished (「希望睡著就不要再醒來」), a part of the body and its state
// (「喉嚨很緊」, "chest feels crushed").
const (
	wishZH, wishEN = 6, 30
	bodyZH, bodyEN = 2, 12
)

// selfHarmSituation finds a self-harm intent told in everyday words rather than
// named: a wish to die or not to wake up (「希望睡著就不要再醒來」, "I wish I could
// sleep and never wake up"), or an intent beside a means gathered or at hand
// (stockpiled sedatives with 不會醒, "I've been saving my pills... not wake up").
// Asking which means or how much would let one die is gLethal's rule above, with
// the words of situations.txt.
func (s *scan) selfHarmSituation() string {
	wishDie := s.follows(gWish, gDie, 3, wishEN)
	wishSleep := s.follows(gWish, gNeverWake, wishZH, wishEN)
	means := s.medicine() || s.has[gQuantity] || s.has[gOverdose] || s.has[gHazard]
	// A plan, not a dose: a whole stock or a quantity to be taken in one go.
	plan := s.has[gQuantity] || s.has[gAtOnce] || s.has[gReady] || s.has[gOverdose] || s.has[gHazard] || s.overdose()
	switch {
	case s.follows(gWithoutMe, gBetter, 2*wishZH, wishEN), s.follows(gBetter, gWithoutMe, 2, 12),
		s.follows(gNotWant, gLive, 4, 12):
		// 「不想再這樣活下去」, "I don't want to keep living".
		// 「世界上沒有我應該會比較好」, "everyone would be better off without me".
		return "suicide"
	case wishDie, wishSleep, means && s.follows(gWish, gDie, 2*wishZH, 2*wishEN):
		// With a means between them, a wish and a death may lie further apart:
		// "I wish I could take all my meds and just die".
		return "suicide"
	case s.has[gStockpile] && means && (s.has[gNeverWake] || s.has[gDie] || s.has[gIntent]),
		s.has[gStockpile] && means && s.has[gAtOnce] && s.event(false),
		s.has[gDespair] && means && plan,
		// 「想把那些安眠藥全部吞掉」 told, not asked (「我想一次吃兩顆可以嗎」 is a dose).
		means && (s.follows(gWish, gAtOnce, 3*wishZH, wishEN) || s.follows(gWish, gQuantity, 3*wishZH, wishEN)) && s.event(false):
		// A stock gathered to be taken in one go is the plan itself ("saving up my
		// antidepressants to take all at once"); asked as a question it is a dose
		// question (「存了很多維他命可以一次吃嗎」).
		return "intentional_overdose"
	}
	return ""
}

func (s *scan) emergency() string {
	// 「如何預防小孩誤食藥物」: prevention, not an event.
	prevented := s.follows(gPrevent, gMisIngest, 6, 30) || s.follows(gPrevent, gWrongMed, 6, 30)
	med := s.medicine()
	ingest := s.has[gIngest] || s.has[gIngestPast] || s.has[gMisIngest]
	// A pet that swallowed something is a matter for a vet: 119 and the poison
	// centre are for people.
	pet := s.has[gAnimal] && !s.has[gChild]
	switch {
	case prevented:
		// none of the swallowing rules; the symptoms below are still a person's
	case s.childSwallowed(med, ingest):
		return "child_swallowed"
	case pet:
		// none of the swallowing rules; the symptoms below are still a person's
	case s.has[gMisIngest]:
		return "accidental_ingestion"
	case s.has[gWrongMed]:
		return "wrong_medicine"
	case s.has[gHazard] && (ingest || s.has[gInhale]) && s.event(false):
		return "poisoning"
	case s.overdose() && s.event(false):
		return "overdose"
	}
	switch {
	case (s.has[gAnaphylaxis] || s.has[gSwell] || s.has[gAllergy] && s.has[gBreath]) && s.event(true):
		return "anaphylaxis"
	case (s.has[gChestPain] || s.has[gChestTight]) && (s.has[gChestAlarm] || s.has[gBreath]),
		s.has[gChestPain] && s.event(true),
		s.has[gChestTight] && s.event(false):
		// 胸悶 (tightness) is often mild: a general question about it stays None
		// even in the first person (「我胸悶可以吃什麼藥」); pain does not.
		return "chest_pain"
	case s.has[gBreath] && s.event(true):
		return "breathing"
	case s.has[gChoke] && s.event(true):
		return "choking"
	case s.stroke():
		return "stroke"
	case s.has[gSeizure] && s.event(true):
		return "seizure"
	case s.has[gUnconsciousStrong], s.has[gUnconscious] && (s.has[gUrgent] || !s.has[gService] && s.event(true)):
		// 「家人昏迷住院，想申請補助」 is a service question.
		return "unconscious"
	case s.has[gPoisonCentre]:
		// Asking for the poison centre's number: the emergency answer has it.
		return "poison_centre"
	case s.has[gPoisoning] && s.event(true) && !s.poisonAsked():
		return "poisoning"
	case s.has[gDistress]:
		return "distress"
	}
	return s.emergencySituation()
}

// emergencySituation finds an emergency told as what happened and what is seen
// rather than named (situations.txt):
//
//   - something taken (吃了, 吃完…之後, "after taking") and a danger sign: a severe
//     one (a swelling or tight throat, breathing, blue lips, unconsciousness,
//     confusion, convulsions, vomiting blood), or a rash with another sign, or three
//     signs (rash, dizziness, vomiting, wheezing, a racing heart). Dizziness and
//     nausea after a medicine alone are a side effect to ask a pharmacist about;
//   - a tight or swollen throat, or a rash with trouble breathing, even with
//     nothing said to have been taken;
//   - a heart attack: the chest (胸口, 心臟, "chest") with pain or pressure (痛, 壓,
//     "crushed") and sweating, breathlessness, dizziness or nausea, or with pain
//     spreading (手臂, 下巴, "arm", "jaw") or in someone now;
//   - a stroke: two of a drooping face, weakness on one side and speech gone wrong,
//     or one of them sudden, or a drooping face in someone now.
func (s *scan) emergencySituation() string {
	// "my throat feels like it's closing": English says how it feels between them.
	airway := s.near(gAirway, gSwollen, bodyZH, 2*bodyEN)
	breath := s.has[gBreath]
	severe := airway || breath || s.has[gBlueLips] || s.has[gVomitBlood] || s.has[gConfused] ||
		s.has[gUnconscious] || s.has[gUnconsciousStrong] || s.has[gSeizure] || s.has[gBlister]
	signs := 0
	for _, g := range []group{gSkin, gDizzy, gVomit, gBreathWeak, gHeartFast} {
		if s.has[g] {
			signs++
		}
	}
	taken := s.has[gIngestPast] || s.has[gMisIngest] || (s.has[gIngest] || s.medicine()) && s.has[gAfter] || s.overdose()
	allergic := airway || s.has[gSkin] || s.has[gBlister]
	// A body jerking that does not stop, or with a seizure's signs, and not a leg's
	// cramp (「小孩抽筋一直停不下來」, not 「腳一直抽筋」).
	fit := s.near(gJerk, gNonstop, 6, 24) && !s.has[gCrampPart]

	chestHurt := s.near(gChest, gChestHurt, bodyZH, bodyEN)
	chestTight := s.near(gChest, gChestSqueeze, bodyZH-1, bodyEN)
	// Told as a likeness, the pressure lies further from the chest («胸口像被大石頭
	// 壓住»): then sweating or breathlessness must go with it.
	chestLike := s.near(gChest, gChestHurt, 3*bodyZH, 2*bodyEN) && (s.has[gSweat] || breath || s.has[gBreathWeak] || s.has[gRadiate])
	chestAlarm := s.has[gSweat] || breath || s.has[gBreathWeak] || s.has[gDizzy] || s.has[gVomit]

	face := s.near(gFace, gDroop, bodyZH, bodyEN) || s.has[gStrokeSign]
	side := s.near(gOneSide, gLimbWeak, 4, 16)
	speech := s.near(gSpeech, gSpeechBad, 3, 16)
	strokeSigns := b2i(face) + b2i(side) + b2i(speech)
	if strokeSigns < 2 && s.has[gStrokeWeak] && !side && !speech {
		strokeSigns++
	}

	switch {
	case taken && (severe || s.has[gSkin] && signs >= 2 || signs >= 3) && s.event(true):
		if allergic {
			return "anaphylaxis"
		}
		return "poisoning"
	case airway && s.event(true), s.has[gSkin] && (breath || s.has[gBreathWeak] || s.has[gBlueLips]) && s.event(true):
		return "anaphylaxis"
	case (chestHurt || chestTight) && chestAlarm, chestLike,
		chestHurt && (s.has[gRadiate] || s.event(true)),
		chestTight && s.event(false):
		return "chest_pain"
	case strokeSigns >= 2, (side || speech) && s.has[gSudden], face && s.event(true):
		return "stroke"
	case fit && s.event(true):
		return "seizure"
	}
	return ""
}

// poisonAsked says whether 中毒 is asked of ("would it poison?") rather than told:
// a question about a food or a thing, unless someone has taken it and shows a sign
// («我吃了發芽的馬鈴薯，現在頭暈想吐，會不會中毒»).
func (s *scan) poisonAsked() bool {
	if !s.has[gPoisonAsk] {
		return false
	}
	taken := s.has[gIngestPast] || s.has[gMisIngest]
	for _, g := range []group{gSkin, gDizzy, gVomit, gBreath, gBreathWeak, gHeartFast, gUnconscious, gUnconsciousStrong,
		gConfused, gSeizure, gVomitBlood, gBlueLips} {
		if taken && s.has[g] {
			return false
		}
	}
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// medicine reports a medicine in the message.
func (s *scan) medicine() bool {
	return s.has[gMed] || s.has[gAdultMed] || s.has[gPillNoun]
}

// nearMedicine reports a hit of g next to a medicine.
// In English only before it: "too many pills", but not "I took two ibuprofen, is
// that too much?".
func (s *scan) nearMedicine(g group) bool {
	for _, m := range []group{gMed, gAdultMed, gPillNoun} {
		if s.near(g, m, nearZH, -1) || s.follows(g, m, -1, nearEN) {
			return true
		}
	}
	return false
}

// overdose reports too much of a medicine: "overdose"; too much next to a medicine
// (吃太多藥, 普拿疼吃過量, "too many pills"); a quantity next to a medicine and a
// verb of taking (吃了一整瓶安眠藥, 「吃了20顆普拿疼」, "a whole bottle of pills").
// Swallowing alone is not one: 「藥吞了還是咳」 is how medicine is taken.
func (s *scan) overdose() bool {
	return s.has[gOverdose] ||
		s.nearMedicine(gTooMuch) ||
		s.nearMedicine(gQuantity) && (s.has[gIngest] || s.has[gIngestPast])
}

// event reports that the message tells of something happening rather than asks
// a general question: an event marker, or no question marker at all. With person,
// someone who has the symptom counts as an event. Checking a rumour never is.
func (s *scan) event(person bool) bool {
	if s.has[gMyth] && !s.has[gUrgent] {
		return false
	}
	if s.has[gEvent] || s.has[gUrgent] || person && s.has[gPerson] {
		return true
	}
	return !s.question()
}

func (s *scan) question() bool {
	return s.qmark || s.has[gGeneral] || s.has[gService]
}

// childSwallowed: a child and a household poison swallowed, whatever the
// phrasing; or a child, a medicine and a past swallowing with a sign that it was
// not a dose given (偷吃, 不小心, 我的藥, a quantity, an adult's medicine, urgency)
// or no question at all; or a child taking an adult's medicine, told as an event
// (「孫子拿了奶奶的血壓藥吃」). 「我兒子吃了退燒藥還在發燒可以再吃嗎」 is a dosing
// question.
func (s *scan) childSwallowed(med, ingest bool) bool {
	if !s.has[gChild] || !ingest {
		return false
	}
	if s.has[gHazard] {
		return true
	}
	if !med {
		return false
	}
	adult := s.has[gAdultMed] || s.follows(gMine, gMed, 2, 0) || s.follows(gMine, gAdultMed, 2, 0)
	if !s.has[gIngestPast] && !s.has[gMisIngest] {
		return adult && s.event(false)
	}
	return adult || s.has[gChildStrong] || s.has[gMisIngest] || s.has[gQuantity] || s.has[gUrgent] || !s.question()
}

// stroke: a drooping face; 中風 unless the message is about services (補助, 復健,
// 長照) or history; slurred speech or one-sided weakness only when sudden or with
// another sign (「一邊手腳無力講話不清楚」; alone they are also a child's speech
// problem).
func (s *scan) stroke() bool {
	switch {
	case s.has[gStrokeSign] && s.event(true):
		return true
	case s.has[gStroke] && (s.has[gUrgent] || !s.has[gService] && s.event(true)):
		return true
	case s.has[gStrokeWeak] && (s.has[gSudden] || s.has[gStroke] || s.distinct(gStrokeWeak) > 1):
		return true
	}
	return false
}

func (s *scan) injection() string {
	switch {
	case s.markup:
		return "prompt_markup"
	case s.has[gJailbreak], s.has[gUnrestricted] && s.has[gRoleMarker]:
		return "jailbreak"
	case s.has[gRole], s.follows(gRoleStart, gRoleCont, 4, 0):
		return "role_play"
	case s.has[gIgnoreDirect],
		s.follows(gIgnoreVerb, gIgnoreMod, 4, 40) && s.follows(gIgnoreVerb, gIgnoreTarget, 12, 40),
		s.follows(gIgnoreMod, gIgnoreTarget, 6, 0) && s.follows(gIgnoreTarget, gIgnoreVerb, 6, 0):
		// A modifier is required: 「可以忽略說明書的指示嗎」 and "ignore the
		// instructions on the box" are questions about a leaflet. The last case is
		// 「把以上所有規則都忽略」.
		return "ignore_instructions"
	case s.has[gPromptWord],
		s.has[gRevealVerb] && s.has[gRevealTarget] && s.follows(gRevealVerb, gRevealTarget, 1<<20, 30),
		s.has[gRevealVerb] && s.follows(gRevealTarget, gRevealVerb, 12, 0):
		return "reveal_prompt"
	}
	return ""
}

func (s *scan) outOfScope() string {
	if s.has[gTask] {
		return s.reason(gTask)
	}
	if s.has[gTopic] && !s.has[gInScope] && !s.medicine() {
		return s.reason(gTopic)
	}
	return ""
}
