package triage

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// situationsFile holds the words of the situation rules: one fact of the language a
// group (a word for the chest, for sweating, for not waking up), combined in triage.go.
//
//go:embed situations.txt
var situationsFile string

// SituationsVersion is the version line of situations.txt, for logs and reports.
var SituationsVersion int

// situationGroups names the groups situations.txt may fill: its own, then those of
// lexicon.go it extends.
var situationGroups = map[string]group{
	"wish": gWish, "die": gDie, "neverWake": gNeverWake, "stockpile": gStockpile,
	"after": gAfter, "food": gFood,
	"airway": gAirway, "swollen": gSwollen, "skin": gSkin, "dizzy": gDizzy, "vomit": gVomit,
	"vomitBlood": gVomitBlood, "breathWeak": gBreathWeak, "blueLips": gBlueLips, "confused": gConfused,
	"heartFast": gHeartFast,
	"chest":     gChest, "chestHurt": gChestHurt, "chestTight": gChestSqueeze, "sweat": gSweat, "radiate": gRadiate,
	"face": gFace, "droop": gDroop, "oneSide": gOneSide, "limbWeak": gLimbWeak, "speech": gSpeech, "speechBad": gSpeechBad,
	"blister": gBlister, "jerk": gJerk, "nonstop": gNonstop, "atOnce": gAtOnce, "crampPart": gCrampPart,
	"despair": gDespair, "howTo": gHowTo, "prevent": gPrevent, "ready": gReady, "withoutMe": gWithoutMe, "notWant": gNotWant, "live": gLive, "better": gBetter,
}

// extendable are the groups of lexicon.go that situations.txt may add words to, after
// its "extends" line.
var extendable = map[string]group{
	"toDie": gToDie, "howMuch": gHowMuch, "unconsciousStrong": gUnconsciousStrong,
	"quantity": gQuantity, "hazard": gHazard, "ingestPast": gIngestPast,
}

var situationBlocks = mustParseSituations(situationsFile)

func mustParseSituations(src string) []block {
	bs, version, err := parseSituations(src)
	if err != nil {
		panic("triage: situations.txt: " + err.Error())
	}
	SituationsVersion = version
	return bs
}

// parseSituations reads situations.txt into blocks. Every group named must be known,
// in its section, and hold at least one phrase; each new group must be filled.
func parseSituations(src string) ([]block, int, error) {
	var (
		out     []block
		cur     *block
		curName string
		version int
		extends bool
		seen    = map[string]bool{}
	)
	done := func() error {
		if cur != nil && cur.zh == "" && cur.en == "" {
			return fmt.Errorf("[%s] has no phrase", curName)
		}
		if cur != nil {
			out = append(out, *cur)
		}
		cur = nil
		return nil
	}
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		where := fmt.Sprintf("line %d", n+1)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "version:"):
			v, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "version:")))
			if err != nil || v <= 0 {
				return nil, 0, fmt.Errorf("%s: bad version %q", where, line)
			}
			version = v
		case line == "extends":
			if err := done(); err != nil {
				return nil, 0, fmt.Errorf("%s: %w", where, err)
			}
			extends = true
		case strings.HasPrefix(line, "["):
			if err := done(); err != nil {
				return nil, 0, fmt.Errorf("%s: %w", where, err)
			}
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, 0, fmt.Errorf("%s: unclosed [", where)
			}
			name := line[1:end]
			curName = name
			if strings.TrimSpace(line[end+1:]) == "" {
				return nil, 0, fmt.Errorf("%s: [%s] says nothing of what its words mean", where, name)
			}
			if name == "veto" {
				cur = &block{veto: true}
				continue
			}
			groups := situationGroups
			if extends {
				groups = extendable
			}
			g, ok := groups[name]
			if !ok {
				return nil, 0, fmt.Errorf("%s: unknown group [%s]", where, name)
			}
			if seen[name] {
				return nil, 0, fmt.Errorf("%s: [%s] twice", where, name)
			}
			seen[name] = true
			cur = &block{g: g}
		case strings.HasPrefix(line, "zh:"), strings.HasPrefix(line, "en:"):
			if cur == nil {
				return nil, 0, fmt.Errorf("%s: phrases outside a group", where)
			}
			words := strings.TrimSpace(line[3:])
			if line[:2] == "zh" {
				cur.zh += " " + words
			} else {
				if cur.en != "" {
					cur.en += "|"
				}
				cur.en += words
			}
		default:
			return nil, 0, fmt.Errorf("%s: cannot read %q", where, line)
		}
	}
	if err := done(); err != nil {
		return nil, 0, err
	}
	if version == 0 {
		return nil, 0, fmt.Errorf("no version line")
	}
	for name := range situationGroups {
		if !seen[name] {
			return nil, 0, fmt.Errorf("group [%s] is not filled", name)
		}
	}
	return out, version, nil
}
