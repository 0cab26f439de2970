package console_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/staff"
)

// candidates returns the keys preview ranks for a question.
func (e *env) candidates(q string) []string {
	e.t.Helper()
	code, pv := e.call("POST", "/api/v1/admin/preview", e.tokens[staff.Viewer], map[string]string{"message": q})
	if code != http.StatusOK {
		e.t.Fatalf("preview: %d %v", code, pv)
	}
	var out []string
	for _, c := range pv["candidates"].([]any) {
		out = append(out, c.(map[string]any)["key"].(string))
	}
	return out
}

// Suppressing and restoring through the API takes an editor's proposal and another
// approver's decision, each audited; an approver may still suppress directly.
func TestProposalsThroughAPI(t *testing.T) {
	for name, open := range map[string]func(*testing.T) store{"embedded": memStore, "postgres": pgStore} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, open(t))
			const q = "市民卡遺失"
			first := e.candidates(q)
			if len(first) == 0 {
				t.Fatal("no candidates")
			}
			_, pv := e.call("POST", "/api/v1/admin/preview", e.tokens[staff.Viewer], map[string]string{"message": q})
			cand := pv["candidates"].([]any)[0].(map[string]any)
			key := first[0]
			doc := map[string]any{"dataset": cand["dataset"], "key": key, "action": "suppress", "reason": "內容過時"}

			if code, out := e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Viewer], doc); code != http.StatusForbidden {
				t.Errorf("a viewer proposing: %d %v, want 403", code, out)
			}
			code, out := e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Editor], doc)
			if code != http.StatusCreated || out["status"] != "pending" || out["id"] == "" {
				t.Fatalf("propose: %d %v", code, out)
			}
			id := out["id"].(string)
			if !slices.Contains(e.candidates(q), key) {
				t.Error("a proposal alone took the document out of answers")
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Editor], doc); code != http.StatusConflict {
				t.Errorf("a second proposal for the document: %d %v, want 409", code, out)
			}
			for _, bad := range []map[string]any{
				{"dataset": cand["dataset"], "key": key, "action": "delete", "reason": "r"},
				{"dataset": cand["dataset"], "key": key, "action": "suppress"},
				{"dataset": cand["dataset"], "action": "suppress", "reason": "r"},
			} {
				if code, out := e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Editor], bad); code != http.StatusBadRequest {
					t.Errorf("propose %v: %d %v, want 400", bad, code, out)
				}
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Editor], map[string]any{"dataset": "x", "key": "y", "action": "suppress", "reason": "r"}); code != http.StatusNotFound {
				t.Errorf("proposing for no document: %d %v, want 404", code, out)
			}
			code, out = e.call("GET", "/api/v1/admin/documents/proposals?status=pending", e.tokens[staff.Viewer], nil)
			if items, _ := out["items"].([]any); code != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["proposed_by"] != "token:test-editor" ||
				items[0].(map[string]any)["title"] == "" {
				t.Fatalf("pending: %d %v", code, out)
			}
			if code, _ := e.call("GET", "/api/v1/admin/documents/proposals?status=maybe", e.tokens[staff.Viewer], nil); code != http.StatusBadRequest {
				t.Errorf("an unknown status: %d, want 400", code)
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals/"+id+"/approve", e.tokens[staff.Editor], nil); code != http.StatusForbidden {
				t.Errorf("an editor approving: %d %v, want 403", code, out)
			}
			// An approval takes effect at once.
			code, out = e.call("POST", "/api/v1/admin/documents/proposals/"+id+"/approve", e.tokens[staff.Approver], nil)
			if code != http.StatusOK || out["status"] != "approved" {
				t.Fatalf("approve: %d %v", code, out)
			}
			if slices.Contains(e.candidates(q), key) {
				t.Error("an approved suppression is not effective at once")
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals/"+id+"/reject", e.tokens[staff.Admin], map[string]string{"reason": "late"}); code != http.StatusConflict {
				t.Errorf("deciding again: %d %v, want 409", code, out)
			}

			// Four eyes: the proposer does not decide, whatever their role.
			restore := map[string]any{"dataset": cand["dataset"], "key": key, "action": "restore", "reason": "已更正"}
			code, out = e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Approver], restore)
			if code != http.StatusCreated {
				t.Fatalf("propose restore: %d %v", code, out)
			}
			rid := out["id"].(string)
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals/"+rid+"/approve", e.tokens[staff.Approver], map[string]string{}); code != http.StatusForbidden {
				t.Errorf("approving one's own proposal: %d %v, want 403", code, out)
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals/"+rid+"/reject", e.tokens[staff.Admin], map[string]string{}); code != http.StatusBadRequest {
				t.Errorf("rejecting without a reason: %d %v, want 400", code, out)
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals/"+rid+"/reject", e.tokens[staff.Admin], map[string]string{"reason": "仍有誤"}); code != http.StatusOK || out["status"] != "rejected" {
				t.Fatalf("reject: %d %v", code, out)
			}
			if slices.Contains(e.candidates(q), key) {
				t.Error("a rejected restoration took effect")
			}
			code, out = e.call("POST", "/api/v1/admin/documents/proposals", e.tokens[staff.Editor], restore)
			if code != http.StatusCreated {
				t.Fatalf("propose restore again: %d %v", code, out)
			}
			if code, out := e.call("POST", "/api/v1/admin/documents/proposals/"+out["id"].(string)+"/approve", e.tokens[staff.Approver], map[string]string{"reason": "確認已更正"}); code != http.StatusOK {
				t.Fatalf("approve restore: %d %v", code, out)
			}
			if !slices.Contains(e.candidates(q), key) {
				t.Error("an approved restoration is not effective at once")
			}

			// An approver's direct suppression (urgent harm) is kept, and audited as direct.
			if code, out := e.call("POST", "/api/v1/admin/documents/suppress", e.tokens[staff.Approver], map[string]any{"dataset": cand["dataset"], "key": key, "reason": "緊急：錯誤電話"}); code != http.StatusOK {
				t.Fatalf("direct suppress: %d %v", code, out)
			}
			entries, err := e.store.Audit(t.Context(), staff.AuditFilter{Action: "documents"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, en := range entries {
				got = append(got, en.Action+" "+en.Actor)
				if en.Target != cand["dataset"].(string)+"/"+key {
					t.Errorf("audit %s targets %q", en.Action, en.Target)
				}
			}
			want := []string{"documents.suppress token:test-approver", "documents.approve token:test-approver", "documents.propose token:test-editor",
				"documents.reject token:test-admin", "documents.propose token:test-approver", "documents.approve token:test-approver", "documents.propose token:test-editor"}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("audit, newest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(entries) > 0 && !strings.Contains(entries[0].After, `"direct":true`) {
				t.Errorf("the direct suppression is not audited as direct: %s", entries[0].After)
			}
			if len(entries) > 3 && (!strings.Contains(entries[3].After, "仍有誤") || !strings.Contains(entries[3].After, `"status":"rejected"`)) {
				t.Errorf("the rejection's audit lacks its reason or status: %s", entries[3].After)
			}
		})
	}
}

// The sources page: an editor proposes from the document browser, the proposal waits
// there (and the review queue says so), its proposer cannot decide it, and another
// approver approves it through the page.
func TestProposalsThroughPages(t *testing.T) {
	e := newEnv(t, memStore(t))
	const q = "市民卡遺失"
	key := e.candidates(q)[0]
	editor := e.person("editor@agency.gov.tw", staff.Editor)
	approver := e.person("approver@agency.gov.tw", staff.Approver)
	get := func(c *http.Client, path string) string {
		t.Helper()
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	page := get(editor, "/admin/sources?q="+url.QueryEscape(q))
	if !strings.Contains(page, `action="/admin/documents/proposals"`) || !strings.Contains(page, "提案隱藏") {
		t.Fatal("the document browser offers an editor no proposal")
	}
	if strings.Contains(page, `formaction="/admin/documents/suppress"`) {
		t.Error("the document browser offers an editor a direct suppression")
	}
	if !strings.Contains(get(approver, "/admin/sources?q="+url.QueryEscape(q)), `formaction="/admin/documents/suppress"`) {
		t.Error("the document browser offers an approver no direct suppression")
	}
	resp, err := editor.PostForm(e.srv.URL+"/admin/documents/proposals", url.Values{"dataset": {"taipei_faq"}, "key": {key}, "action": {"suppress"},
		"reason": {"<b>過時</b>"}, "q": {q}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "提案已送出") {
		t.Fatalf("propose form: %d\n%s", resp.StatusCode, body)
	}
	if !slices.Contains(e.candidates(q), key) {
		t.Error("the proposal took effect before approval")
	}
	if !strings.Contains(get(approver, "/admin/review"), "/admin/sources#proposals") {
		t.Error("the review queue does not say a proposal waits")
	}
	// A second proposal for the document waits until the first is decided.
	own := e.person("both@agency.gov.tw", staff.Approver)
	resp, err = own.PostForm(e.srv.URL+"/admin/documents/proposals", url.Values{"dataset": {"taipei_faq"}, "key": {key}, "action": {"suppress"}, "reason": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("a second proposal for the document through the page: %d, want 409", resp.StatusCode)
	}
	page = get(editor, "/admin/sources")
	if !strings.Contains(page, "&lt;b&gt;過時&lt;/b&gt;") || strings.Contains(page, "<b>過時</b>") {
		t.Error("the proposal's reason is not shown as text")
	}
	page = get(approver, "/admin/sources")
	start := strings.Index(page, `<section id="proposals">`)
	if start < 0 {
		t.Fatal("no proposals section")
	}
	section := page[start : start+strings.Index(page[start:], "</section>")]
	if !strings.Contains(section, "editor@agency.gov.tw") || !strings.Contains(section, "/approve") || !strings.Contains(section, "/reject") {
		t.Fatalf("the approver sees no pending proposal to decide:\n%s", section)
	}
	i := strings.Index(section, `action="/admin/documents/proposals/`)
	id := section[i+len(`action="/admin/documents/proposals/`):]
	id = id[:strings.Index(id, "/")]
	resp, err = approver.PostForm(e.srv.URL+"/admin/documents/proposals/"+id+"/approve", url.Values{"reason": {""}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "已核准，立即生效") {
		t.Fatalf("approve form: %d\n%s", resp.StatusCode, body)
	}
	if slices.Contains(e.candidates(q), key) {
		t.Error("the approved suppression is not effective at once")
	}
	if strings.Contains(get(approver, "/admin/review"), "/admin/sources#proposals") {
		t.Error("the review queue still says a proposal waits")
	}
}

// A proposer who is an approver sees their own proposal without decision buttons,
// and the server refuses their decision anyway.
func TestOwnProposalNotDecided(t *testing.T) {
	e := newEnv(t, memStore(t))
	key := e.candidates("市民卡遺失")[0]
	c := e.person("approver@agency.gov.tw", staff.Approver)
	resp, err := c.PostForm(e.srv.URL+"/admin/documents/proposals", url.Values{"dataset": {"taipei_faq"}, "key": {key}, "action": {"suppress"}, "reason": {"過時"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, out := e.call("GET", "/api/v1/admin/documents/proposals?status=pending", e.tokens[staff.Viewer], nil)
	items := out["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("pending: %v", out)
	}
	id := items[0].(map[string]any)["id"].(string)
	resp, err = c.Get(e.srv.URL + "/admin/sources")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "/admin/documents/proposals/"+id+"/approve") || !strings.Contains(string(body), "需由另一位核准者決定") {
		t.Error("the proposer is offered to approve their own proposal")
	}
	resp, err = c.PostForm(e.srv.URL+"/admin/documents/proposals/"+id+"/approve", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("approving one's own proposal through the page: %d, want 403", resp.StatusCode)
	}
	if !slices.Contains(e.candidates("市民卡遺失"), key) {
		t.Error("a refused approval took effect")
	}
}
