package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
)

// previewMode is how the citizen would be answered, and the first source's key.
func previewMode(e *env, q string) (mode, first string) {
	e.t.Helper()
	code, body := e.call("POST", "/api/v1/admin/preview", e.tokens[staff.Viewer], map[string]string{"message": q})
	if code != http.StatusOK {
		e.t.Fatalf("preview %q: %d %v", q, code, body)
	}
	mode, _ = body["mode"].(string)
	if srcs, _ := body["sources"].([]any); len(srcs) > 0 {
		first, _ = srcs[0].(map[string]any)["key"].(string)
	}
	return mode, first
}

// TestStaffSynonymAnswersAfterApproval: a question that only matches a record through a
// staff synonym («海洋葬» for 海葬) is declined while the group is a draft, answered from
// the record once someone else approves it, and declined again once it is retired.
func TestStaffSynonymAnswersAfterApproval(t *testing.T) {
	t.Cleanup(func() { _ = retrieval.UseStaffSynonyms(nil) })
	e := newEnv(t, memStore(t))
	const q, record = "海洋葬怎麼申請", "GIP_119690947"
	if mode, _ := previewMode(e, q); mode != "no_answer" {
		t.Fatalf("before any synonym: %s, want no_answer (the test needs a question only a synonym answers)", mode)
	}
	code, body := e.call("POST", "/api/v1/admin/synonyms", e.tokens[staff.Editor], map[string]any{"name": "sea-burial", "words": []string{"海葬", " 海洋葬 "}})
	if code != http.StatusCreated || body["status"] != "draft" {
		t.Fatalf("draft: %d %v", code, body)
	}
	id := body["id"].(string)
	if mode, _ := previewMode(e, q); mode != "no_answer" {
		t.Errorf("with a draft: %s, want no_answer", mode)
	}
	if code, body := e.call("POST", "/api/v1/admin/synonyms/"+id+"/approve", e.tokens[staff.Editor], nil); code != http.StatusForbidden {
		t.Errorf("an editor approved: %d %v", code, body)
	}
	if code, body := e.call("POST", "/api/v1/admin/synonyms/"+id+"/approve", e.tokens[staff.Approver], nil); code != http.StatusOK || body["status"] != "approved" {
		t.Fatalf("approve: %d %v", code, body)
	}
	if mode, first := previewMode(e, q); mode == "no_answer" || first != record {
		t.Errorf("after approval: %s from %q, want an answer from %s", mode, first, record)
	}
	code, body = e.call("GET", "/api/v1/admin/synonyms?status=approved", e.tokens[staff.Viewer], nil)
	items, _ := body["items"].([]any)
	if code != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["approved_by"] != "token:test-approver" ||
		items[0].(map[string]any)["author"] != "token:test-editor" {
		t.Errorf("list: %d %v", code, body)
	}
	if code, body := e.call("POST", "/api/v1/admin/synonyms/"+id+"/retire", e.tokens[staff.Approver], nil); code != http.StatusOK || body["status"] != "retired" {
		t.Fatalf("retire: %d %v", code, body)
	}
	if mode, _ := previewMode(e, q); mode != "no_answer" {
		t.Errorf("after retirement: %s, want no_answer", mode)
	}
	audit, err := e.store.Audit(t.Context(), staff.AuditFilter{Action: "synonyms"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action+" "+a.Actor)
	}
	if want := "synonyms.retire token:test-approver|synonyms.approve token:test-approver|synonyms.draft token:test-editor"; strings.Join(actions, "|") != want {
		t.Errorf("audit = %q, want %q", actions, want)
	}
}

func TestStaffSynonymRules(t *testing.T) {
	t.Cleanup(func() { _ = retrieval.UseStaffSynonyms(nil) })
	e := newEnv(t, memStore(t))
	draft := func(role staff.Role, words ...string) (int, map[string]any) {
		return e.call("POST", "/api/v1/admin/synonyms", e.tokens[role], map[string]any{"words": words})
	}
	t.Run("a word of a built-in group is refused with the reason", func(t *testing.T) {
		code, body := draft(staff.Editor, "搞不見", "遺失")
		if msg, _ := body["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "遺失") || !strings.Contains(msg, "弄丟") {
			t.Errorf("%d %v, want 400 naming 遺失 and its group", code, body)
		}
	})
	t.Run("one word, or none, is refused", func(t *testing.T) {
		if code, _ := draft(staff.Editor, "加值", " "); code != http.StatusBadRequest {
			t.Errorf("%d, want 400", code)
		}
	})
	t.Run("a viewer may not draft", func(t *testing.T) {
		if code, _ := draft(staff.Viewer, "加值", "儲值"); code != http.StatusForbidden {
			t.Errorf("%d, want 403", code)
		}
	})
	t.Run("nobody approves their own draft", func(t *testing.T) {
		code, body := draft(staff.Approver, "加值", "儲值")
		if code != http.StatusCreated {
			t.Fatalf("%d %v", code, body)
		}
		if code, _ := e.call("POST", "/api/v1/admin/synonyms/"+body["id"].(string)+"/approve", e.tokens[staff.Approver], nil); code != http.StatusForbidden {
			t.Errorf("self-approval: %d, want 403", code)
		}
	})
	t.Run("two approved groups never share a word", func(t *testing.T) {
		_, a := draft(staff.Editor, "嗶嗶卡", "悠遊卡")
		_, b := draft(staff.Editor, "嗶卡", "悠遊卡")
		if code, _ := e.call("POST", "/api/v1/admin/synonyms/"+a["id"].(string)+"/approve", e.tokens[staff.Approver], nil); code != http.StatusOK {
			t.Fatalf("approve the first: %d", code)
		}
		code, body := e.call("POST", "/api/v1/admin/synonyms/"+b["id"].(string)+"/approve", e.tokens[staff.Approver], nil)
		if msg, _ := body["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "悠遊卡") {
			t.Errorf("approving a group with an approved group's word: %d %v, want 400", code, body)
		}
		if code, _ := draft(staff.Editor, "悠遊卡", "電子票證"); code != http.StatusBadRequest {
			t.Errorf("drafting with an approved group's word: %d, want 400", code)
		}
	})
}

// TestSynonymsPageEscapes: staff text on the synonyms page is escaped, and the form
// drafts through the API's checks.
func TestSynonymsPageEscapes(t *testing.T) {
	t.Cleanup(func() { _ = retrieval.UseStaffSynonyms(nil) })
	e := newEnv(t, memStore(t))
	if code, body := e.call("POST", "/api/v1/admin/synonyms", e.tokens[staff.Editor], map[string]any{"words": []string{"<script>x</script>", "腳本標籤"}}); code != http.StatusCreated {
		t.Fatalf("draft: %d %v", code, body)
	}
	c := e.person("lin@agency.gov.tw", staff.Editor)
	resp, err := c.Get(e.srv.URL + "/admin/synonyms")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(page), "<script>x") || !strings.Contains(string(page), "&lt;script&gt;x") {
		t.Errorf("synonyms page: %d, staff text not escaped", resp.StatusCode)
	}
	resp, err = c.PostForm(e.srv.URL+"/admin/synonyms", url.Values{"words": {"遺失\n掉東西"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "遺失") {
		t.Errorf("form with a built-in word: %d, want 400 with the reason", resp.StatusCode)
	}
}
