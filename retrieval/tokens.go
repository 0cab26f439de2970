package retrieval

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/civicbot/civicbot/retrieval/internal/textseg"
)

// Tokens returns the keyword-search tokens of s: lowercase runs of letters, digits
// and CJK characters, ready for a tsvector or tsquery with the 'simple'
// configuration, which would otherwise neither lowercase full-width letters nor cut
// Chinese into words.
//
// Text is normalised first (NFKC, so full-width "ＹＳＰ５２" is "ysp52"; then
// lowercased). A run of CJK characters gives its overlapping bigrams (a lone
// character gives itself): 「愛心卡」 → 愛心, 心卡. Words of letters or digits are
// kept whole; a word that mixes letters and digits also gives its letter and digit
// parts, and a short letter word next to a short number is also joined, so
// "ysp52", "YSP 52" and "ysp-52" all give ysp, 52 and ysp52. Punctuation,
// symbols, emoji and control characters never appear in a token, so a token can be
// placed in a tsquery as is.
//
// Tokens are not deduplicated: PostgreSQL counts a repeated lexeme's positions when
// it ranks (ts_rank), so a document that says 普拿疼 five times should rank above
// one that says it once.
//
// Tokens returns nil when s has no letters, digits or CJK characters.
func Tokens(s string) []string {
	var toks []string
	eachToken(s, func(tok []rune) { toks = append(toks, string(tok)) })
	return toks
}

// TokenString returns Tokens(s) joined by single spaces: the text to store with
// to_tsvector('simple', ...).
func TokenString(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	eachToken(s, func(tok []rune) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		for _, r := range tok {
			b.WriteRune(r)
		}
	})
	return b.String()
}

// segmenters reuses segmentation buffers across calls: ingest tokenises every
// chunk and title.
var segmenters = sync.Pool{New: func() any { return new(textseg.Segmenter) }}

// eachToken calls fn with each token of s; tok is valid only during the call.
func eachToken(s string, fn func(tok []rune)) {
	sg := segmenters.Get().(*textseg.Segmenter)
	defer segmenters.Put(sg)
	for seg := range sg.Segments(s) {
		if seg.Kind != textseg.CJK {
			fn(seg.Text)
			continue
		}
		if len(seg.Text) == 1 {
			fn(seg.Text)
			continue
		}
		for i := 0; i+2 <= len(seg.Text); i++ {
			fn(seg.Text[i : i+2])
		}
	}
}

// afterParticle reports whether a bigram starts with a particle that ends a word or a
// clause (「了怎」 in 「丟了怎麼辦」, 「的藥」 in 「過期的藥」): it joins two words by
// accident, and its rarity would weigh it above the words themselves.
func afterParticle(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	return size < len(t) && utf8.RuneCountInString(t) == 2 && particles[r]
}

// questionWords cut the words of asking (questionwords.tsv) out of a question before
// its content is tokenised: left in, they join their neighbours into bigrams that mean
// nothing (「藥可」「以自」 in 「高血壓藥可以自己停嗎」). The replacer takes the first word
// of its list that matches at a place, so the list is longest first.
var questionWords = func() *strings.Replacer {
	var args []string
	for _, w := range questionWordList {
		args = append(args, w, " ")
	}
	return strings.NewReplacer(args...)
}()

// ContentTokens are the Tokens of s without question filler and bigrams that start
// with a particle; when s is nothing but those, its Tokens.
func ContentTokens(s string) []string {
	all := Tokens(s)
	if content := Tokens(questionWords.Replace(s)); len(content) > 0 {
		all = content
	}
	out := make([]string, 0, len(all))
	for _, t := range all {
		if !filler[t] && !afterParticle(t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// HasContent reports whether s (normalised) says what it is about: a word beyond the
// words of asking and English function words. 「請問」 and "what?" do not.
func HasContent(s string) bool {
	for _, t := range Tokens(questionWords.Replace(s)) {
		if filler[t] || afterParticle(t) || IsLatin(t) && (englishFiller[t] || englishStop[t]) {
			continue
		}
		return true
	}
	return false
}
