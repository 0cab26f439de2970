package console

// messages holds the console's words: Traditional Chinese first, then English.
var messages = map[string][2]string{
	"app":              {"civicbot 管理後台", "civicbot staff console"},
	"overview":         {"總覽", "Overview"},
	"conversations":    {"對話紀錄", "Conversations"},
	"review":           {"待處理", "Review queue"},
	"curated":          {"人工答案", "Curated answers"},
	"curated_new":      {"撰寫人工答案", "Draft a curated answer"},
	"try":              {"試問", "Try it"},
	"audit":            {"稽核紀錄", "Audit log"},
	"staff":            {"人員與權杖", "Staff and tokens"},
	"signin":           {"登入", "Sign in"},
	"signout":          {"登出", "Sign out"},
	"set_password":     {"設定密碼", "Set your password"},
	"email":            {"電子郵件", "E-mail"},
	"password":         {"密碼", "Password"},
	"password_again":   {"再輸入一次密碼", "Password again"},
	"password_rule":    {"至少 12 個字元", "At least 12 characters"},
	"passwords_differ": {"兩次輸入的密碼不同", "The two passwords differ"},
	"error":            {"錯誤", "Error"},
	"forbidden":        {"沒有權限", "Not allowed"},
	"not_found":        {"找不到這個頁面", "There is no such page"},
	"needs_role":       {"這個動作需要的角色", "This needs the role"},
	"questions_30d":    {"近 30 天每日提問數", "Questions per day, last 30 days"},
	"total":            {"提問總數", "Questions"},
	"no_answer_rate":   {"無法回答比例", "No-answer rate"},
	"thumbs":           {"讚 / 倒讚", "👍 / 👎"},
	"by_channel":       {"依管道", "By channel"},
	"by_mode":          {"依回答方式", "By mode"},
	"most_unanswered":  {"最常無法回答或被倒讚的問題", "Most unanswered or disliked questions"},
	"expired":          {"已過期的人工答案", "Expired curated answers"},
	"none":             {"無", "None"},
	"day":              {"日期", "Day"},
	"count":            {"次數", "Count"},
	"no_answer":        {"無法回答", "No answer"},
	"filter":           {"篩選", "Filter"},
	"from":             {"起", "From"},
	"to":               {"迄", "To"},
	"channel":          {"管道", "Channel"},
	"mode":             {"回答方式", "Mode"},
	"rating":           {"評價", "Rating"},
	"text":             {"問題含有", "Question contains"},
	"any":              {"全部", "Any"},
	"time":             {"時間", "Time"},
	"question":         {"問題", "Question"},
	"answer":           {"回答", "Answer"},
	"sources":          {"來源", "Sources"},
	"more":             {"下一頁", "More"},
	"reason":           {"原因", "Reason"},
	"down":             {"倒讚", "Disliked"},
	"draft_from":       {"撰寫人工答案", "Draft a curated answer"},
	"dismiss":          {"略過", "Dismiss"},
	"dismiss_reason":   {"略過的原因", "Why dismiss"},
	"queue_empty":      {"目前沒有待處理的問題。", "Nothing waiting for review."},
	"status":           {"狀態", "Status"},
	"author":           {"撰寫者", "Author"},
	"approver":         {"核准者", "Approver"},
	"hits":             {"使用次數", "Hits"},
	"expires":          {"到期", "Expires"},
	"approve":          {"核准", "Approve"},
	"retire":           {"停用", "Retire"},
	"new":              {"新增", "New"},
	"questions_help":   {"這個答案適用的問題，一行一個", "The questions this answer is for, one a line"},
	"sources_help":     {"引用的文件，一行一個：資料集/鍵值", "Documents cited, one a line: dataset/key"},
	"found":            {"搜尋找到的文件", "What search finds"},
	"save_draft":       {"存為草稿（需另一人核准）", "Save as draft (someone else approves)"},
	"ask":              {"提問", "Ask"},
	"triage":           {"分流", "Triage"},
	"curated_match":    {"人工答案相似度", "Curated match"},
	"threshold":        {"門檻", "threshold"},
	"candidates":       {"候選文件", "Candidates"},
	"score":            {"分數", "Score"},
	"evidence":         {"依據", "Evidence"},
	"not_stored":       {"試問不會記錄為民眾對話。", "Trying a question is not stored as a citizen's turn."},
	"actor":            {"操作者", "Actor"},
	"action":           {"動作", "Action"},
	"target":           {"對象", "Target"},
	"change":           {"變更", "Change"},
	"accounts":         {"人員", "Staff"},
	"role":             {"角色", "Role"},
	"disabled":         {"已停用", "Disabled"},
	"invite":           {"新增人員（產生一次性登入連結）", "Add staff (makes a one-time sign-in link)"},
	"tokens":           {"API 權杖", "API tokens"},
	"name":             {"名稱", "Name"},
	"days":             {"有效天數", "Valid for days"},
	"create_token":     {"建立權杖", "Create a token"},
	"revoke":           {"撤銷", "Revoke"},
	"revoked":          {"已撤銷", "Revoked"},
	"last_used":        {"最後使用", "Last used"},
	"link_once":        {"一次性登入連結（24 小時內有效，只顯示這一次）：", "One-time sign-in link (valid 24 h, shown only now):"},
	"token_once":       {"權杖只顯示這一次，請妥善保存：", "The token is shown only now; keep it safe:"},
	"done_dismissed":   {"已略過。", "Dismissed."},
	"done_drafted":     {"草稿已儲存，待另一位核准者核准。", "Draft saved; another approver must approve it."},
	"done_approved":    {"已核准，民眾現在會得到這個答案。", "Approved: citizens now get this answer."},
	"done_retired":     {"已停用。", "Retired."},
	"done_revoked":     {"已撤銷。", "Revoked."},
	"skip":             {"跳到主要內容", "Skip to content"},
	"language":         {"English", "中文"},
	"export":           {"匯出（已去識別化）", "Export (redacted)"},
}

func translate(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

func flashText(lang, done string) string {
	if done == "" {
		return ""
	}
	if _, ok := messages["done_"+done]; !ok {
		return ""
	}
	return translate(lang, "done_"+done)
}
