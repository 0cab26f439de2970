package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/store/memstore/memtest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestClassDeclinedOffersWhatWasFound: a question in other words than its record's,
// which the gate declines although search found the record, is not a dead end: the
// declined answer offers the record's own question, in the answer's text and as
// Suggestions, and asking that question is answered from the record. (Answered
// outright is as good: the test asks only that the record is one step away.) A
// question nothing in the data is about is offered nothing. («我是中度身障，健保費市政府
// 會幫忙出一部分嗎» was a case; since the questions citizens ask each record in were
// added it is answered, from the elderly's premium FAQ, and is counted as a wrong answer
// in testdata/eval/citizens.jsonl.)
func TestClassDeclinedOffersWhatWasFound(t *testing.T) {
	cases := []struct{ q, key string }{
		{"家人辦喪事，對治喪服務有意見要找誰反映", "GIP_119681671"},
		{"在天母古道看到有人拿東西餵猴子，可以跟誰講", "GIP_233670905"},
		{"泡茶的時候茶包那張小紙片泡到水裡會有毒嗎", "茶包標籤勿泡茶水，以免標籤上的色素溶入茶中，是真的嗎？"},
	}
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, c := range cases {
			a := askOn(t, e, c.q)
			if a.Mode != conversation.ModeNoAnswer {
				if len(a.Sources) == 0 || a.Sources[0].Key != c.key {
					t.Errorf("%q: %s from %v, want the answer from %s or a decline offering it", c.q, a.Mode, a.Sources, c.key)
				}
				continue
			}
			i := offerOf(a, c.key)
			if i < 0 {
				t.Errorf("%q declined offering %v: want %s among them", c.q, a.Suggestions, c.key)
				continue
			}
			title := a.Suggestions[i].Title
			if len(a.Sources) != 0 || !strings.Contains(a.Text, "• "+title) {
				t.Errorf("%q: sources %v, text:\n%s\nwant no source and the offered question listed", c.q, a.Sources, a.Text)
			}
			if again := askOn(t, e, title); again.Mode != conversation.ModeExtractive || len(again.Sources) == 0 || again.Sources[0].Key != c.key {
				t.Errorf("the offered %q: %s from %v, want the answer from %s", title, again.Mode, again.Sources, c.key)
			}
		}
		for _, q := range []string{"qwxz vbnm 嗯嗯", "我想問一下火星上的天氣"} {
			if a := askOn(t, e, q); len(a.Suggestions) != 0 {
				t.Errorf("%q (%s) offered %v: want nothing", q, a.Mode, a.Suggestions)
			}
		}
	})
}

// offerOf is the index of the record key among a's suggestions, -1 when not offered.
func offerOf(a bot.Answer, key string) int {
	return slices.IndexFunc(a.Suggestions, func(s bot.Suggestion) bool { return s.Key == key })
}

// TestClassEnglishInEverydayWords: a question in English about a city service or a
// myth, in words the hand-made glossary lacks, reaches its Chinese record through the
// dictionary (retrieval/lexicons/cedict*.tsv): answered from it, or declined offering it.
func TestClassEnglishInEverydayWords(t *testing.T) {
	cases := []struct{ q, key string }{
		{"My pet died, what should I do with the body?", "GIP_125271514"},
		{"Where is the Shezidao wetland visitor hut and is it open to the public?", "GIP_181058722"},
		{"Is puffer fish really poisonous?", "請問河豚有毒，是真的嗎？"},
	}
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, c := range cases {
			a := askOn(t, e, c.q)
			answered := len(a.Sources) > 0 && a.Sources[0].Key == c.key
			if !answered && offerOf(a, c.key) < 0 {
				t.Errorf("%q: %s from %v offering %v, want %s answered or offered", c.q, a.Mode, a.Sources, a.Suggestions, c.key)
			}
		}
	})
}

// TestClassSameSoundTypos: a question with a word typed with a character of the same
// sound and tone (加質 for 加值, 津帖 for 津貼) is searched as the question typed right
// is: the record of the word meant comes first, in both stores.
func TestClassSameSoundTypos(t *testing.T) {
	cases := []struct{ q, key string }{
		{"敬老卡要去哪裡加質", "GIP_221326628"},
		{"育兒津帖要準備什麼", "GIP_170736739"},
	}
	for name, s := range map[string]retrieval.Searcher{"pgstore": pgtest.Bundled(t), "memstore": memtest.Bundled(t)} {
		for _, c := range cases {
			hits, err := s.Search(context.Background(), retrieval.Query{Text: c.q, K: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].Key != c.key {
				t.Errorf("%s: %q found %v first, want %s", name, c.q, hits, c.key)
			}
		}
	}
}
