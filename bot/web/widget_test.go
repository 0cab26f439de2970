package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/civicbot/civicbot/prompts"
)

// The widget's tests drive the real widget.js and demo page in a headless Chromium
// against a fake of the chat API that speaks its wire format (SSE events delta,
// reset, sources, done, error; 429 with Retry-After; 400 with a reason).

const (
	panadolKey   = "衛署藥輸字第023624號"
	panadolTitle = "普拿疼膜衣錠５００毫克"
	// panadolShown is the title as the widget shows it: full-width digits in
	// ordinary width.
	panadolShown = "普拿疼膜衣錠500毫克"
	panadolURL   = "https://mcp.fda.gov.tw/im_detail_1/%E8%A1%9B%E7%BD%B2%E8%97%A5%E8%BC%B8%E5%AD%97%E7%AC%AC023624%E8%99%9F"
	snapshot     = "2026-09-29"
)

var panadolZH = "【普拿疼膜衣錠５００毫克】PANADOL FILM COATED CAPLETS 500MG\n\n" +
	"許可證字號：衛署藥輸字第023624號\n藥品類別：指示藥\n主成分：ACETAMINOPHEN 500 mg\n" +
	"外觀：白色 橢圓形，刻痕：直線，標註：P\n" +
	"外觀照片：https://mcp.fda.gov.tw/insert/shapeImg/38e1b5c6-3a40-4dec-b1e4-46d20c394742?c=o\n\n" +
	"用藥提醒：以上整理自衛生福利部食品藥物管理署的公開資料，不能取代醫師或藥師的判斷。" +
	"個人劑量、懷孕或哺乳、兒童或年長者用藥、與其他藥物併用，請詢問醫師或藥師。"

var panadolEN = "Panadol Film Coated Caplets 500 mg (PANADOL FILM COATED CAPLETS 500MG)\n\n" +
	"Licence: 衛署藥輸字第023624號\nCategory: pharmacist-directed\nMain ingredient: ACETAMINOPHEN 500 mg\n\n" +
	"This summary of TFDA open data does not replace a doctor or pharmacist. " +
	"Ask them about your own dose, pregnancy, children and other medicines."

// fakeAPI is the chat and feedback API of BRIEF.md, scripted by the question.
type fakeAPI struct {
	gate chan struct{} // when set, the default answer waits here after its first delta

	mu       sync.Mutex
	chats    []chatCall
	feedback []feedbackCall
	ids      map[string]bool
}

type chatCall struct {
	SessionID string `json:"session_id"`
	Message   string `json:"message"`
	Locale    string `json:"locale"`
	Accept    string `json:"-"`
}

type feedbackCall struct {
	MessageID string `json:"message_id"`
	Rating    string `json:"rating"`
	Comment   string `json:"comment"`
}

type source struct {
	Dataset  string  `json:"dataset"`
	Key      string  `json:"key"`
	Title    string  `json:"title"`
	URL      string  `json:"url"`
	Snapshot string  `json:"snapshot"`
	Images   []photo `json:"images,omitempty"`
}

type photo struct {
	URL string `json:"url"`
	Alt string `json:"alt"`
}

func (f *fakeAPI) calls() []chatCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatCall(nil), f.chats...)
}

func (f *fakeAPI) feedbacks() []feedbackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]feedbackCall(nil), f.feedback...)
}

func (f *fakeAPI) handleChat(w http.ResponseWriter, r *http.Request) {
	var in chatCall
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return
	}
	in.Accept = r.Header.Get("Accept")
	f.mu.Lock()
	f.chats = append(f.chats, in)
	id := fmt.Sprintf("m-%d", len(f.chats))
	if f.ids == nil {
		f.ids = map[string]bool{}
	}
	f.ids[id] = true
	f.mu.Unlock()

	switch q := in.Message; {
	case strings.Contains(q, "429"):
		w.Header().Set("Retry-After", "7")
		writeJSONError(w, http.StatusTooManyRequests, "too many requests: try again in 7 seconds")
		return
	case strings.Contains(q, "BAD"):
		writeJSONError(w, http.StatusBadRequest, "message: 1200 characters, at most 1000 are accepted")
		return
	}

	fl := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(name string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		fl.Flush()
	}
	deltas := func(text string, pause time.Duration) {
		for len(text) > 0 {
			n := 0
			for i := 0; i < 14 && n < len(text); i++ {
				_, size := utf8.DecodeRuneInString(text[n:])
				n += size
			}
			send("delta", map[string]string{"text": text[:n]})
			text = text[n:]
			time.Sleep(pause)
		}
	}
	done := func(mode string) { send("done", map[string]string{"message_id": id, "mode": mode}) }

	raw := func(s string) { fmt.Fprint(w, s); fl.Flush() }
	raw(": ping\n\n") // a heartbeat comment before anything

	switch q := in.Message; {
	case strings.Contains(q, "XSS"):
		deltas(`請看 <img src=x onerror="window.__xss=1"> 與 <script>window.__xss=2</script>`+"\n"+
			`連結 javascript:window.__xss=3 與 https://example.org/a?b=1&c=2).`, 0)
		send("sources", map[string]any{"sources": []source{
			{Dataset: "tfda_myth", Key: "k1", Title: `<b onmouseover="window.__xss=4">粗體</b>`, URL: "javascript:window.__xss=5", Snapshot: snapshot},
			{Dataset: "agency_page", Key: "k2", Title: "data URL", URL: "data:text/html,<script>parent.__xss=6</script>"},
		}})
		done("extractive")
	case strings.Contains(q, "RESET"):
		deltas("草稿：這段不該留下。", 10*time.Millisecond)
		send("reset", struct{}{})
		deltas("安全的回答。", 0)
		done("extractive")
	case strings.Contains(q, "ERROR"):
		deltas("部分的回答", 0)
		send("error", map[string]string{"message": "抱歉，系統暫時無法回答，請稍後再試，或撥打 1999 市民熱線。"})
	case strings.Contains(q, "HANG"):
		// A server stuck on its database: heartbeats, never an answer.
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				raw(": ping\n\n")
			}
		}
	case strings.Contains(q, "PILL"), strings.Contains(q, "SERVICE"):
		a := citizenAnswers(r)[q]
		deltas(a.text, 0)
		send("sources", map[string]any{"sources": a.sources})
		done("extractive")
	case strings.Contains(q, "DECLINED"):
		// The real template's declined answer, offering two records' questions, one of
		// them hostile.
		text, err := prompts.Render("zh-TW", "no_answer", []string{declinedHostile, "罰單要怎麼繳？"})
		if err != nil {
			panic(err)
		}
		deltas(text, 0)
		done("no_answer")
	case strings.Contains(q, "EMERGENCY"):
		deltas("這可能是緊急狀況。請立即撥打 119。\n毒藥物諮詢中心：(02) 2871-7121", 0)
		done("emergency")
	default:
		text := panadolZH
		if in.Locale == "en" {
			text = panadolEN
		}
		// The first delta, then (when gated) a pause the test controls.
		head := strings.SplitAfterN(text, "\n", 2)
		send("delta", map[string]string{"text": head[0]})
		if f.gate != nil {
			select {
			case <-f.gate:
			case <-r.Context().Done():
				return
			}
		}
		// An event split across writes, in its name and inside a character, to
		// exercise the client's buffering and UTF-8 decoding.
		rest := head[1]
		n := len(string([]rune(rest)[:3])) // "\n許可" in Chinese
		b, _ := json.Marshal(map[string]string{"text": rest[:n]})
		ev := "event: delta\ndata: " + string(b) + "\n\n"
		cut := len(ev) / 2
		if i := strings.IndexFunc(ev, func(r rune) bool { return r >= utf8.RuneSelf }); i >= 0 {
			cut = i + 1 // inside the character
		}
		raw(ev[:3])
		raw(ev[3:cut])
		raw(ev[cut:])
		deltas(rest[n:], 12*time.Millisecond)
		// CRLF line ends are SSE too.
		sb, _ := json.Marshal(map[string]any{"sources": []source{{
			Dataset: "tfda_drug", Key: panadolKey, Title: panadolTitle, URL: panadolURL, Snapshot: snapshot,
		}}})
		raw("event: sources\r\ndata: " + string(sb) + "\r\n\r\n")
		done("extractive")
	}
}

func (f *fakeAPI) handleFeedback(w http.ResponseWriter, r *http.Request) {
	var in feedbackCall
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "malformed JSON")
		return
	}
	f.mu.Lock()
	known := f.ids[in.MessageID]
	if known {
		f.feedback = append(f.feedback, in)
	}
	f.mu.Unlock()
	if !known {
		writeJSONError(w, http.StatusNotFound, "message_id: not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// demoCSP is the policy the server sends with the demo page.
const demoCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https://mcp.fda.gov.tw; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// newSite serves the static directory, the test pages and the fake API. Each test
// gets its own server, and so its own origin and its own localStorage.
func newSite(t *testing.T, api *fakeAPI) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	files := http.FileServerFS(os.DirFS("static"))
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Security-Policy", demoCSP)
		}
		files.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /hostile.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("testdata", "hostile.html"))
	})
	// host.html embeds the widget with the data- attributes given in the query,
	// on a page with no CSP (so that an injected handler would run).
	mux.HandleFunc("GET /host.html", func(w http.ResponseWriter, r *http.Request) {
		hostPage(w, r)
	})
	// strict.html forbids inline styles: the widget's Shadow DOM styles must still apply.
	mux.HandleFunc("GET /strict.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'")
		hostPage(w, r)
	})
	mux.HandleFunc("GET /pill.png", servePill)
	mux.HandleFunc("POST /api/v1/chat", api.handleChat)
	mux.HandleFunc("POST /api/v1/feedback", api.handleFeedback)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func hostPage(w http.ResponseWriter, r *http.Request) {
	var attrs strings.Builder
	for _, k := range []string{"title", "accent", "locale", "position", "greeting", "timeout"} {
		if v := r.URL.Query().Get(k); v != "" {
			fmt.Fprintf(&attrs, ` data-%s="%s"`, k, html.EscapeString(v))
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>host</title></head>
<body><h1>An agency page</h1><p>Some content.</p><script src="/widget.js"%s async></script></body></html>`, attrs.String())
}

// findBrowser finds Chromium or Chrome on PATH.
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts one headless browser for the test; each subtest opens a tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		const msg = "no Chromium on PATH (chromium, chromium-browser or google-chrome): run .ci/setup-chromium"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// The browser lives as long as the context of its first run: bctx, not a timeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return bctx
}

// page is one browser tab on one test site.
type page struct {
	t   *testing.T
	ctx context.Context
	srv *httptest.Server
	api *fakeAPI
}

// newPage opens a tab bounded by a timeout. It fails the test on any uncaught
// JavaScript exception, any CSP violation and any request to another origin.
func newPage(t *testing.T, browser context.Context, api *fakeAPI) *page {
	t.Helper()
	srv := newSite(t, api)
	tctx, cancelTab := chromedp.NewContext(browser)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(tctx, 30*time.Second)
	t.Cleanup(cancel)

	var (
		mu       sync.Mutex
		problems []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			p = fmt.Sprintf("uncaught exception: %s", d.Text)
			if d.Exception != nil {
				p += " " + d.Exception.Description
			}
		case *log.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") {
				p = "CSP violation: " + ev.Entry.Text
			}
		case *network.EventRequestWillBeSent:
			u := ev.Request.URL
			if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
				p = "request to another origin: " + u
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
	})
	return &page{t: t, ctx: ctx, srv: srv, api: api}
}

// shadow is the widget's shadow root, as a JavaScript expression.
const shadow = `document.querySelector('civicbot-widget').shadowRoot`

// inShadow wraps a JavaScript expression that reads R, the widget's shadow root.
func inShadow(expr string) string {
	return `(() => { const h = document.querySelector('civicbot-widget'); const R = h && h.shadowRoot; if (!R) return null; return (` + expr + `); })()`
}

// el selects an element inside the shadow root for chromedp's real mouse and keys.
func el(css string) chromedp.JSPath {
	q, _ := json.Marshal(css)
	return chromedp.JSPath(shadow + `.querySelector(` + string(q) + `)`)
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%v\nwidget text: %s", err, p.widgetText())
	}
}

func (p *page) open(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.srv.URL + path))
	p.waitFor(`!!R.querySelector('.bb')`, "the widget's bubble")
}

// eval runs a JavaScript expression in the page and decodes its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// shadowEval is eval with R bound to the widget's shadow root.
func shadowEval[T any](p *page, expr string) T {
	p.t.Helper()
	return eval[T](p, inShadow(expr))
}

// waitFor polls a shadow-root expression until it is true.
func (p *page) waitFor(expr, what string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](inShadow(`!!(`+expr+`)`), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		p.t.Fatalf("waiting for %s (%s): %v\nwidget text: %s", what, expr, err, p.widgetText())
	}
}

func (p *page) widgetText() string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](inShadow(`R.querySelector('.lg') ? R.querySelector('.lg').innerText : ''`)))
	return s
}

// lastAnswer is the text of the last answer's body.
const lastAnswer = `[...R.querySelectorAll('.m.b')].pop()`

// ask types a question into the textarea and presses Enter.
func (p *page) ask(q string) {
	p.t.Helper()
	shadowEval[bool](p, `(R.querySelector('textarea').value = '', true)`)
	p.do(chromedp.SendKeys(el("textarea"), q), enter)
}

// enter presses Enter as a browser does: a keydown the page may cancel, and no
// separate char event (chromedp's kb.Enter sends one, which would type a newline
// after the widget has taken the question).
var enter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		})
		if err != nil {
			return err
		}
	}
	return nil
})

// answered waits until n answers carry their feedback buttons (done arrived).
func (p *page) answered(n int) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`R.querySelectorAll('.m.b .fb').length >= %d && !R.querySelector('.lg').hasAttribute('aria-busy')`, n), fmt.Sprintf("answer %d to finish", n))
}

func TestWidget(t *testing.T) {
	browser := newBrowser(t)

	t.Run("demo page: stream, sources, feedback", func(t *testing.T) {
		api := &fakeAPI{gate: make(chan struct{})}
		p := newPage(t, browser, api)
		p.open("/")

		if got := eval[string](p, `document.title`); !strings.Contains(got, "政府用藥與市政服務小幫手") {
			t.Errorf("demo title = %q", got)
		}
		if got := shadowEval[string](p, `R.querySelector('.bb').getAttribute('aria-label') + '|' + R.querySelector('.bb').getAttribute('aria-expanded') + '|' + R.querySelector('.p').hidden`); got != "用藥與市政小幫手|false|true" {
			t.Errorf("bubble label|expanded|panel hidden = %q", got)
		}

		p.do(chromedp.Click(el(".bb")))
		p.waitFor(`!R.querySelector('.p').hidden`, "the panel to open")
		got := shadowEval[map[string]string](p, `({
			expanded: R.querySelector('.bb').getAttribute('aria-expanded'),
			role: R.querySelector('.p').getAttribute('role'),
			modal: R.querySelector('.p').getAttribute('aria-modal'),
			labelledby: R.getElementById(R.querySelector('.p').getAttribute('aria-labelledby')).textContent,
			log: R.querySelector('.lg').getAttribute('role') + ' ' + R.querySelector('.lg').getAttribute('aria-live'),
			label: R.querySelector('label[for=' + R.querySelector('textarea').id + ']').textContent,
			focus: R.activeElement ? R.activeElement.tagName : '',
			chips: [...R.querySelectorAll('.ch button')].map(b => b.textContent).join('|'),
			footer: R.querySelector('.mt span').textContent,
			counter: R.querySelector('.ct').textContent,
		})`)
		want := map[string]string{
			"expanded":   "true",
			"role":       "dialog",
			"modal":      "true",
			"labelledby": "用藥與市政小幫手",
			"log":        "log polite",
			"label":      "您的問題",
			"focus":      "TEXTAREA",
			"chips":      "白色圓形藥丸，上面寫 YSP|普拿疼的成分是什麼？|愛心悠遊卡遺失怎麼辦？",
			"footer":     "資料來自政府開放資料，不能取代醫師或藥師；緊急狀況請撥 119",
			"counter":    "0/1000",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}

		// A suggested question; the answer streams: its first line shows while the
		// server holds the rest back.
		p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelectorAll('.ch button')[1]`)))
		p.waitFor(lastAnswer+`.textContent.includes('【普拿疼膜衣錠')`, "the first delta")
		mid := shadowEval[map[string]any](p, `({
			busy: R.querySelector('.lg').getAttribute('aria-busy'),
			send: R.querySelector('.sd').disabled,
			done: !!R.querySelector('.fb'),
			rest: `+lastAnswer+`.textContent.includes('用藥提醒'),
			chips: !!R.querySelector('.ch'),
		})`)
		if mid["busy"] != "true" || mid["send"] != true || mid["done"] != false || mid["rest"] != false || mid["chips"] != false {
			t.Errorf("while streaming: %v, want busy log, send disabled, no feedback yet, rest not shown, chips gone", mid)
		}
		close(api.gate)
		p.answered(1)

		ans := shadowEval[map[string]string](p, `(() => {
			const m = `+lastAnswer+`, a = m.querySelector('.sc a'), t = m.querySelector('.bd a');
			return {
				user: R.querySelector('.m.u').textContent,
				text: m.querySelector('.bd').innerText,
				paragraphs: String(m.querySelectorAll('.bd p').length),
				src: a.firstChild.textContent, href: a.href, target: a.target, rel: a.rel,
				meta: m.querySelector('.sc .sm').textContent,
				inline: t.href + ' ' + t.target + ' ' + t.rel,
				up: m.querySelector('.fb .up').getAttribute('aria-label') + ' ' + m.querySelector('.fb .up').getAttribute('aria-pressed'),
			};
		})()`)
		wantAns := map[string]string{
			"user":       "您說：普拿疼的成分是什麼？",
			"paragraphs": "3",
			"src":        panadolShown,
			"href":       panadolURL,
			"target":     "_blank",
			"rel":        "noopener noreferrer",
			"meta":       "食藥署藥品許可證 · 資料日期 2026-09-29",
			"inline":     "https://mcp.fda.gov.tw/insert/shapeImg/38e1b5c6-3a40-4dec-b1e4-46d20c394742?c=o _blank noopener noreferrer",
			"up":         "有幫助 false",
		}
		for k, v := range wantAns {
			if ans[k] != v {
				t.Errorf("answer %s = %q, want %q", k, ans[k], v)
			}
		}
		if !strings.Contains(ans["text"], "主成分：ACETAMINOPHEN 500 mg") || !strings.Contains(ans["text"], "請詢問醫師或藥師。") {
			t.Errorf("answer text = %q, want the whole streamed answer", ans["text"])
		}

		calls := api.calls()
		if len(calls) != 1 {
			t.Fatalf("chat calls = %d, want 1", len(calls))
		}
		c := calls[0]
		if c.Message != "普拿疼的成分是什麼？" || c.Locale != "zh-TW" || !strings.Contains(c.Accept, "text/event-stream") ||
			!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(c.SessionID) {
			t.Errorf("chat request = %+v", c)
		}

		// 👍: stored by the fake, shown as pressed, thanked.
		p.do(chromedp.Click(el(".fb .up")))
		p.waitFor(`R.querySelector('.nt').textContent === '謝謝您的回饋！'`, "the thanks")
		if got := shadowEval[string](p, `R.querySelector('.fb .up').getAttribute('aria-pressed') + ' ' + R.querySelector('.fb .dn').getAttribute('aria-pressed')`); got != "true false" {
			t.Errorf("aria-pressed up, down = %q", got)
		}
		if fb := api.feedbacks(); len(fb) != 1 || fb[0] != (feedbackCall{MessageID: "m-1", Rating: "up"}) {
			t.Errorf("feedback stored = %+v, want one {m-1 up}", fb)
		}

		// Typing: Shift+Enter is a new line, Enter sends; the counter counts.
		p.do(
			chromedp.SendKeys(el("textarea"), "第一行"),
			chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)),
			chromedp.SendKeys(el("textarea"), "第二行"),
		)
		if got := shadowEval[string](p, `R.querySelector('textarea').value + '|' + R.querySelector('.ct').textContent`); got != "第一行\n第二行|7/1000" {
			t.Errorf("after Shift+Enter: value|counter = %q", got)
		}
		if n := len(api.calls()); n != 1 {
			t.Errorf("Shift+Enter sent a request (%d calls)", n)
		}
		p.do(enter)
		p.answered(2)
		if calls := api.calls(); len(calls) != 2 || calls[1].Message != "第一行\n第二行" || calls[1].SessionID != c.SessionID {
			t.Errorf("second request = %+v, want the two lines in the same session", calls[len(calls)-1])
		}
		if got := shadowEval[string](p, `R.querySelector('textarea').value + '|' + R.querySelector('.ct').textContent + '|' + R.querySelector('textarea').maxLength`); got != "|0/1000|1000" {
			t.Errorf("after sending: value|counter|maxLength = %q", got)
		}
	})

	t.Run("hostile host page", func(t *testing.T) {
		api := &fakeAPI{}
		p := newPage(t, browser, api)
		p.open("/hostile.html")

		b := shadowEval[map[string]float64](p, `(() => {
			const r = R.querySelector('.bb').getBoundingClientRect();
			const hit = R.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
			const de = document.documentElement;
			return {w: r.width, h: r.height, right: de.clientWidth - r.right, bottom: de.clientHeight - r.bottom,
				hit: hit === R.querySelector('.bb') || R.querySelector('.bb').contains(hit) ? 1 : 0};
		})()`)
		if b["w"] != 60 || b["h"] != 60 || b["right"] != 20 || b["bottom"] != 20 || b["hit"] != 1 {
			t.Errorf("bubble on the hostile page: %v, want a 60x60 button 20 px from the corner, on top", b)
		}
		p.do(chromedp.Click(el(".bb")))
		p.waitFor(`!R.querySelector('.p').hidden`, "the panel to open")
		p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelector('.ch button')`)))
		p.answered(1)

		got := shadowEval[map[string]any](p, `(() => {
			const cs = e => getComputedStyle(R.querySelector(e));
			const pr = R.querySelector('.p').getBoundingClientRect();
			const a = R.querySelector('.sc a');
			return {
				panelW: pr.width, panelH: pr.height,
				font: cs('.bd p').fontSize, color: cs('.bd p').color, family: cs('.bd p').fontFamily,
				taW: R.querySelector('textarea').getBoundingClientRect().width,
				linkDisplay: getComputedStyle(a).display, linkColor: getComputedStyle(a).color,
				svg: cs('.sd svg').display,
				src: a.firstChild.textContent,
				text: `+lastAnswer+`.textContent.includes('主成分'),
				// The page is as it was: no new globals but one, no new style sheets.
				globals: Object.keys(window).filter(k => !window.__globals.includes(k) && k !== '__globals' && k !== '__sheets').join(','),
				sheets: document.styleSheets.length - window.__sheets,
				hostFont: getComputedStyle(document.querySelector('h1')).fontSize,
				hostButton: getComputedStyle(document.querySelector('main button')).display,
			};
		})()`)
		if got["panelW"].(float64) != 390 || got["panelH"].(float64) < 500 {
			t.Errorf("panel %vx%v, want 390 wide and tall", got["panelW"], got["panelH"])
		}
		if got["font"] != "15px" || got["color"] == "rgb(255, 0, 0)" || strings.Contains(got["family"].(string), "Comic") {
			t.Errorf("answer text styled by the host page: %v %v %v", got["font"], got["color"], got["family"])
		}
		if got["taW"].(float64) < 200 || got["linkDisplay"] == "none" || got["linkColor"] == "rgb(255, 0, 0)" || got["svg"] != "block" {
			t.Errorf("controls styled by the host page: textarea %v wide, link %v %v, icons %v", got["taW"], got["linkDisplay"], got["linkColor"], got["svg"])
		}
		if got["src"] != panadolShown || got["text"] != true {
			t.Errorf("answer on the hostile page: source %v, text shown %v", got["src"], got["text"])
		}
		if got["globals"] != "civicbot" || got["sheets"].(float64) != 0 {
			t.Errorf("the widget changed the page: new globals %q, new style sheets %v", got["globals"], got["sheets"])
		}
		if got["hostFont"] != "40px" || got["hostButton"] != "none" {
			t.Errorf("the host page's own styles changed: h1 %v, button %v", got["hostFont"], got["hostButton"])
		}
	})

	t.Run("answers render as text: no XSS", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/host.html")
		p.do(chromedp.Click(el(".bb")))
		p.ask("XSS test")
		p.answered(1)
		got := eval[map[string]any](p, inShadow(`({
			xss: window.__xss === undefined ? 'undefined' : String(window.__xss),
			imgs: R.querySelectorAll('img, script, b, iframe').length,
			text: `+lastAnswer+`.querySelector('.bd').textContent,
			hrefs: [...R.querySelectorAll('a')].map(a => a.href),
			titles: [...R.querySelectorAll('.sc li')].map(li => li.firstChild.tagName + ':' + li.firstChild.textContent),
		})`))
		if got["xss"] != "undefined" || got["imgs"].(float64) != 0 {
			t.Errorf("server HTML ran or was parsed: window.__xss %v, elements %v", got["xss"], got["imgs"])
		}
		if s := got["text"].(string); !strings.Contains(s, `<img src=x onerror="window.__xss=1">`) || !strings.Contains(s, `<script>window.__xss=2</script>`) {
			t.Errorf("the answer's markup is not shown literally: %q", s)
		}
		hrefs := fmt.Sprint(got["hrefs"])
		if hrefs != "[https://example.org/a?b=1&c=2]" {
			t.Errorf("links = %s, want only the http(s) URL, without the trailing ').'", hrefs)
		}
		if ts := fmt.Sprint(got["titles"]); ts != `[SPAN:<b onmouseover="window.__xss=4">粗體</b> SPAN:data URL]` {
			t.Errorf("sources with unsafe URLs = %s, want plain text", ts)
		}
	})

	t.Run("reset discards the streamed text", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/host.html")
		p.do(chromedp.Click(el(".bb")))
		p.ask("RESET please")
		p.answered(1)
		if got := shadowEval[string](p, lastAnswer+`.querySelector('.bd').textContent`); got != "安全的回答。" {
			t.Errorf("answer after reset = %q, want only the text after it", got)
		}
	})

	t.Run("errors: 429, 400, error event, server gone", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/host.html")
		p.do(chromedp.Click(el(".bb")))
		errText := lastAnswer + `.querySelector('.er')`

		p.ask("429 please")
		p.waitFor(errText, "the rate-limit message")
		if got := shadowEval[string](p, errText+`.textContent + '|' + R.querySelector('textarea').value + '|' + R.querySelector('.sd').disabled`); got != "太多人在問了，請 7 秒後再試|429 please|false" {
			t.Errorf("429: message|textarea|send disabled = %q, want the retry message and the question back to resend", got)
		}

		p.ask("BAD please")
		p.waitFor(errText+` && `+errText+`.textContent.includes('1200')`, "the 400 reason")
		if got := shadowEval[string](p, errText+`.textContent`); got != "無法送出這個問題：message: 1200 characters, at most 1000 are accepted" {
			t.Errorf("400 message = %q", got)
		}

		p.ask("ERROR please")
		p.waitFor(errText+` && `+errText+`.textContent.includes('1999')`, "the error event")
		if got := shadowEval[string](p, lastAnswer+`.querySelector('.bd').textContent`); got != "部分的回答" {
			t.Errorf("text before the error event = %q", got)
		}

		p.srv.Close()
		p.ask("anyone there?")
		p.waitFor(errText+` && `+errText+`.textContent === '無法連線，請稍後再試'`, "the unreachable message")
		if got := shadowEval[bool](p, `R.querySelector('.sd').disabled === false && !R.querySelector('.lg').hasAttribute('aria-busy')`); !got {
			t.Error("the widget stays busy after a failed request")
		}
	})

	t.Run("a stuck server: heartbeats do not extend the answer's deadline", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/host.html?timeout=1")
		p.do(chromedp.Click(el(".bb")))
		errText := lastAnswer + `.querySelector('.er')`
		p.ask("HANG please")
		// waitFor gives up after 10 s, ten times the widget's deadline: a widget that
		// keeps waiting while heartbeats come never shows the message.
		p.waitFor(errText+` && `+errText+`.textContent.includes('1999')`, "the sorry-call-1999 message")
		if got := shadowEval[string](p, errText+`.textContent + '|' + R.querySelector('textarea').value + '|' + R.querySelector('.lg').hasAttribute('aria-busy')`); got != "抱歉，系統暫時無法回答，請稍後再試，或撥打 1999 市民熱線。|HANG please|false" {
			t.Errorf("after the deadline: message|textarea|busy = %q, want the friendly error, the question back to resend, not busy", got)
		}
	})

	t.Run("emergency answers stand out with tappable numbers", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/host.html")
		p.do(chromedp.Click(el(".bb")))
		p.ask("EMERGENCY")
		p.answered(1)
		got := shadowEval[string](p, `(() => { const m = `+lastAnswer+`; return m.className + '|' + m.querySelector('strong').textContent + '|' + [...m.querySelectorAll('.bd a')].map(a => a.getAttribute('href')).join(' '); })()`)
		if got != "m b em|緊急狀況|tel:119 tel:0228717121" {
			t.Errorf("emergency answer = %q", got)
		}
	})

	t.Run("keyboard: focus trap, Esc returns focus", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.open("/host.html")
		// Answer once, so that the panel has links and feedback buttons to tab through.
		p.do(chromedp.Click(el(".bb")))
		p.ask("普拿疼")
		p.answered(1)
		p.do(chromedp.KeyEvent(kb.Escape))
		p.waitFor(`R.querySelector('.p').hidden`, "Esc to close the panel")

		// Open from the keyboard.
		p.do(chromedp.Focus(el(".bb")), chromedp.KeyEvent(kb.Enter))
		p.waitFor(`!R.querySelector('.p').hidden && R.activeElement === R.querySelector('textarea')`, "focus in the textarea")
		inPanel := `R.querySelector('.p').contains(R.activeElement) && document.activeElement === document.querySelector('civicbot-widget')`
		seen := map[string]bool{}
		for i := range 14 {
			p.do(chromedp.KeyEvent(kb.Tab))
			if !shadowEval[bool](p, inPanel) {
				t.Fatalf("Tab %d left the panel", i+1)
			}
			seen[shadowEval[string](p, `R.activeElement.className || R.activeElement.tagName`)] = true
		}
		for i := range 14 {
			p.do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
			if !shadowEval[bool](p, inPanel) {
				t.Fatalf("Shift+Tab %d left the panel", i+1)
			}
		}
		for _, want := range []string{"ib", "lg", "A", "up", "TEXTAREA"} {
			if !seen[want] {
				t.Errorf("Tab never reached %q (saw %v)", want, seen)
			}
		}
		outline := shadowEval[string](p, `getComputedStyle(R.activeElement).outlineStyle`)
		if outline == "none" {
			t.Error("the focused control has no visible focus ring")
		}

		p.do(chromedp.KeyEvent(kb.Escape))
		p.waitFor(`R.querySelector('.p').hidden`, "Esc to close the panel")
		got := shadowEval[string](p, `(R.activeElement === R.querySelector('.bb')) + ' ' + (document.activeElement === document.querySelector('civicbot-widget')) + ' ' + R.querySelector('.bb').getAttribute('aria-expanded') + ' ' + getComputedStyle(R.querySelector('.bb')).outlineStyle`)
		if got != "true true false solid" {
			t.Errorf("after Esc: focus on bubble, host focused, expanded, focus ring = %q", got)
		}
	})

	t.Run("reload keeps the session and the transcript", func(t *testing.T) {
		api := &fakeAPI{}
		p := newPage(t, browser, api)
		p.open("/host.html")
		p.do(chromedp.Click(el(".bb")))
		p.ask("普拿疼")
		p.answered(1)
		p.do(chromedp.Click(el(".fb .up")))
		p.waitFor(`R.querySelector('.nt').textContent !== ''`, "the thanks")

		p.do(chromedp.Reload())
		p.waitFor(`!!R.querySelector('.bb')`, "the widget after reload")
		p.do(chromedp.Click(el(".bb")))
		got := shadowEval[string](p, `[R.querySelectorAll('.m.u').length, R.querySelector('.m.u').textContent, `+lastAnswer+`.textContent.includes('主成分'), R.querySelector('.sc a').firstChild.textContent, R.querySelector('.fb .up').getAttribute('aria-pressed'), !!R.querySelector('.ch')].join('|')`)
		if want := "1|您說：普拿疼|true|" + panadolShown + "|true|false"; got != want {
			t.Errorf("restored transcript = %q, want %q", got, want)
		}
		p.ask("第二個問題")
		p.answered(2)
		calls := api.calls()
		if len(calls) != 2 || calls[1].SessionID != calls[0].SessionID {
			t.Errorf("session after reload: %+v", calls)
		}

		// A new conversation forgets both.
		p.do(chromedp.Click(el(".hd .ib")))
		p.waitFor(`!!R.querySelector('.ch') && !R.querySelector('.m.u')`, "a fresh conversation with suggestions")
		p.ask("第三個問題")
		p.answered(1)
		if calls := api.calls(); calls[2].SessionID == calls[0].SessionID {
			t.Error("a new conversation kept the old session ID")
		}
	})

	t.Run("English, accent, left, strict CSP", func(t *testing.T) {
		api := &fakeAPI{}
		p := newPage(t, browser, api)
		p.open("/strict.html?locale=en&title=City+helper&accent=%230a7d5a&position=left")
		got := shadowEval[map[string]any](p, `(() => {
			const b = R.querySelector('.bb'), r = b.getBoundingClientRect();
			return {label: b.getAttribute('aria-label'), bg: getComputedStyle(b).backgroundColor, left: r.left, w: r.width,
				lang: R.querySelector('.w').lang};
		})()`)
		if got["label"] != "City helper" || got["bg"] != "rgb(10, 125, 90)" || got["left"].(float64) != 20 || got["w"].(float64) != 60 || got["lang"] != "en" {
			t.Errorf("bubble = %v, want English title, the accent, on the left, styled under a strict CSP", got)
		}
		p.do(chromedp.Click(el(".bb")))
		p.waitFor(`!R.querySelector('.p').hidden`, "the panel to open")
		chips := shadowEval[string](p, `[...R.querySelectorAll('.ch button')].map(b => b.textContent).join('|')`)
		if chips != "A white round pill marked YSP|What is in Panadol?|I lost my concession EasyCard. What should I do?" {
			t.Errorf("English chips = %q", chips)
		}
		p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelectorAll('.ch button')[1]`)))
		p.answered(1)
		ans := shadowEval[string](p, `[R.querySelector('.sc h3').textContent, R.querySelector('.sc .sm').textContent, R.querySelector('.fb .up').getAttribute('aria-label'), R.querySelector('.mt span').textContent, R.querySelector('textarea').placeholder].join('|')`)
		if want := "Sources|TFDA drug licence · Data as of 2026-09-29|Helpful|From government open data; not a substitute for a doctor or pharmacist. In an emergency call 119.|Type your question"; ans != want {
			t.Errorf("English answer = %q\nwant %q", ans, want)
		}
		if c := api.calls(); len(c) != 1 || c[0].Locale != "en" || c[0].Message != "What is in Panadol?" {
			t.Errorf("English request = %+v", c)
		}
	})

	t.Run("reduced motion", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		p.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
			})
			return err
		}))
		p.open("/host.html")
		p.do(chromedp.Click(el(".bb")))
		p.waitFor(`!R.querySelector('.p').hidden`, "the panel to open")
		if got := shadowEval[string](p, `getComputedStyle(R.querySelector('.p')).animationName + ' ' + getComputedStyle(R.querySelector('.bb')).transitionDuration`); got != "none 0s" {
			t.Errorf("with reduced motion: panel animation, bubble transition = %q, want none 0s", got)
		}
	})

	t.Run("layout at 1280 and 360 px; screenshots", func(t *testing.T) {
		p := newPage(t, browser, &fakeAPI{})
		shots := os.Getenv("CIVICBOT_SCREENSHOTS") == "1"
		for _, size := range []struct{ w, h int64 }{{1280, 800}, {360, 740}} {
			p.do(chromedp.EmulateViewport(size.w, size.h))
			p.open("/")
			p.do(chromedp.Click(el(".bb")))
			p.waitFor(`!R.querySelector('.p').hidden`, "the panel to open")
			if size.w == 1280 {
				p.do(chromedp.Click(chromedp.JSPath(shadow + `.querySelectorAll('.ch button')[1]`)))
				p.answered(1)
			} else {
				p.waitFor(`R.querySelectorAll('.m.b .fb').length === 1`, "the restored answer")
			}
			// Let the panel's opening animation end before measuring.
			p.waitFor(`R.querySelector('.p').getAnimations().every(a => a.playState === 'finished')`, "the animation to end")
			r := shadowEval[map[string]float64](p, `(() => { const r = R.querySelector('.p').getBoundingClientRect(), lg = R.querySelector('.lg');
				const de = document.documentElement;
				return {x: r.x, y: r.y, w: r.width, h: r.height, right: de.clientWidth - r.right, overflow: de.scrollWidth - de.clientWidth,
					logOverflow: lg.scrollWidth - lg.clientWidth}; })()`)
			if size.w == 360 && (r["x"] != 0 || r["y"] != 0 || r["w"] != 360 || r["h"] != 740) {
				t.Errorf("at 360 px the panel is %v, want full screen", r)
			}
			if size.w == 1280 && (r["w"] != 390 || r["right"] != 20) {
				t.Errorf("at 1280 px the panel is %v, want 390 wide at the right", r)
			}
			if r["overflow"] > 0 || r["logOverflow"] > 0 {
				t.Errorf("at %d px content overflows sideways: %v", size.w, r)
			}
			if !shots {
				continue
			}
			png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join("testdata", fmt.Sprintf("widget-%d.png", size.w))
			if err := os.WriteFile(name, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", name, len(png))
		}
	})
}

// TestWidgetSize keeps the widget small and free of HTML parsing and other servers.
func TestWidgetSize(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("static", "widget.js"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(src)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("widget.js: %d bytes, %d gzipped", len(src), buf.Len())
	if buf.Len() > 25*1024 {
		t.Errorf("widget.js is %d bytes gzipped, the budget is 25 KB", buf.Len())
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "createContextualFragment", "DOMParser"} {
		if bytes.Contains(src, []byte(bad)) {
			t.Errorf("widget.js uses %s: server text must only ever be set as text", bad)
		}
	}
	// The only absolute URL is the SVG namespace: no fonts, CDNs or other servers.
	for _, u := range regexp.MustCompile(`https?://[^\s'"<>)]+`).FindAll(src, -1) {
		if s := string(u); s != "http://www.w3.org/2000/svg" && !strings.HasPrefix(s, "https://HOST/") {
			t.Errorf("widget.js names another server: %s", s)
		}
	}
	page, err := os.ReadFile(filepath.Join("static", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\s(src|href)\s*=\s*["']?(https?:)?//`).Find(page); m != nil {
		t.Errorf("index.html loads from another server: %s", m)
	}
	if !bytes.Contains(page, []byte(`<script src="/widget.js" async></script>`)) {
		t.Error("index.html does not embed the widget with one script tag")
	}
}
