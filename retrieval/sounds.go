package retrieval

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Typing Chinese is choosing, among the characters of a sound, the one meant; the
// commonest slip is a neighbour of the same sound and tone: 加質 for 加值, 津帖 for 津貼,
// 普拿騰 for 普拿疼. Search asks the store about the sound-alikes of the question's
// words that no passage holds (soundAlikes) and takes the commonest (soundFixes). Two
// characters sound alike when they share a reading with its tone, Taiwan's where it
// differs (cedictsounds.tsv, generated from CC-CEDICT): without the tone 時間 would be
// 事件.

// readings maps a character to its syllables («值»: zhi2), and byReading a syllable to
// its characters: cedictsounds.tsv, read once, in its order, so that a character's
// syllables (and so the sound-alikes asked about, at most maxSoundAlikes) are the same in
// every process.
var readings, byReading = func() (map[rune][]string, map[string][]rune) {
	chars, syls := map[rune][]string{}, map[string][]rune{}
	for _, l := range lexLines("cedictsounds.tsv", 2) {
		syl, rs := l.Fields[0], []rune(strings.Join(l.Fields[1:], ""))
		if _, dup := syls[syl]; dup {
			panic(l.Errorf("%q is listed twice", syl))
		}
		syls[syl] = rs
		for _, r := range rs {
			chars[r] = append(chars[r], syl)
		}
	}
	return chars, syls
}()

// maxSoundAlikes bounds the words asked about for one question's sound-alikes.
const maxSoundAlikes = 150

// soundAlikes returns, for each word of two Han characters among tokens (a question's
// bigrams, in order) that no passage holds (v), the words that sound like it with one
// character changed (what was meant, if it was typed with a neighbour of the same
// sound), each with the word it stands for. Only a character that no passage holds in
// either of the question's bigrams is changed: a bigram across two words (有合 in
// 有合法的) is unknown although both its characters are right, and 合法 says so.
func soundAlikes(tokens []string, v Vocabulary) map[string]string {
	out := map[string]string{}
	for k, t := range tokens {
		rs := []rune(t)
		if len(rs) != 2 || v.Freq[t] > 0 || !unicode.Is(unicode.Han, rs[0]) || !unicode.Is(unicode.Han, rs[1]) {
			continue
		}
		for i := range rs {
			if known(tokens, k, i, v) {
				continue
			}
			for _, syl := range readings[rs[i]] {
				for _, r := range byReading[syl] {
					c := [2]rune{rs[0], rs[1]}
					c[i] = r
					w := string(c[:])
					if _, seen := out[w]; seen || r == rs[i] {
						continue
					}
					out[w] = t
					if len(out) == maxSoundAlikes {
						return out
					}
				}
			}
		}
	}
	return out
}

// known reports whether the question's other bigram holding character i of its bigram
// k (the one before for the first character, after for the second) is held by passages.
func known(tokens []string, k, i int, v Vocabulary) bool {
	rs := []rune(tokens[k])
	j := k + 1
	if i == 0 {
		j = k - 1
	}
	if j < 0 || j >= len(tokens) {
		return false
	}
	n := []rune(tokens[j])
	if len(n) != 2 || i == 0 && n[1] != rs[0] || i == 1 && n[0] != rs[1] {
		return false
	}
	return v.Freq[tokens[j]] > 0
}

// soundFixes picks, for each word that alikes stand for, the sound-alike that the most
// passages hold (more), at least minSoundFixFreq of them, the first bytewise of equals;
// in the order of tokens.
func soundFixes(tokens []string, alikes map[string]string, more Vocabulary) []string {
	best := map[string]string{}
	for _, w := range slices.Sorted(maps.Keys(alikes)) {
		t, n := alikes[w], more.Freq[w]
		if n >= minSoundFixFreq && n > more.Freq[best[t]] {
			best[t] = w
		}
	}
	var out []string
	for _, t := range tokens {
		if w, ok := best[t]; ok && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// minSoundFixFreq is the fewest passages a sound-alike must be in to be taken for the
// word meant: a word that few records use is as likely a slip of its own.
const minSoundFixFreq = 3
