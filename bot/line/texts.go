package line

import (
	"fmt"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/prompts"
)

// The channel's own texts: what only LINE users read (answers come from prompts/).
// Phone numbers are help lines only, as the safety policy requires.
const (
	textBusy       = "目前詢問的人很多，請稍後再試一次。"
	textNonText    = "我目前只看得懂文字訊息，請用文字輸入您的問題。"
	textThanks     = "謝謝您的回饋！"
	textEmpty      = "請直接輸入您的問題，例如「普拿疼的成分是什麼？」。"
	textGroupEmpty = "請在提及（@）我的同一則訊息裡寫下問題，例如「普拿疼的成分是什麼？」。"
	textError      = "抱歉，系統暫時無法回答，請稍後再試。緊急狀況請撥 119。"
	disclaimer     = "回答整理自政府公開資料，不能取代醫師或藥師；緊急狀況請撥 119。"

	textJoin = "大家好！我是政府的用藥與市政服務小幫手，可以查藥品許可證、成分與外觀，說明食藥署澄清過的謠言，回答臺北市政府的常見服務問題。\n" +
		"在群組裡，請在訊息中提及（@）我再提問，我才會回答。\n" + disclaimer

	textPharmacist = "想請藥師幫忙：\n" +
		"• 帶著藥袋或藥盒，到附近的社區藥局（健保特約藥局），請藥師當面說明用法、副作用和能不能一起吃。\n" +
		"• 也可以打電話到開藥的醫院或診所，請藥局的藥師協助；藥袋上通常印有調劑單位的電話。\n" +
		"• 誤食或吃錯藥：撥 119，或打毒藥物諮詢中心 (02) 2871-7121（24 小時）。"
)

var textTooLong = fmt.Sprintf("訊息有點長，請精簡到 %d 字以內再問一次。", bot.MaxMessageRunes)

// greeting welcomes a new friend: what the service does, the disclaimer and how
// their data is kept.
func greeting(retention time.Duration) (string, error) {
	hello, err := prompts.Render(prompts.DefaultLocale, "greeting", nil)
	if err != nil {
		return "", err
	}
	days := int(retention.Hours()/24 + 0.5)
	return hello + "\n\n" + fmt.Sprintf("隱私：訊息中的身分證字號、電話等個人資料會自動遮蔽後才保存；您的 LINE 帳號不直接保存，只以雜湊代碼記錄。"+
		"對話紀錄保留 %d 天，封鎖本帳號即刪除。請不要在對話中提供個人資料。", days), nil
}
