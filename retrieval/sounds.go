package retrieval

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Typing Chinese is choosing, among the characters of a sound, the one meant; the
// commonest slip is a neighbour of the same sound and tone: 加質 for 加值, 津帖 for 津貼,
// 普拿騰 for 普拿疼. soundsAlike reads two words as the same when each character of
// one has a reading (with its tone, Taiwan's where it differs) of the character in the
// same place of the other (cedictsounds.tsv, generated from CC-CEDICT). The tone is
// kept: without it 時間 would be 事件.

// readings maps a character to its syllables («值»: zhi2).
var readings = func() map[rune][]string {
	m := map[rune][]string{}
	for syl, chars := range lexMap("cedictsounds.tsv") {
		for _, r := range strings.Join(chars, "") {
			m[r] = append(m[r], syl)
		}
	}
	return m
}()

// sameSound reports whether a and b share a reading.
func sameSound(a, b rune) bool {
	if a == b {
		return true
	}
	for _, x := range readings[a] {
		for _, y := range readings[b] {
			if x == y {
				return true
			}
		}
	}
	return false
}

// soundAlikeIn reports whether text holds a word of two Han characters that sounds
// like w (two Han characters), character by character, and is not w.
func soundAlikeIn(text, w string) bool {
	var ws [2]rune
	n := 0
	for _, r := range w {
		if n == 2 || !unicode.Is(unicode.Han, r) || len(readings[r]) == 0 {
			return false
		}
		ws[n] = r
		n++
	}
	if n != 2 {
		return false
	}
	prev := rune(0)
	for _, r := range text {
		if prev != 0 && sameSound(prev, ws[0]) && sameSound(r, ws[1]) && (prev != ws[0] || r != ws[1]) {
			return true
		}
		prev = r
	}
	return false
}

// byReading maps a syllable to the characters read so.
var byReading = func() map[string][]rune {
	m := map[string][]rune{}
	for syl, chars := range lexMap("cedictsounds.tsv") {
		m[syl] = []rune(strings.Join(chars, ""))
	}
	return m
}()

// maxSoundAlikes bounds the words asked about for one question's sound-alikes.
const maxSoundAlikes = 400

// soundAlikes returns, for each word of two Han characters among tokens that no passage
// holds (v), the words that sound like it with one character changed (what was meant,
// if it was typed with a neighbour of the same sound), each with the word it stands for.
func soundAlikes(tokens []string, v Vocabulary) map[string]string {
	out := map[string]string{}
	for _, t := range tokens {
		rs := []rune(t)
		if len(rs) != 2 || v.Freq[t] > 0 || !unicode.Is(unicode.Han, rs[0]) || !unicode.Is(unicode.Han, rs[1]) {
			continue
		}
		for i := range rs {
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
