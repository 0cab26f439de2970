package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// TestAccessibilityEndToEnd audits with axe-core (vendored in testdata/axe, injected:
// no network) what citizens and staff see on `civicbot serve` with the bundled data:
// the demo page with the widget open after a drug, a pill, a service and an
// emergency answer, at 360 and 1280 px, and every staff console page. A serious or
// critical violation fails. It also checks, on the real answers, what a citizen acts
// on: the pill photos (the TFDA's photo host is answered by the test with a stand-in
// picture: tests have no network), tel: links and the related questions. With
// CIVICBOT_SCREENSHOTS=1 it saves the README's pictures under docs/widget/.
func TestAccessibilityEndToEnd(t *testing.T) {
	browser := chromium(t)
	axe, err := os.ReadFile(filepath.Join("..", "..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVICBOT_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CIVICBOT_ADDR": "127.0.0.1:0"}
	srv := startServe(t, env)
	m := regexp.MustCompile(`(http://\S+/admin/link\?t=\S+)`).FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("serve printed no first admin's link:\n%s", srv.stderr.String())
	}
	adminLink := m[1]

	bctx, _ := startBrowser(t, browser, 1280, 800)
	ctx, cancel := context.WithTimeout(bctx, 240*time.Second)
	defer cancel()

	// The pill photos' host is answered here with a stand-in picture.
	photos := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://mcp.fda.gov.tw/*"}}}); err != nil {
		t.Fatal(err)
	}
	stand := standInPhoto()
	go func() {
		for ev, err := range photos {
			if err != nil {
				return
			}
			go chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "image/png"}}, Body: stand})
		}
	}()

	eval := func(expr string, await bool) string {
		t.Helper()
		opts := []chromedp.EvaluateOption{}
		if await {
			opts = append(opts, chromedp.EvalAwaitPromise)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, opts...))
		if err != nil {
			t.Fatalf("evaluate %.80s: %v", expr, err)
		}
		return s
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	inShadow := func(expr string) string {
		return `(() => { const h = document.querySelector('civicbot-widget'); const R = h && h.shadowRoot; if (!R) return null; return (` + expr + `); })()`
	}
	waitFor := func(expr, what string) {
		t.Helper()
		// A poll begun while a reload replaces the page can ask a context the reload has
		// just destroyed ("Cannot find context with specified id"): it is begun again, in
		// the new page, within the same 30 s.
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](inShadow(`!!(`+expr+`)`), chromedp.WithPollingTimeout(time.Until(deadline))))
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), "Cannot find context with specified id") && !strings.Contains(err.Error(), "Execution context was destroyed") || time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// audit runs axe on the page and fails on serious or critical violations.
	audit := func(what string) {
		t.Helper()
		if eval(`String(typeof axe)`, false) == "undefined" {
			eval(string(axe)+"\n;'ok'", false)
		}
		got := eval(`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations
			.filter(v => v.impact === 'serious' || v.impact === 'critical')
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}))))`, true)
		var vs []struct {
			ID, Impact, Help string
			Nodes            []string
		}
		if err := json.Unmarshal([]byte(got), &vs); err != nil {
			t.Fatalf("axe on %s: %v: %s", what, err, got)
		}
		for _, v := range vs {
			t.Errorf("%s: axe %s (%s): %s\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		}
		if len(vs) == 0 {
			t.Logf("%s: no serious or critical violations", what)
		}
	}
	shots := os.Getenv("CIVICBOT_SCREENSHOTS") == "1"
	shoot := func(name string) {
		if !shots {
			return
		}
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join("..", "..", "docs", "widget")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	questions := []struct{ name, q string }{
		{"drug", "普拿疼的成分是什麼"},
		{"pill", "白色圓形藥丸，上面寫 YSP"},
		{"service", "愛心悠遊卡遺失怎麼辦"},
		{"emergency", "我的小孩誤食了一整瓶藥"},
	}
	for _, w := range []int64{1280, 360} {
		do(chromedp.EmulateViewport(w, map[int64]int64{1280: 800, 360: 740}[w]), chromedp.Navigate(srv.base))
		eval(`localStorage.clear(), 'ok'`, false)
		do(chromedp.Reload())
		waitFor(`R.querySelector('.bb')`, "the widget's bubble")
		do(chromedp.Click(chromedp.JSPath(`document.querySelector('civicbot-widget').shadowRoot.querySelector('.bb')`)))
		waitFor(`!R.querySelector('.p').hidden && R.querySelector('.p').getAnimations().every(a => a.playState === 'finished')`, "the panel to open")
		for i, q := range questions {
			eval(inShadow(`(R.querySelector('textarea').value = `+jsString(q.q)+`, R.querySelector('textarea').dispatchEvent(new Event('input')), 'ok')`), false)
			do(chromedp.Click(chromedp.JSPath(`document.querySelector('civicbot-widget').shadowRoot.querySelector('.sd')`)))
			waitFor(fmt.Sprintf(`R.querySelectorAll('.m.b .fb').length === %d && !R.querySelector('.lg').hasAttribute('aria-busy')`, i+1), q.name+" answer")
			last := `[...R.querySelectorAll('.m.b')].pop()`
			switch q.name {
			case "pill":
				eval(inShadow(`(`+last+`.querySelector('img.ph').scrollIntoView(), 'ok')`), false)
				waitFor(last+`.querySelector('img.ph').complete`, "the photo")
				got := eval(inShadow(`JSON.stringify([...`+last+`.querySelectorAll('img.ph')].map(i => [i.alt, i.naturalWidth > 0, i.loading]))`), false)
				if !strings.Contains(got, `"\"永信\"特佳錠，外觀：白色 圓形，刻痕：無，尺寸：6.4 mm，標註：YSP 49",true,"lazy"`) {
					t.Errorf("pill photos %s, want the 特佳錠 photo loaded, lazily, with its appearance as alt", got)
				}
				eval(inShadow(`(R.querySelector('.lg').scrollTop = `+last+`.offsetTop - 12, 'ok')`), false)
			case "service":
				tels := eval(inShadow(`[...`+last+`.querySelectorAll('a[href^="tel:"]')].map(a => a.getAttribute('href')).join(' ')`), false)
				if !strings.Contains(tels, "tel:1999") || !strings.Contains(tels, "tel:4128880") {
					t.Errorf("service answer tel: links %q, want 1999 and the card's 412-8880", tels)
				}
				if n := eval(inShadow(`String(`+last+`.querySelectorAll('.rq button').length)`), false); n == "0" {
					t.Error("service answer: no related questions to click")
				}
			case "emergency":
				if tels := eval(inShadow(`[...`+last+`.querySelectorAll('a[href^="tel:"]')].map(a => a.getAttribute('href')).join(' ')`), false); !strings.Contains(tels, "tel:119") {
					t.Errorf("emergency answer tel: links %q, want 119", tels)
				}
			}
			audit(fmt.Sprintf("widget at %d px after the %s answer", w, q.name))
			if w == 360 && (q.name == "pill" || q.name == "service") || w == 1280 && q.name == "drug" {
				shoot(fmt.Sprintf("%s-%d", q.name, w))
			}
		}
	}

	// The staff console, signed in as the first admin.
	do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.base+"admin/"))
	audit("console sign-in page")
	do(chromedp.Navigate(adminLink), chromedp.WaitVisible("#password"))
	audit("console first sign-in link page")
	do(chromedp.SendKeys("#password", "correct horse battery"), chromedp.SendKeys("#password2", "correct horse battery"),
		chromedp.Submit("#password2"), chromedp.WaitVisible(".who"))
	for _, p := range []string{"", "conversations", "review", "curated", "curated/new", "synonyms", "try", "audit", "staff"} {
		do(chromedp.Navigate(srv.base+"admin/"+p), chromedp.WaitVisible("main"))
		audit("console /admin/" + p)
	}
	do(chromedp.Navigate(srv.base+"admin/try"), chromedp.WaitVisible("#message"), chromedp.SendKeys("#message", "普拿疼"), chromedp.Submit("#message"), chromedp.WaitVisible(".result"))
	audit("console /admin/try with a result")
	srv.stop(t)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// standInPhoto stands in for a TFDA pill photo: a white tablet on grey.
func standInPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 240, 160))
	for y := range 160 {
		for x := range 240 {
			dx, dy := float64(x-120)/70, float64(y-80)/70
			c := color.RGBA{0xc8, 0xcf, 0xd6, 0xff}
			if dx*dx+dy*dy <= 1 {
				c = color.RGBA{0xfa, 0xfa, 0xf7, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
