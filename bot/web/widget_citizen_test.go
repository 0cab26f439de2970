package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// What a citizen acts on in an answer: pill photos, phone numbers, related questions,
// targets a finger can hit, the data's full-width letters in ordinary width, and the
// sources and 👍/👎 within reach after a long card.

type scripted struct {
	text    string
	sources []source
}

// declinedHostile is an offered question that is markup: it must show as text.
const declinedHostile = `<img src=x onerror="window.__xss=7">罰單怎麼繳`

const (
	pillAlt    = "普拿疼膜衣錠，外觀：白色 橢圓形，刻痕：直線，標註：P"
	missingAlt = "感冒糖漿，外觀：紅色 液劑"
)

// citizenAnswers are the fake API's pill and service answers; the photos are served
// by the test site (one of them is missing, to show the fallback link).
func citizenAnswers(r *http.Request) map[string]scripted {
	base := "http://" + r.Host
	var pill strings.Builder
	pill.WriteString("依您描述的外觀，食藥署資料中最接近的藥品：\n\n")
	pill.WriteString("1. 普拿疼膜衣錠（衛署藥輸字第023624號）\n   外觀：白色 橢圓形，刻痕：直線，標註：P\n   照片：" + base + "/pill.png\n\n")
	pill.WriteString("2. 感冒糖漿（衛署藥製字第000001號）\n   外觀：紅色 液劑\n   照片：" + base + "/missing.png\n\n")
	for i := 3; i <= 8; i++ {
		fmt.Fprintf(&pill, "%d. ＳＴＲＥＳＳ錠 %d（衛署藥製字第00000%d號）\n   外觀：白色 圓形，刻痕：無，標註：YSP %d\n\n", i, i, i, i)
	}
	pill.WriteString("外觀相近的藥品很多，請勿只憑外觀判斷或服用：請把藥品帶到藥局，請藥師確認。")
	return map[string]scripted{
		"PILL": {text: pill.String(), sources: []source{
			{Dataset: "tfda_drug", Key: panadolKey, Title: "普拿疼膜衣錠", URL: panadolURL, Snapshot: snapshot,
				Images: []photo{{URL: base + "/pill.png", Alt: pillAlt}}},
			{Dataset: "tfda_drug", Key: "衛署藥製字第000001號", Title: "感冒糖漿", Snapshot: snapshot,
				Images: []photo{{URL: base + "/missing.png", Alt: missingAlt}}},
			{Dataset: "tfda_drug", Key: "衛署藥製字第000003號", Title: "ＳＴＲＥＳＳ錠", Snapshot: snapshot},
		}},
		"SERVICE": {text: "愛心悠遊卡遺失怎麼辦？\n" +
			"1.請先打電話至412-8880轉7(手機或金馬地區請撥:02-412-8880轉7)辦理掛失。\n" +
			"2.請自備製卡費用100元，於2017-08-07後至區公所申請補發。\n" +
			"承辦機關：臺北市公共運輸處\n聯絡電話：(02)2720-8889\n\n" +
			"您可能也想問：\n• 愛心悠遊卡借人使用會處罰嗎？\n• 愛心悠遊卡損壞應備何文件？\n\n" +
			"還有疑問可撥 1999 市民當家熱線（外縣市請撥 02-2720-8889）。",
			sources: []source{
				{Dataset: "taipei_faq", Key: "GIP_1", Title: "愛心悠遊卡遺失怎麼辦？", Snapshot: "2017-08-07"},
				{Dataset: "taipei_faq", Key: "GIP_2", Title: "愛心悠遊卡借人使用會處罰嗎？", Snapshot: "2017-08-07"},
			}},
	}
}

// servePill is a pill's photo: a white ellipse on grey.
func servePill(w http.ResponseWriter, r *http.Request) {
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			dx, dy := float64(x-80)/60, float64(y-60)/30
			c := color.RGBA{0xdd, 0xe2, 0xe7, 0xff}
			if dx*dx+dy*dy <= 1 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	w.Header().Set("Content-Type", "image/png")
	w.Write(buf.Bytes())
}

func TestWidgetCitizen(t *testing.T) {
	browser := newBrowser(t)

	t.Run("pill photos: lazy images with the appearance as alt, a labelled link when missing", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/")
		p.do(chromedp.Click(el(".bb")))
		p.ask("PILL")
		p.answered(1)
		// The photo loads when scrolled to.
		shadowEval[bool](p, `(R.querySelector('.m.b img.ph').scrollIntoView(), true)`)
		p.waitFor(`R.querySelector('.m.b img.ph') && R.querySelector('.m.b img.ph').complete && R.querySelector('.m.b img.ph').naturalWidth > 0`, "the photo to load")
		p.waitFor(`R.querySelector('.m.b a.pl')`, "the missing photo's link")
		got := shadowEval[map[string]any](p, `(() => { const b = [...R.querySelectorAll('.m.b')].pop(), i = b.querySelector('img.ph'), a = b.querySelector('a.pl');
			return {imgs: b.querySelectorAll('img').length, alt: i.alt, loading: i.loading, src: i.getAttribute('src'),
				href: a.getAttribute('href'), link: a.textContent, title: a.title, text: b.querySelector('.bd').innerText}; })()`)
		if got["imgs"] != 1.0 || got["alt"] != pillAlt || got["loading"] != "lazy" || !strings.HasSuffix(got["src"].(string), "/pill.png") {
			t.Errorf("pill photo: %v, want one lazy image of /pill.png with alt %q", got, pillAlt)
		}
		if !strings.HasSuffix(got["href"].(string), "/missing.png") || got["link"] != missingAlt+" 外觀照片（另開新視窗）" || got["title"] != missingAlt {
			t.Errorf("missing photo: %v, want a link labelled 外觀照片 with the appearance for screen readers", got)
		}
		if txt := got["text"].(string); strings.Contains(txt, "/pill.png") || strings.Contains(txt, "/missing.png") {
			t.Errorf("the photo URLs are still shown as text:\n%s", txt)
		}
	})

	t.Run("full-width letters and digits of the data in ordinary width", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/")
		p.do(chromedp.Click(el(".bb")))
		p.ask("PILL")
		p.answered(1)
		got := shadowEval[string](p, `[...R.querySelectorAll('.m.b')].pop().innerText`)
		if strings.ContainsAny(got, "ＳＴＲＥ") || !strings.Contains(got, "STRESS錠 3") {
			t.Errorf("answer and sources show full-width letters:\n%s", got)
		}
		if src := shadowEval[string](p, `[...R.querySelectorAll('.m.b .sc li')].pop().innerText`); !strings.HasPrefix(src, "STRESS錠") {
			t.Errorf("source title %q, want STRESS錠", src)
		}
	})

	t.Run("phone numbers as tel: links; related questions ask themselves", func(t *testing.T) {
		api := &fakeAPI{}
		p := newPage(t, browser, api)
		p.open("/")
		p.do(chromedp.Click(el(".bb")))
		p.ask("SERVICE")
		p.answered(1)
		tels := shadowEval[[]string](p, `[...R.querySelectorAll('.m.b .bd a[href^="tel:"]')].map(a => a.getAttribute('href') + ' ' + a.textContent)`)
		want := []string{"tel:4128880 412-8880", "tel:024128880 02-412-8880", "tel:0227208889 (02)2720-8889", "tel:1999 1999", "tel:0227208889 02-2720-8889"}
		if !slices.Equal(tels, want) {
			t.Errorf("tel: links %q, want %q (not the fee, not the date)", tels, want)
		}
		chips := shadowEval[[]string](p, `[...R.querySelectorAll('.m.b .rq button')].map(b => b.textContent)`)
		if !slices.Equal(chips, []string{"愛心悠遊卡借人使用會處罰嗎？", "愛心悠遊卡損壞應備何文件？"}) {
			t.Fatalf("related questions as buttons: %q", chips)
		}
		if txt := shadowEval[string](p, `[...R.querySelectorAll('.m.b')].pop().querySelector('.bd').innerText`); strings.Contains(txt, "•") {
			t.Errorf("the related questions are still shown as bullets:\n%s", txt)
		}
		p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelector('.m.b .rq button')`)))
		p.answered(2)
		if calls := api.calls(); len(calls) != 2 || calls[1].Message != "愛心悠遊卡借人使用會處罰嗎？" {
			t.Errorf("after clicking the related question the API got %+v", calls)
		}
		if q := shadowEval[string](p, `[...R.querySelectorAll('.m.u')].pop().textContent`); q != "您說：愛心悠遊卡借人使用會處罰嗎？" {
			t.Errorf("the question shown: %q", q)
		}
	})

	t.Run("a declined answer's offered questions ask themselves, as text", func(t *testing.T) {
		api := &fakeAPI{}
		p := newPage(t, browser, api)
		p.open("/")
		p.do(chromedp.Click(el(".bb")))
		p.ask("DECLINED")
		p.answered(1)
		chips := shadowEval[[]string](p, `[...R.querySelectorAll('.m.b .rq button')].map(b => b.textContent)`)
		if !slices.Equal(chips, []string{declinedHostile, "罰單要怎麼繳？"}) {
			t.Fatalf("offered questions as buttons: %q, want the two offered (the help lines stay text)", chips)
		}
		txt := shadowEval[string](p, `[...R.querySelectorAll('.m.b')].pop().querySelector('.bd').innerText`)
		if !strings.Contains(txt, "1999") || !strings.Contains(txt, "藥師") {
			t.Errorf("the help lines are gone:\n%s", txt)
		}
		if n := shadowEval[float64](p, `R.querySelectorAll('.m.b .bd img').length`); n != 0 || shadowEval[bool](p, `!!window.__xss`) {
			t.Errorf("an offered title was read as markup: %v images, __xss %v", n, shadowEval[bool](p, `!!window.__xss`))
		}
		p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelectorAll('.m.b .rq button')[1]`)))
		p.answered(2)
		if calls := api.calls(); len(calls) != 2 || calls[1].Message != "罰單要怎麼繳？" {
			t.Errorf("after clicking the offered question the API got %+v", calls)
		}
	})

	t.Run("at 360 px: targets of 44 px, sources and feedback one tap away", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.do(chromedp.EmulateViewport(360, 740))
		p.open("/")
		p.do(chromedp.Click(el(".bb")))
		p.ask("SERVICE")
		p.answered(1)
		p.ask("PILL")
		p.answered(2)
		p.waitFor(`R.querySelector('.m.b a.pl')`, "the missing photo's link")
		p.waitFor(`R.querySelector('.p').getAnimations().every(a => a.playState === 'finished')`, "the animation to end")
		small := shadowEval[[]string](p, `[...R.querySelectorAll('.p button, .p a[href], .p textarea, .p input')]
			.filter(e => e.getClientRects().length)
			.map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width < 44 || r.height < 44)
			.map(([e, r]) => e.tagName + '.' + e.className + ' ' + JSON.stringify(e.textContent.slice(0, 20)) + ' ' + Math.round(r.width) + '×' + Math.round(r.height))`)
		if len(small) > 0 {
			t.Errorf("targets smaller than 44×44 px:\n%s", strings.Join(small, "\n"))
		}
		if n := shadowEval[float64](p, `R.querySelectorAll('.p button, .p a[href]').length`); n < 15 {
			t.Errorf("only %v targets measured", n)
		}

		// The pill card is longer than the screen: its sources and 👍/👎 are below.
		visible := `(() => { const b = [...R.querySelectorAll('.m.b')].pop(), lg = R.querySelector('.lg').getBoundingClientRect();
			const inView = e => { const r = e.getBoundingClientRect(); return r.top >= lg.top - 1 && r.bottom <= lg.bottom + 1; };
			return {sources: inView(b.querySelector('.sc h3')), feedback: inView(b.querySelector('.fb')), jump: inView(b.querySelector('.jp'))}; })()`
		if got := shadowEval[map[string]bool](p, visible); got["sources"] || got["feedback"] || !got["jump"] {
			t.Fatalf("before the jump: %v, want only the jump line in view (the card is meant to be long)", got)
		}
		if got := shadowEval[string](p, `[...R.querySelectorAll('.m.b')].pop().querySelector('.jp').textContent`); got != "資料來源（3）與回饋 ↓" {
			t.Errorf("jump line %q", got)
		}
		p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelectorAll('.m.b .jp')[1]`)))
		if got := shadowEval[map[string]bool](p, visible); !got["sources"] || !got["feedback"] {
			t.Errorf("after the jump: %v, want the sources and 👍/👎 in view", got)
		}
		if got := shadowEval[string](p, `R.activeElement ? R.activeElement.className : ''`); got != "sc" {
			t.Errorf("focus after the jump on %q, want the sources", got)
		}
	})
}
