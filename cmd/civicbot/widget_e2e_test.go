package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const photoHost = "https://mcp.fda.gov.tw/insert/shapeImg/"

// TestWidgetEndToEnd is a citizen on the demo page: `civicbot serve` on the embedded
// store with the bundled open data, the real widget in a headless Chromium. The
// question is answered from TFDA data with dated sources, and the 👍 reaches the store.
// The widget's own tests (bot/web/widget_test.go) cover the rest against a fake API.
func TestWidgetEndToEnd(t *testing.T) {
	const question = "普拿疼的成分是什麼"
	browser := chromium(t)

	env := map[string]string{"CIVICBOT_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CIVICBOT_ADDR": "127.0.0.1:0"}
	start := time.Now()
	srv := startServe(t, env)
	t.Logf("serve: first start with the bundled data in %v", time.Since(start).Round(time.Millisecond))

	bctx, cancelBrowser := startBrowser(t, browser, 1280, 800)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	// Any uncaught exception, CSP violation (the demo page has a strict policy) or
	// request to another origin fails the test.
	var (
		mu       sync.Mutex
		problems []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = "uncaught exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				p += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") {
				p = "CSP violation: " + ev.Entry.Text
			}
		case *network.EventRequestWillBeSent:
			// Pill photos are asked of the TFDA's host, and failed below (no network).
			if u := ev.Request.URL; !strings.HasPrefix(u, srv.base) && !strings.HasPrefix(u, "data:") && u != "about:blank" && !strings.HasPrefix(u, photoHost) {
				p = "request to another origin: " + u
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
	}()

	// The photo host fails, as it does without network or under a host page's CSP:
	// the widget shows a labelled link instead.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: photoHost + "*"}}}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			go chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonInternetDisconnected})
		}
	}()

	// In the widget's shadow root, R.
	inShadow := func(expr string) string {
		return `(() => { const h = document.querySelector('civicbot-widget'); const R = h && h.shadowRoot; if (!R) return null; return (` + expr + `); })()`
	}
	el := func(css string) chromedp.JSPath {
		return chromedp.JSPath(`document.querySelector('civicbot-widget').shadowRoot.querySelector('` + css + `')`)
	}
	widgetText := func() string {
		c, stop := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer stop()
		s, _ := chromedp.Run(c, chromedp.Evaluate[string](inShadow(`R.querySelector('.lg') ? R.querySelector('.lg').innerText : ''`)))
		return s
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%v\nwidget text: %s", err, widgetText())
		}
	}
	waitFor := func(expr, what string, timeout time.Duration) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](inShadow(`!!(`+expr+`)`), chromedp.WithPollingTimeout(timeout))); err != nil {
			t.Fatalf("waiting for %s: %v\nwidget text: %s", what, err, widgetText())
		}
	}

	do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.base))
	waitFor(`R.querySelector('.bb')`, "the widget's bubble", 10*time.Second)
	do(chromedp.Click(el(".bb")))
	waitFor(`!R.querySelector('.p').hidden`, "the panel to open", 10*time.Second)
	do(chromedp.SendKeys(el("textarea"), question))
	waitFor(`!R.querySelector('.sd').disabled`, "the send button", 5*time.Second)
	asked := time.Now()
	do(chromedp.Click(el(".sd")))
	waitFor(`R.querySelectorAll('.m.b .fb').length === 1 && !R.querySelector('.lg').hasAttribute('aria-busy')`, "the answer to finish", 30*time.Second)
	t.Logf("answered in %v", time.Since(asked).Round(time.Millisecond))

	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](inShadow(`JSON.stringify((() => {
		const m = [...R.querySelectorAll('.m.b')].pop();
		return {
			user: R.querySelector('.m.u').textContent,
			text: m.querySelector('.bd').innerText,
			sources: [...m.querySelectorAll('.sc li')].map(li => ({href: li.querySelector('a') ? li.querySelector('a').href : '', meta: li.querySelector('.sm') ? li.querySelector('.sm').textContent : ''})),
			errors: [...R.querySelectorAll('.er')].map(e => e.textContent),
		};
	})())`)))
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		User    string
		Text    string
		Sources []struct{ Href, Meta string }
		Errors  []string
	}
	if err := json.Unmarshal([]byte(got), &ans); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if ans.User != "您說："+question {
		t.Errorf("question shown as %q", ans.User)
	}
	if !strings.Contains(ans.Text, "普拿疼") || !strings.Contains(ans.Text, "用藥提醒") {
		t.Errorf("answer without the drug or the 用藥提醒 framing:\n%s", ans.Text)
	}
	dated := regexp.MustCompile(`^食藥署藥品許可證 · 資料日期 \d{4}-\d{2}-\d{2}$`)
	linked := 0
	for _, s := range ans.Sources {
		if strings.HasPrefix(s.Href, "https://") && dated.MatchString(s.Meta) {
			linked++
		}
	}
	if linked == 0 {
		t.Errorf("no TFDA source with an https link and a date: %+v", ans.Sources)
	}
	if len(ans.Errors) > 0 {
		t.Errorf("error shown: %q", ans.Errors)
	}

	// The drug's photo could not load: a link to it, labelled, with its appearance.
	chromedp.Run(ctx, chromedp.Evaluate[string](inShadow(`(() => { const b = [...R.querySelectorAll('.m.b')].pop(), i = b.querySelector('img.ph'); if (i) i.scrollIntoView(); return ''; })()`)))
	waitFor(`[...R.querySelectorAll('.m.b')].pop().querySelector('a.pl')`, "the photo's fallback link", 10*time.Second)
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](inShadow(`(a => a.getAttribute('href') + ' ' + a.textContent)([...R.querySelectorAll('.m.b')].pop().querySelector('a.pl'))`))); !strings.HasPrefix(got, photoHost) || !strings.Contains(got, "外觀：") || !strings.HasSuffix(got, "外觀照片（另開新視窗）") {
		t.Errorf("photo fallback link %q: want the photo's address, labelled 外觀照片 with the appearance", got)
	}

	do(chromedp.Click(el(".fb .up")))
	waitFor(`R.querySelector('.fb .up').getAttribute('aria-pressed') === 'true' && R.querySelector('.nt').textContent !== ''`, "the 👍 to be sent", 10*time.Second)
	if note, _ := chromedp.Run(ctx, chromedp.Evaluate[string](inShadow(`R.querySelector('.nt').className + ' ' + R.querySelector('.nt').textContent`))); note != "nt 謝謝您的回饋！" {
		t.Errorf("after 👍: %q, want the thanks", note)
	}

	if os.Getenv("CIVICBOT_SCREENSHOTS") == "1" {
		waitFor(`R.querySelector('.p').getAnimations().every(a => a.playState === 'finished')`, "the animation to end", 5*time.Second)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join("testdata", "widget-e2e.png")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", name, len(png))
	}

	// The widget keeps the session and the answer's message ID in localStorage.
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`localStorage.getItem('civicbot:' + location.host)`))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		SID  string
		Msgs []struct{ R, ID, F string }
	}
	if err := json.Unmarshal([]byte(kept), &st); err != nil || len(st.Msgs) != 2 || st.Msgs[1].ID == "" || st.Msgs[1].F != "up" {
		t.Fatalf("widget storage %s: %v", kept, err)
	}
	id := st.Msgs[1].ID

	// The embedded store is locked while the server runs.
	cancel()
	cancelBrowser()
	srv.stop(t)
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler)}
	s, err := a.openStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if f, err := s.Feedback(t.Context(), id); err != nil || f.Rating != "up" {
		t.Errorf("stored feedback for %s: %+v, %v", id, f, err)
	}
	if turn, err := s.Turn(t.Context(), id); err != nil || turn.Channel != "web" || turn.SessionID != "web:"+st.SID || turn.Question != question {
		t.Errorf("stored turn %s: %+v, %v", id, turn, err)
	}
}
