package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/store/memstore/memtest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// onBothStores runs a test of the answers on the bundled data in PostgreSQL and in
// the embedded store: the answer layer must hold on either.
func onBothStores(t *testing.T, test func(t *testing.T, e *bot.Engine)) {
	t.Run("pgstore", func(t *testing.T) {
		e, err := bot.New(bot.Config{Store: pgtest.Bundled(t)})
		if err != nil {
			t.Fatal(err)
		}
		test(t, e)
	})
	t.Run("memstore", func(t *testing.T) {
		e, err := bot.New(bot.Config{Store: memtest.Bundled(t)})
		if err != nil {
			t.Fatal(err)
		}
		test(t, e)
	})
}

func askOn(t *testing.T, e *bot.Engine, q string) bot.Answer {
	t.Helper()
	a, err := e.Ask(context.Background(), bot.Request{Message: q}, nil)
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	return a
}

// TestClassQuestionInOtherWords: a citizen who asks a city FAQ's or a myth's own
// question in other words, wrapped in a greeting or a self-introduction, is answered
// from that record, not declined, although the words shared are too few for the
// word-level gate; and a question that shares words with a record about something
// else is still declined.
func TestClassQuestionInOtherWords(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, c := range []struct{ q, key string }{
			{"你好我剛搬來台北，想請教一下交通罰單要怎麼繳，謝謝你", "GIP_181395450"},
			{"新聞一直講土壤液化，那到底是什麼意思", "GIP_220272405"},
			{"喝酒開車法院已經判罰金了，那張罰單還要繳嗎", "GIP_178967558"},
		} {
			a := askOn(t, e, c.q)
			if a.Mode != conversation.ModeExtractive || len(a.Sources) == 0 || a.Sources[0].Key != c.key {
				t.Errorf("%q: %s from %v, want an answer from %s", c.q, a.Mode, a.Sources, c.key)
			}
		}
		for _, q := range []string{"身分證掉了怎麼補辦", "健保卡密碼忘記了怎麼辦"} {
			if a := askOn(t, e, q); a.Mode != conversation.ModeNoAnswer {
				t.Errorf("%q: %s from %v, want no answer (the data has no record about it)", q, a.Mode, slices.Collect(func(yield func(string) bool) {
					for _, s := range a.Sources {
						if !yield(s.Title) {
							return
						}
					}
				}))
			}
		}
	})
}

// TestClassColourIsNotAPill: a colour or shape word in a question about something
// else (a kerb, a bag, a household cleaning tablet) is not a pill description: the
// answer is never a licence.
func TestClassColourIsNotAPill(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, q := range []string{"路邊的黃線可以停車嗎", "紅色的垃圾袋在哪裡買", "馬桶水箱放藍色清潔錠會影響水質嗎"} {
			a := askOn(t, e, q)
			for _, s := range a.Sources {
				if s.Dataset == corpus.DatasetDrug {
					t.Errorf("%q: answered (%s) from the licence %q, want no pill", q, a.Mode, s.Title)
				}
			}
		}
		if a := askOn(t, e, "白色圓形的藥丸，上面寫 YSP"); len(a.Sources) == 0 || a.Sources[0].Dataset != corpus.DatasetDrug {
			t.Errorf("a pill described: %s from %v, want licences", a.Mode, a.Sources)
		}
	})
}

// TestClassKeywordsAloneAskNothingOfTheRecord: a city FAQ found by a few shared
// keywords alone, whose own question asks nothing of what the citizen asks, is no
// answer (a question on an international driving licence is not answered from a FAQ
// on moving a ticket to its driver); a question that asks a FAQ's own question in other
// words is still answered from it.
func TestClassKeywordsAloneAskNothingOfTheRecord(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, q := range []string{"國際駕照怎麼申請", "退稅什麼時候會入帳", "電動車充電樁哪裡有"} {
			if a := askOn(t, e, q); a.Mode != conversation.ModeNoAnswer {
				t.Errorf("%q: %s from %v, want no answer", q, a.Mode, a.Sources)
			}
		}
		for _, q := range []string{"想要海葬要怎麼申請", "红线晚上可以停车吗"} {
			if a := askOn(t, e, q); a.Mode != conversation.ModeExtractive || len(a.Sources) == 0 || a.Sources[0].Dataset != corpus.DatasetCityFAQ {
				t.Errorf("%q: %s from %v, want an answer from a city FAQ", q, a.Mode, a.Sources)
			}
		}
	})
}

// TestClassNearDuplicateFAQs: of several city FAQs that share words with a question
// (about the same card or service), the one whose own question the citizen asks in
// other words (is it free? how long? when does it expire?) ranks first and answers.
func TestClassNearDuplicateFAQs(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, c := range []struct{ q, key string }{
			{"我的愛心卡有沒有期限，到期要怎麼辦", "GIP_101591683"},
			{"敬老卡搭捷運要錢嗎", "GIP_96978070"},
			{"陳情案多久會處理", "GIP_189734632"},
		} {
			if a := askOn(t, e, c.q); a.Mode != conversation.ModeExtractive || len(a.Sources) == 0 || a.Sources[0].Key != c.key {
				t.Errorf("%q: %s from %v, want an answer from %s first", c.q, a.Mode, a.Sources, c.key)
			}
		}
	})
}

// TestClassIngredientsNotListed: a question asking what a medicine contains is never
// answered with a card that is silent on it. When no licence found lists the
// ingredients, the answer says so plainly, and quotes the TFDA record that states them
// of that name (a myth on 普拿疼 names 乙醯胺酚), with that record among the sources;
// a name no other record speaks of gets the plain "not listed".
func TestClassIngredientsNotListed(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, q := range []string{"普拿疼的成分是什麼", "普拿疼含什麼", "請問普拿疼成份", "普拿疼有什麼成分"} {
			a := askOn(t, e, q)
			if a.Mode != conversation.ModeExtractive || len(a.Sources) == 0 || a.Sources[0].Dataset != corpus.DatasetDrug {
				t.Errorf("%q: %s from %v, want a 普拿疼 licence", q, a.Mode, a.Sources)
				continue
			}
			if !strings.Contains(a.Text, "主成分：") || !strings.Contains(a.Text, "乙醯胺酚") {
				t.Errorf("%q: no ingredient in the answer:\n%s", q, a.Text)
			}
			if !slices.ContainsFunc(a.Sources, func(s conversation.Source) bool { return s.Dataset == corpus.DatasetMyth }) {
				t.Errorf("%q: the record stating the ingredient is not among the sources %v", q, a.Sources)
			}
		}
		a := askOn(t, e, "普拿疼伏冒熱飲散劑加強配方的成分是什麼")
		if !strings.Contains(a.Text, "沒有列出這個藥品的成分") {
			t.Errorf("a licence without ingredients, no other record on it: the answer does not say they are not listed:\n%s", a.Text)
		}
		// A licence that lists them answers with them, and no note.
		a = askOn(t, e, "衛署藥製字第036825號的成分")
		if strings.Contains(a.Text, "沒有列出這個藥品的成分") || !strings.Contains(a.Text, "主成分：") {
			t.Errorf("a licence listing its ingredients:\n%s", a.Text)
		}
	})
}

// TestClassImprintSpacingAndCase: an imprint code is one code whatever its spacing,
// hyphens and case: the pill printed 「SV137」 is found from 「S V 137」「sv137」「SV-137」,
// and the one printed 「JKI 10」 from 「JKI10」「jki10」「J-K-I 10」.
func TestClassImprintSpacingAndCase(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, c := range []struct{ q, key string }{
			{"藥丸上面寫 SV137 是什麼藥", "衛部藥輸字第027860號"},
			{"藥丸上面寫 S V 137 是什麼藥", "衛部藥輸字第027860號"},
			{"藥上刻 sv137", "衛部藥輸字第027860號"},
			{"白色的藥上面寫 SV-137", "衛部藥輸字第027860號"},
			{"藥丸上面寫 JKI 10 是什麼藥", "衛部藥輸字第027569號"},
			{"藥丸上面寫 JKI10 是什麼藥", "衛部藥輸字第027569號"},
			{"藍色的藥上面寫 jki10", "衛部藥輸字第027569號"},
		} {
			a := askOn(t, e, c.q)
			if len(a.Sources) == 0 || a.Sources[0].Key != c.key {
				t.Errorf("%q: %s from %v, want %s first", c.q, a.Mode, a.Sources, c.key)
			}
		}
	})
}

// TestClassStrengthInName: a strength in the question (「20毫克」「20 mg」「20公絲」) chooses
// among the licences of one name: a 20 mg question is answered from the 20 mg licence,
// not the 40 mg one; a question naming the cancelled 800 mg licence hears that it is
// cancelled, not of the valid 400 mg one.
func TestClassStrengthInName(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		for _, c := range []struct{ q, key string }{
			{"嘉胃樂膜衣錠20毫克是什麼藥", "衛署藥製字第040196號"},
			{"嘉胃樂 20mg 的成分", "衛署藥製字第040196號"},
			{"嘉胃樂膜衣錠40毫克", "衛署藥製字第038776號"},
			{"服胃膜衣錠10毫克是治什麼的", "衛署藥製字第057243號"},
			{"服胃膜衣錠 20 mg", "衛署藥製字第057271號"},
			{"迪威樂錠400毫克", "衛署藥製字第042280號"},
		} {
			a := askOn(t, e, c.q)
			if len(a.Sources) == 0 || a.Sources[0].Key != c.key {
				t.Errorf("%q: %s from %v, want %s first", c.q, a.Mode, a.Sources, c.key)
			}
		}
		// A strength no licence of the name has: the answer says the licence shown is
		// another strength.
		for _, q := range []string{"嘉胃樂膜衣錠30毫克是什麼藥", "服胃膜衣錠 5mg"} {
			a := askOn(t, e, q)
			if a.Mode == conversation.ModeExtractive && !strings.Contains(a.Text, "含量不同") {
				t.Errorf("%q: answered from %v without saying it is another strength:\n%s", q, a.Sources, a.Text)
			}
		}
		for _, q := range []string{"迪威樂錠800毫克還能吃嗎", "迪威樂錠 800mg 是什麼藥"} {
			a := askOn(t, e, q)
			if len(a.Sources) == 0 || a.Sources[0].Key != "衛署藥製字第039854號" || !strings.Contains(a.Text, "已註銷") {
				t.Errorf("%q: %s from %v, want the cancelled 800 mg licence, said cancelled:\n%s", q, a.Mode, a.Sources, a.Text)
			}
		}
	})
}

// TestClassExpiredFAQ: a question matching a city FAQ past its end date is answered
// from that FAQ, with its end date and a note to check with 1999, never from an
// unrelated FAQ that shares more words; a current FAQ carries no such note.
func TestClassExpiredFAQ(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		answered := 0
		for _, c := range []struct{ q, key, end string }{
			{"忠孝橋引橋拆除的時候三重到台北要怎麼改道", "GIP_156709211", "2016-11-30"},
			{"日本松山市的撞轎祈福活動什麼時候辦、在哪裡", "GIP_127401979", "2015-11-01"},
			{"TLC台北野餐日要怎麼抽獎領獎", "GIP_216846051", "2016-09-24"},
			{"運動大導演有什麼獎項", "GIP_140247452", "2015-12-19"},
		} {
			a := askOn(t, e, c.q)
			if a.Mode == conversation.ModeNoAnswer {
				continue // declining one is allowed; an unrelated answer is not
			}
			answered++
			if len(a.Sources) == 0 || a.Sources[0].Key != c.key {
				t.Errorf("%q: %s from %v, want the expired FAQ %s or no answer", c.q, a.Mode, a.Sources, c.key)
				continue
			}
			if !strings.Contains(a.Text, c.end) || !strings.Contains(a.Text, "1999") || !strings.Contains(a.Text, "已經過期") {
				t.Errorf("%q: answered from the expired FAQ without its end date %s and the 1999 note:\n%s", c.q, c.end, a.Text)
			}
		}
		if answered < 3 {
			t.Errorf("%d of 4 questions on expired FAQs answered from them, want at least 3", answered)
		}
		if a := askOn(t, e, "路邊停車費怎麼繳"); a.Mode != conversation.ModeExtractive || strings.Contains(a.Text, "已經過期") {
			t.Errorf("a current FAQ: %s\n%s", a.Mode, a.Text)
		}
	})
}

// TestClassServiceFollowUpKeepsSubject: after «X 在哪裡» is answered from a city FAQ,
// «電話幾號？» and the like in the same session ask about X: answered from the same FAQ,
// with its phone number, not declined nor searched alone.
func TestClassServiceFollowUpKeepsSubject(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		ctx := context.Background()
		// Each first question is answered from one of its FAQs, and the follow-up from
		// one of them too, with the phone (the FAQ itself, or its sibling on the same
		// service that states the phone): «在哪裡» of the community planners' studios is
		// answered by the FAQ on their opening hours and places and by the one listing
		// them, which citizens ask where they are.
		firsts := []struct {
			q    string
			keys []string
		}{
			{"131FUN心玩親子館在哪裡", []string{"GIP_232150943"}},
			{"社區規劃師工作室在哪裡，什麼時候開", []string{"GIP_136301446", "GIP_136301443"}},
		}
		for i, f := range firsts {
			for j, follow := range []string{"電話幾號？", "那他們的電話是多少", "聯絡電話呢"} {
				session := fmt.Sprintf("follow-%d-%d", i, j)
				a, err := e.Ask(ctx, bot.Request{Message: f.q, SessionID: session}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(a.Sources) == 0 || !slices.Contains(f.keys, a.Sources[0].Key) {
					t.Fatalf("%q: %s from %v, want one of %v", f.q, a.Mode, a.Sources, f.keys)
				}
				b, err := e.Ask(ctx, bot.Request{Message: follow, SessionID: session}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if b.Mode != conversation.ModeExtractive || len(b.Sources) == 0 || !slices.Contains(f.keys, b.Sources[0].Key) || !strings.Contains(b.Text, "電話") {
					t.Errorf("%q after %q: %s from %v, want one of %v again with its phone:\n%s", follow, f.q, b.Mode, b.Sources, f.keys, b.Text)
				}
			}
		}
		// Without a session there is no subject to keep: never another FAQ's phone.
		if a := askOn(t, e, "電話幾號？"); a.Mode == conversation.ModeExtractive && len(a.Sources) > 0 && (slices.Contains(firsts[0].keys, a.Sources[0].Key) || slices.Contains(firsts[1].keys, a.Sources[0].Key)) {
			t.Errorf("no session: answered from %v", a.Sources)
		}
	})
}

// TestClassFollowUpAsksAnAspect: in a conversation, a question that asks only an aspect
// of a service («什麼時候發錢», «要怎麼申請») or only whether the last medicine suits
// someone («小孩可以吃嗎», «那老人呢») is about the last topic: a medicine's card with the
// note for those people, or the FAQ on the same service that states what was asked; never
// another service's FAQ that shares the words of asking. «那咖啡呢» asks the last question
// of something else. A question naming a subject of its own is searched as itself.
func TestClassFollowUpAsksAnAspect(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		ctx := context.Background()
		ask := func(session, q string) bot.Answer {
			t.Helper()
			a, err := e.Ask(ctx, bot.Request{Message: q, SessionID: session}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		first := ask("medicine", "普拿疼是什麼藥")
		if len(first.Sources) == 0 || first.Sources[0].Dataset != corpus.DatasetDrug {
			t.Fatalf("普拿疼是什麼藥: %s from %v, want a licence", first.Mode, first.Sources)
		}
		for _, c := range []struct{ q, note string }{{"小孩可以吃嗎", "兒童"}, {"孕婦可以吃嗎", "懷孕"}, {"那老人呢", "年長者"}} {
			a := ask("medicine", c.q)
			if len(a.Sources) == 0 || a.Sources[0].Key != first.Sources[0].Key || !strings.Contains(a.Text, c.note) {
				t.Errorf("%q after 普拿疼是什麼藥: %s from %v, want %s again with the note on %s:\n%s", c.q, a.Mode, a.Sources, first.Sources[0].Key, c.note, a.Text)
			}
		}
		for _, c := range []struct{ session, first, firstKey, follow, want string }{
			{"rent", "身心障礙者房屋租金補貼申請資格", "GIP_296803154", "什麼時候發錢", "GIP_296803164"},
			{"sea", "海葬要錢嗎", "GIP_179763448", "要怎麼申請", "GIP_119690947"},
		} {
			if a := ask(c.session, c.first); len(a.Sources) == 0 || a.Sources[0].Key != c.firstKey {
				t.Fatalf("%q: %s from %v, want %s", c.first, a.Mode, a.Sources, c.firstKey)
			}
			// Thanks in between do not lose the topic.
			for _, ack := range []string{"謝謝", "好喔", "明白了", "嗯嗯"} {
				if a := ask(c.session, ack); a.Mode != conversation.ModeRefusal {
					t.Errorf("%q: %s, want the greeting's reply", ack, a.Mode)
				}
			}
			if a := ask(c.session, c.follow); len(a.Sources) == 0 || a.Sources[0].Key != c.want {
				t.Errorf("%q after %q: %s from %v, want %s", c.follow, c.first, a.Mode, a.Sources, c.want)
			}
		}
		// «那咖啡呢» asks the last question again, of coffee.
		ask("tea", "吃藥能配茶嗎")
		if a := ask("tea", "那咖啡呢"); len(a.Sources) == 0 || a.Sources[0].Key != "吃藥時配咖啡應該沒關係吧？" {
			t.Errorf("那咖啡呢 after 吃藥能配茶嗎: %s from %v, want the myth on medicines with coffee", a.Mode, a.Sources)
		}
		// A subject of its own is no follow-up.
		if a := ask("sea", "戒菸專線"); len(a.Sources) == 0 || strings.Contains(a.Sources[0].Title, "海葬") {
			t.Errorf("戒菸專線 after the sea-burial FAQs: %s from %v", a.Mode, a.Sources)
		}
		// Without a conversation there is nothing to follow: never the medicine above.
		if a := askOn(t, e, "小孩可以吃嗎"); len(a.Sources) > 0 && a.Sources[0].Key == first.Sources[0].Key {
			t.Errorf("no session: answered from %v", a.Sources)
		}
	})
}
