package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestConsoleEndToEnd is the staff loop in a real Chromium on `civicbot serve` with the
// embedded default: a citizen asks in the widget and presses 👎 → the first admin
// signs in with the link serve printed and adds an editor and an approver → the editor
// finds the question in the review queue and drafts a curated answer → the approver
// approves it → the same question in the widget gets the curated answer → the audit log
// shows each step. A question carrying markup is shown as text on every page, and no
// script of a citizen's runs. With CIVICBOT_SCREENSHOTS=1 every page is saved at 1280
// and 768 px under docs/console/.
func TestConsoleEndToEnd(t *testing.T) {
	browser := chromium(t)
	env := map[string]string{"CIVICBOT_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CIVICBOT_ADDR": "127.0.0.1:0"}
	srv := startServe(t, env)
	m := regexp.MustCompile(`(http://\S+/admin/link\?t=\S+)`).FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("serve printed no first admin's link:\n%s", srv.stderr.String())
	}
	adminLink := m[1]

	root, _ := startBrowser(t, browser, 1280, 900)

	var (
		mu       sync.Mutex
		problems []string
	)
	// person opens a browser context of its own (its own cookies), as another person
	// at another computer would; script dialogs and exceptions fail the test.
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
		t.Cleanup(cancelT)
		if err := chromedp.Listen(ctx, func(ev any) {
			var p string
			switch ev := ev.(type) {
			case *page.EventJavascriptDialogOpening:
				p = "a script dialog opened: " + ev.Message
			case *runtime.EventExceptionThrown:
				p = "uncaught exception: " + ev.ExceptionDetails.Text
			}
			if p != "" {
				mu.Lock()
				problems = append(problems, p)
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
	}()
	do := func(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			body, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ''`))
			t.Fatalf("%v\npage text: %s", err, body)
		}
	}
	text := func(ctx context.Context, expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shots := os.Getenv("CIVICBOT_SCREENSHOTS") == "1"
	shoot := func(ctx context.Context, name string) {
		if !shots {
			return
		}
		t.Helper()
		dir := filepath.Join("..", "..", "docs", "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int64{1280, 768} {
			do(ctx, chromedp.EmulateViewport(w, 900))
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+strconv.FormatInt(w, 10)+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		do(ctx, chromedp.EmulateViewport(1280, 900))
	}
	signIn := func(ctx context.Context, link string) {
		t.Helper()
		do(ctx, chromedp.Navigate(link), chromedp.WaitVisible("#password"),
			chromedp.SendKeys("#password", "correct horse battery"), chromedp.SendKeys("#password2", "correct horse battery"),
			chromedp.Submit("#password2"), chromedp.WaitVisible(".who"))
	}

	// A citizen asks, and presses 👎; another asks with markup in the question.
	const question = "市民卡掉了要去哪裡補辦"
	hostile := `<img src=x onerror=alert(1)><script>alert(2)</script>敬老卡遺失`
	citizen := person()
	ask := func(q string) string {
		t.Helper()
		in := func(expr string) string {
			return `(() => { const R = document.querySelector('civicbot-widget').shadowRoot; return (` + expr + `); })()`
		}
		n := text(citizen, in(`String(R.querySelectorAll('.m.b .fb').length)`))
		do(citizen, chromedp.SendKeys(chromedp.JSPath(`document.querySelector('civicbot-widget').shadowRoot.querySelector('textarea')`), q),
			chromedp.Click(chromedp.JSPath(`document.querySelector('civicbot-widget').shadowRoot.querySelector('.sd')`)))
		if _, err := chromedp.Run(citizen, chromedp.Poll[bool](in(`R.querySelectorAll('.m.b .fb').length > `+n+` && !R.querySelector('.lg').hasAttribute('aria-busy')`), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("waiting for the answer to %q: %v", q, err)
		}
		return text(citizen, in(`[...R.querySelectorAll('.m.b')].pop().querySelector('.bd').innerText`))
	}
	do(citizen, chromedp.Navigate(srv.base))
	if _, err := chromedp.Run(citizen, chromedp.Poll[bool](`!!(document.querySelector('civicbot-widget') && document.querySelector('civicbot-widget').shadowRoot.querySelector('.bb'))`)); err != nil {
		t.Fatal(err)
	}
	do(citizen, chromedp.Click(chromedp.JSPath(`document.querySelector('civicbot-widget').shadowRoot.querySelector('.bb')`)))
	first := ask(question)
	do(citizen, chromedp.Click(chromedp.JSPath(`[...document.querySelector('civicbot-widget').shadowRoot.querySelectorAll('.m.b')].pop().querySelector('.fb .dn')`)))
	if _, err := chromedp.Run(citizen, chromedp.Poll[bool](`document.querySelector('civicbot-widget').shadowRoot.querySelector('.fb .dn').getAttribute('aria-pressed') === 'true'`)); err != nil {
		t.Fatal(err)
	}
	// The server has kept the rating once the widget thanks for it and offers the form
	// for a reason (both only after the feedback request succeeded).
	if _, err := chromedp.Run(citizen, chromedp.Poll[bool](`[...document.querySelector('civicbot-widget').shadowRoot.querySelectorAll('.m.b')].pop().querySelector('.fb .cf') !== null`)); err != nil {
		t.Fatal(err)
	}
	ask(hostile)

	// The first admin signs in and adds an editor and an approver.
	admin := person()
	signIn(admin, adminLink)
	shoot(admin, "overview")
	links := map[string]string{}
	for _, p := range []struct{ email, role string }{{"editor@agency.gov.tw", "editor"}, {"approver@agency.gov.tw", "approver"}} {
		do(admin, chromedp.Navigate(srv.base+"admin/staff"), chromedp.WaitVisible("#inv-email"),
			chromedp.SendKeys("#inv-email", p.email), chromedp.SetValue("#inv-role", p.role), chromedp.Submit("#inv-email"),
			chromedp.WaitVisible("#secret"))
		links[p.role] = text(admin, `document.getElementById('secret').textContent`)
	}
	shoot(admin, "staff")
	do(admin, chromedp.Navigate(srv.base+"admin/conversations"), chromedp.WaitVisible("table.turns"))
	shoot(admin, "conversations")
	page := text(admin, `document.querySelector('table.turns').innerText`)
	if !strings.Contains(page, "<script>alert(2)</script>") {
		t.Errorf("the citizen's markup is not shown as text in the conversations:\n%s", page)
	}
	if n := text(admin, `String(document.querySelectorAll('main img, main script').length)`); n != "0" {
		t.Errorf("the conversations page has %s img/script elements in main: a citizen's markup became markup", n)
	}

	// The editor finds the question in the review queue and drafts an answer.
	editor := person()
	signIn(editor, links["editor"])
	do(editor, chromedp.Navigate(srv.base+"admin/review"), chromedp.WaitVisible("article.item"))
	shoot(editor, "review")
	queue := text(editor, `document.querySelector('main').innerText`)
	if !strings.Contains(queue, question) || !strings.Contains(queue, "<script>alert(2)</script>") {
		t.Fatalf("the review queue does not show the disliked question and the markup as text:\n%s", queue)
	}
	do(editor, chromedp.Click(`//article[contains(., "`+question+`")]//a[contains(@href, "/admin/curated/new")]`), chromedp.WaitVisible("#answer"))
	if q := text(editor, `document.getElementById('questions').value`); !strings.Contains(q, question) {
		t.Errorf("the draft is not pre-filled with the question: %q", q)
	}
	found := text(editor, `(document.querySelector('ul.found code') || {}).textContent || ''`)
	const curatedText = "市民卡遺失請向臺北市民卡服務中心申請補發，並攜帶身分證件。"
	do(editor, chromedp.SendKeys("#answer", curatedText), chromedp.SendKeys("#sources", found))
	shoot(editor, "curated-new")
	do(editor, chromedp.Submit("#answer"), chromedp.WaitVisible(".flash"))
	shoot(editor, "curated")

	// The approver approves it.
	approver := person()
	signIn(approver, links["approver"])
	do(approver, chromedp.Navigate(srv.base+"admin/curated"), chromedp.WaitVisible("table"),
		chromedp.Click(`//tr[contains(., "`+question+`")]//button[contains(., "核准")]`), chromedp.WaitVisible(".flash"))
	if status := text(approver, `document.querySelector('main table tbody tr td').textContent`); status != "approved" {
		t.Errorf("after approval the answer is %q", status)
	}

	// The citizen asks again and gets the curated answer.
	if got := ask(question); !strings.Contains(got, curatedText) {
		t.Errorf("after approval the widget answered:\n%s\n(first answer was:\n%s)", got, first)
	}

	// Try it, and the audit log with each step.
	do(approver, chromedp.Navigate(srv.base+"admin/try"), chromedp.SendKeys("#message", question), chromedp.Submit("#message"), chromedp.WaitVisible(".result"))
	if mode := text(approver, `document.querySelector('.result .mode').textContent`); mode != "curated" {
		t.Errorf("try it: mode %q, want curated", mode)
	}
	shoot(approver, "try")
	do(admin, chromedp.Navigate(srv.base+"admin/sources?q="+url.QueryEscape("市民卡遺失")), chromedp.WaitVisible("table.docs"))
	shoot(admin, "sources")
	if n := text(admin, `String(document.querySelectorAll('table.docs tbody tr').length)`); n == "0" {
		t.Error("the document browser found nothing for 市民卡遺失")
	}

	// The editor proposes suppressing a document from the sources page; it waits there
	// until the approver, another person, approves it: then it is suppressed at once.
	do(editor, chromedp.Navigate(srv.base+"admin/sources?q="+url.QueryEscape("市民卡遺失")), chromedp.WaitVisible("table.docs"))
	target := text(editor, `document.querySelector('table.docs tbody tr span.meta').textContent`)
	if n := text(editor, `String(document.querySelectorAll('table.docs button[formaction]').length)`); n != "0" {
		t.Errorf("the editor is offered %s direct suppressions", n)
	}
	do(editor, chromedp.SendKeys(`table.docs tbody tr:first-child input[name=reason]`, "內容過時"),
		chromedp.Click(`table.docs tbody tr:first-child button[type=submit]`), chromedp.WaitVisible(".flash"))
	if pending := text(editor, `document.querySelector('table.proposals').innerText`); !strings.Contains(pending, target) || !strings.Contains(pending, "editor@agency.gov.tw") {
		t.Errorf("the editor's proposal does not wait on the sources page:\n%s", pending)
	}
	do(approver, chromedp.Navigate(srv.base+"admin/sources"), chromedp.WaitVisible("table.proposals"))
	shoot(approver, "sources-proposals")
	do(approver, chromedp.Click(`table.proposals tbody tr:first-child form[action$="/approve"] button`), chromedp.WaitVisible(".flash"))
	if n := text(approver, `String(document.querySelectorAll('table.proposals').length)`); n != "0" {
		t.Errorf("after approval %s proposals tables remain", n)
	}
	do(approver, chromedp.Navigate(srv.base+"admin/sources?status=suppressed&q="+url.QueryEscape("市民卡遺失")), chromedp.WaitVisible("table.docs"))
	if docs := text(approver, `document.querySelector('table.docs').innerText`); !strings.Contains(docs, target) {
		t.Errorf("the approved suppression of %s is not among the suppressed:\n%s", target, docs)
	}

	do(admin, chromedp.Navigate(srv.base+"admin/audit"), chromedp.WaitVisible("table.audit"))
	shoot(admin, "audit")
	audit := text(admin, `document.querySelector('table.audit').innerText`)
	for _, step := range []string{"documents.approve", "documents.propose", "curated.approve", "curated.draft", "staff.add", "signin_link"} {
		if !strings.Contains(audit, step) {
			t.Errorf("the audit log has no %s:\n%s", step, audit)
		}
	}
	if !strings.Contains(audit, "approver@agency.gov.tw") || !strings.Contains(audit, "editor@agency.gov.tw") {
		t.Errorf("the audit log does not say who:\n%s", audit)
	}
	srv.stop(t)
}
