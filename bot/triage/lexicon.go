package triage

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	lexiconfile "github.com/civicbot/civicbot/lexicon"
)

// The lexicon: the blocks of lexicon.txt (and situations.txt) each put phrases into
// one group; the rules in triage.go combine groups. Two kinds of phrase:
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
// marker. The tests in triage_test.go pin the examples given in lexicon.txt's comments.

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
	gBlister   // 起水泡, 脫皮, "blisters": skin coming away, a severe drug reaction
	gJerk      // 抽筋, 抽動, "jerking": a body that jerks
	gNonstop   // 停不下來, 翻白眼, "wont stop": going on, or with signs of a seizure
	gAtOnce    // 一次吃掉, 一口氣, "all at once": taking a stock in one go
	gCrampPart // 腳, 小腿, "leg": where an ordinary cramp is
	gDespair   // 撐不住了, "cant go on": at the end of one's strength
	gHowTo     // 最快, "easiest way to": asking for a means
	gPrevent   // 預防, 避免, "prevent": what follows has not happened
	gReady     // 準備好了, "I have enough": the means made ready
	gWithoutMe // 沒有我, "without me"
	gNotWant   // 不想, 不要再, "dont want to"
	gLive      // 活下去, 活著, "live"
	gBetter    // 會更好, "better off"

	numGroups
)

type block struct {
	g      group
	reason string // gTask and gTopic: the Reason reported; a greeting's reason
	veto   bool
	greet  bool // a [greeting REASON] block, or [greetingFiller] (no reason)
	zh     string
	en     string
}

// blocks are the lexicon's phrases: those written here and those of situations.txt.
var blocks = append(lexiconBlocks[:len(lexiconBlocks):len(lexiconBlocks)], situationBlocks...)

//go:embed lexicon.txt
var lexiconFile string

// lexiconGroups names the groups lexicon.txt may fill.
var lexiconGroups = map[string]group{
	"adultMed":          gAdultMed,
	"allergy":           gAllergy,
	"anaphylaxis":       gAnaphylaxis,
	"animal":            gAnimal,
	"bBQ":               gBBQ,
	"breath":            gBreath,
	"charcoal":          gCharcoal,
	"chestAlarm":        gChestAlarm,
	"chestPain":         gChestPain,
	"chestTight":        gChestTight,
	"child":             gChild,
	"childStrong":       gChildStrong,
	"choke":             gChoke,
	"distress":          gDistress,
	"event":             gEvent,
	"general":           gGeneral,
	"hazard":            gHazard,
	"helpline":          gHelpline,
	"howMuch":           gHowMuch,
	"ignoreDirect":      gIgnoreDirect,
	"ignoreMod":         gIgnoreMod,
	"ignoreTarget":      gIgnoreTarget,
	"ignoreVerb":        gIgnoreVerb,
	"inScope":           gInScope,
	"ingest":            gIngest,
	"ingestPast":        gIngestPast,
	"inhale":            gInhale,
	"injury":            gInjury,
	"intent":            gIntent,
	"jailbreak":         gJailbreak,
	"lethal":            gLethal,
	"med":               gMed,
	"mine":              gMine,
	"misIngest":         gMisIngest,
	"myth":              gMyth,
	"overdose":          gOverdose,
	"person":            gPerson,
	"pillNoun":          gPillNoun,
	"poisonAsk":         gPoisonAsk,
	"poisonCentre":      gPoisonCentre,
	"poisoning":         gPoisoning,
	"promptWord":        gPromptWord,
	"quantity":          gQuantity,
	"revealTarget":      gRevealTarget,
	"revealVerb":        gRevealVerb,
	"role":              gRole,
	"roleCont":          gRoleCont,
	"roleMarker":        gRoleMarker,
	"roleStart":         gRoleStart,
	"seizure":           gSeizure,
	"selfHarm":          gSelfHarm,
	"selfHarmWeak":      gSelfHarmWeak,
	"service":           gService,
	"stroke":            gStroke,
	"strokeSign":        gStrokeSign,
	"strokeWeak":        gStrokeWeak,
	"sudden":            gSudden,
	"suicide":           gSuicide,
	"swell":             gSwell,
	"task":              gTask,
	"toDie":             gToDie,
	"tooMuch":           gTooMuch,
	"topic":             gTopic,
	"unconscious":       gUnconscious,
	"unconsciousStrong": gUnconsciousStrong,
	"unrestricted":      gUnrestricted,
	"urgent":            gUrgent,
	"wrongMed":          gWrongMed,
}

// lexiconBlocks are lexicon.txt's phrase blocks, lexiconGreetings its greeting and
// filler blocks.
var lexiconBlocks, lexiconGreetings = mustParseLexicon(lexiconFile)

func mustParseLexicon(src string) ([]block, []block) {
	bs, err := parseLexicon(src)
	if err != nil {
		panic("triage: lexicon.txt:" + err.Error())
	}
	var phrases, greets []block
	for _, b := range bs {
		if b.greet {
			greets = append(greets, b)
		} else {
			phrases = append(phrases, b)
		}
	}
	return phrases, greets
}

// parseLexicon reads lexicon.txt into blocks, in order. Every group named must be
// known, and every block hold at least one phrase.
func parseLexicon(src string) ([]block, error) {
	var out []block
	var cur *block
	curAt := 0
	done := func() error {
		if cur != nil && cur.zh == "" && cur.en == "" {
			return fmt.Errorf("%d: the block has no phrase", curAt)
		}
		if cur != nil {
			out = append(out, *cur)
		}
		cur = nil
		return nil
	}
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			if err := done(); err != nil {
				return nil, err
			}
			name, ok := strings.CutSuffix(line, "]")
			if !ok {
				return nil, fmt.Errorf("%d: %q: want [group] or [group reason]", n, line)
			}
			name, reason, _ := strings.Cut(strings.TrimPrefix(name, "["), " ")
			curAt = n
			if name == "veto" && reason == "" {
				cur = &block{veto: true}
				continue
			}
			if name == "greeting" || name == "greetingFiller" {
				if (name == "greeting") != slices.Contains(greetingReasons, reason) || (name == "greetingFiller" && reason != "") {
					return nil, fmt.Errorf("%d: %q: want [greeting %s] or [greetingFiller]", n, line, strings.Join(greetingReasons, "|"))
				}
				cur = &block{greet: true, reason: reason}
				continue
			}
			g, ok := lexiconGroups[name]
			if !ok {
				return nil, fmt.Errorf("%d: unknown group [%s]", n, name)
			}
			if (g == gTask || g == gTopic) != (reason != "") {
				return nil, fmt.Errorf("%d: [%s]: task and topic blocks, and only they, give a reason", n, line[1:len(line)-1])
			}
			cur = &block{g: g, reason: reason}
		case strings.HasPrefix(line, "zh:"), strings.HasPrefix(line, "en:"):
			if cur == nil {
				return nil, fmt.Errorf("%d: phrases outside a block", n)
			}
			words := strings.TrimSpace(line[3:])
			if words == "" {
				return nil, fmt.Errorf("%d: no phrase", n)
			}
			if line[:2] == "zh" {
				cur.zh += " " + words
			} else {
				if cur.en != "" {
					cur.en += "|"
				}
				cur.en += words
			}
		default:
			return nil, fmt.Errorf("%d: cannot read %q", n, line)
		}
	}
	if err := done(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf(" no blocks")
	}
	return out, nil
}

// greetingReasons are the reasons a Greeting reports, in the order lexicon.txt's
// [greeting REASON] blocks are tried.
var greetingReasons = []string{"hello", "thanks", "who_are_you", "help", "goodbye"}

// greeting is the tokens of one kind of greeting.
type greeting struct {
	reason string
	tokens string // space-separated, as matched on the compact form
}

// Greetings (lexicon.txt's [greeting REASON] blocks): a message that is nothing but
// these tokens (and fillers) is a Greeting. greetingFillers ([greetingFiller]) may
// surround greeting tokens but are not greetings alone.
var greetings, greetingFillers = greetingsOf(lexiconGreetings)

// greetingsOf gathers the greeting blocks' tokens by reason, in the order of
// greetingReasons, and the fillers'.
func greetingsOf(bs []block) ([]greeting, string) {
	var (
		out     []greeting
		fillers []string
	)
	for _, r := range greetingReasons {
		g := greeting{reason: r}
		for _, b := range bs {
			if b.reason == r {
				g.tokens = strings.TrimSpace(g.tokens + " " + greetingTokens(b))
			}
		}
		out = append(out, g)
	}
	for _, b := range bs {
		if b.reason == "" {
			fillers = append(fillers, greetingTokens(b))
		}
	}
	return out, strings.Join(fillers, " ")
}

// greetingTokens are a greeting block's tokens: its zh: phrases, and its en: phrases
// with their words run together (greetings are matched on the compact form).
func greetingTokens(b block) string {
	toks := fields(b.zh)
	for p := range strings.SplitSeq(b.en, "|") {
		if p = strings.ToLower(strings.Join(strings.Fields(p), "")); p != "" {
			toks = append(toks, p)
		}
	}
	return join(toks)
}

// LexiconVersion fingerprints triage's phrase files (lexicon.txt, situations.txt), for
// the start-up log.
func LexiconVersion() string {
	return lexiconfile.Hash(lexiconfile.File{Name: "lexicon.txt", Data: lexiconFile}, lexiconfile.File{Name: "situations.txt", Data: situationsFile})
}
