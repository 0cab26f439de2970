package retrievaltest

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

// snapshot is the export date of every fixture source.
var snapshot = time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC)

// Keys of the hand-made documents the cases ask for. The licences are made up, in the
// forms of real 許可證字號.
const (
	// keyPain is a valid licence whose pill is imprinted "YSP 52" (spaced in the data).
	keyPain = "衛署藥製字第029478號"
	// keyPainImport has the same serial under another prefix: serials repeat across
	// prefixes in the real register.
	keyPainImport = "衛署藥輸字第029478號"
	// keyStomach's pill is imprinted "TCH25" (unspaced in the data).
	keyStomach = "衛部藥製字第058123號"
	// keyIbuprofen is the only drug with ibuprofen.
	keyIbuprofen = "衛署藥製字第045678號"
	// keySleepOld (cancelled) and keySleepNew (valid) share the name 安寧眠錠.
	keySleepOld = "衛署藥製字第011111號"
	keySleepNew = "衛部藥製字第061111號"
	// keyCough is suppressed by staff.
	keyCough = "衛署藥製字第033333號"

	faqCardLost   = "GIP_900000001" // 愛心悠遊卡遺失怎麼辦？
	faqElderLost  = "GIP_900000002" // 敬老悠遊卡遺失怎麼辦？
	faqRabies     = "GIP_900000004"
	faqMarriage   = "GIP_900000014"
	faqStale      = "GIP_900000099" // past its end date
	mythCoffee    = "吃感冒藥可以配咖啡嗎？"
	titleSleep    = "安寧眠錠"
	titlePain     = "舒痛寧錠500毫克"
	titleCough    = "止咳順糖漿"
	titleStaleFAQ = "109年防疫紓困振興三倍券如何領取？"
)

// fillers is the number of made-up licences around the hand-made documents: enough
// that a filter admitting a tenth of them cannot be served from the first candidates
// of an approximate nearest-neighbour index (PostgreSQL plans such a query on the HNSW
// index from about 3,000 rows).
const fillers = 3000

// fillersCancelled is how many of the fillers are cancelled.
const fillersCancelled = fillers / 10

// faqCount is the number of valid FAQ documents in the fixtures.
const faqCount = 13

// mythCount is the number of myth-busting documents in the fixtures.
const mythCount = 4

// fixtures returns the batches every case searches: drug licences with appearance
// facets from a second source, myth-busting Q&A and city FAQs, with every status.
func fixtures() []*ingest.Batch {
	licences := []ingest.Record{
		drug(keyPain, titlePain, "SHUTONGNING TABLETS 500MG", "ACETAMINOPHEN", "醫師藥師藥劑生指示藥品",
			"退燒、止痛（緩解頭痛、牙痛、咽喉痛、關節痛、神經痛、肌肉酸痛、月經痛）。", corpus.StatusActive),
		drug(keyPainImport, "克痛寧膠囊", "KETONIN CAPSULES", "KETOPROFEN", "須由醫師處方使用",
			"風濕性關節炎、骨關節炎之消炎鎮痛。", corpus.StatusActive),
		drug(keyStomach, "胃舒平錠", "WEISHUPING TABLETS", "ALUMINUM HYDROXIDE;;MAGNESIUM HYDROXIDE", "成藥",
			"緩解胃酸過多、胃灼熱。", corpus.StatusActive),
		drug(keyIbuprofen, "依普芬膜衣錠400毫克", "IPUFEN F.C. TABLETS 400MG", "IBUPROFEN", "醫師藥師藥劑生指示藥品",
			"解熱、鎮痛、消炎。", corpus.StatusActive),
		drug(keySleepOld, titleSleep, "ANNINGMIAN TABLETS", "ZOLPIDEM TARTRATE", "須由醫師處方使用",
			"失眠症之短期治療。", corpus.StatusCancelled),
		drug(keySleepNew, titleSleep, "ANNINGMIAN TABLETS", "ZOLPIDEM TARTRATE", "須由醫師處方使用",
			"失眠症之短期治療。", corpus.StatusActive),
		drug(keyCough, titleCough, "CHIHKESHUN SYRUP", "DEXTROMETHORPHAN HBR", "醫師藥師藥劑生指示藥品",
			"鎮咳。", corpus.StatusSuppressed),
	}
	licences = append(licences, fillerLicences(fillers)...)
	appearances := []ingest.Record{
		pill(keyPain, titlePain, "白色 圓形", "有", "12", "YSP 52"),
		pill(keyPainImport, "克痛寧膠囊", "紅色、白色 膠囊", "無", "18", "YSP 53"),
		pill(keyStomach, "胃舒平錠", "綠色 橢圓形", "無", "10", "TCH25"),
		pill(keyIbuprofen, "依普芬膜衣錠400毫克", "粉色 圓形", "無", "11", "SP 25"),
	}
	faqs := []ingest.Record{
		faq(faqCardLost, "愛心悠遊卡遺失怎麼辦？", "請持身心障礙證明及身分證明文件，至各區公所社會課辦理掛失及補發，補發工本費新臺幣100元；掛失前卡片遭盜用之損失由持卡人自行負擔。", "臺北市公共運輸處", corpus.StatusActive),
		faq(faqElderLost, "敬老悠遊卡遺失怎麼辦？", "年滿65歲長者之敬老悠遊卡遺失時，請攜帶身分證至戶籍所在地區公所申請補發，補發期間可先以現金或一般票卡搭乘。", "臺北市政府社會局", corpus.StatusActive),
		faq("GIP_900000003", "身心障礙證明遺失如何補發？", "請至戶籍所在地區公所社會課填寫申請書，並檢附身分證及一吋照片一張，即可申請補發身心障礙證明。", "臺北市政府社會局", corpus.StatusActive),
		faq(faqRabies, "犬貓如何施打狂犬病預防注射？", "飼主可攜帶滿3個月齡以上之犬貓，至本市各動物醫院施打狂犬病疫苗，每年應補強注射一次，並領取預防注射證明及頸牌。", "臺北市動物保護處", corpus.StatusActive),
		faq("GIP_900000005", "如何申請低收入戶？", "請檢附申請表、全戶戶籍謄本及相關證明文件，向戶籍所在地區公所社會課提出申請，審核約需30個工作天。", "臺北市政府社會局", corpus.StatusActive),
		faq("GIP_900000006", "育兒津貼如何申請？", "父母之一方於新生兒出生後，檢附申請表及存摺影本，向戶籍所在地區公所提出申請，每名兒童每月補助2,500元。", "臺北市政府社會局", corpus.StatusActive),
		faq("GIP_900000007", "垃圾清運時間如何查詢？", "可至環境保護局網站查詢各里垃圾車停靠地點及時間，或撥打1999市民當家熱線洽詢。", "臺北市政府環境保護局", corpus.StatusActive),
		faq("GIP_900000008", "路邊停車費逾期未繳怎麼辦？", "逾期未繳之停車費，將寄發催繳通知單，請於期限內至便利商店或透過行動支付補繳，逾期將依法移送強制執行。", "臺北市停車管理工程處", corpus.StatusActive),
		faq("GIP_900000009", "路燈不亮如何報修？", "請記下路燈桿上之編號，撥打1999市民當家熱線或上網填寫報修單，工務局將派員於三日內修復。", "臺北市政府工務局", corpus.StatusActive),
		faq("GIP_900000010", "市民卡如何申請？", "設籍本市之市民可攜帶身分證及照片至各區公所或市民卡服務中心申辦，免收工本費。", "臺北市政府資訊局", corpus.StatusActive),
		faq("GIP_900000011", "老人健保費補助資格為何？", "年滿65歲、設籍本市滿一年且最近一年居住國內超過183天之長者，由本府補助全民健康保險自付保險費。", "臺北市政府社會局", corpus.StatusActive),
		faq("GIP_900000012", "國民身分證遺失怎麼辦？", "請本人攜帶戶口名簿及最近二年內拍攝之照片，至任一戶政事務所申請補發，規費新臺幣200元。", "臺北市政府民政局", corpus.StatusActive),
		faq(faqMarriage, "如何預約戶政事務所辦理結婚登記？", "雙方當事人可於網路預約系統選擇日期及時段，攜帶身分證、印章及結婚書約至戶政事務所辦理。", "臺北市政府民政局", corpus.StatusActive),
		faq(faqStale, titleStaleFAQ, "三倍券已於110年停止領取，相關問題請洽經濟部。", "臺北市政府產業發展局", corpus.StatusStale),
	}
	myths := []ingest.Record{
		myth(mythCoffee, "咖啡因可能加重感冒藥中部分成分造成的心悸、失眠等副作用，服藥期間應避免同時飲用咖啡、茶或提神飲料。"),
		myth("過期的藥品仍然可以吃，只是藥效減半？", "過期藥品可能變質或產生有害物質，藥效也無法確定，請勿服用，應依規定丟棄或交回藥局回收。"),
		myth("藥品可以放冰箱保存嗎？", "除非藥品標示需冷藏，一般藥品應放在陰涼乾燥處，放冰箱反而可能受潮變質。"),
		myth("家中剩藥直接丟馬桶可以嗎？", "剩藥不應丟入馬桶或水槽，以免污染水源，一般藥品可混合咖啡渣後隨垃圾丟棄，特殊藥品請交回藥局。"),
	}
	return []*ingest.Batch{
		batch("conformance-36", licences...),
		batch("conformance-42", appearances...),
		batch("conformance-159", myths...),
		batch("conformance-faq", faqs...),
	}
}

// drug is a licence record laid out as ingest/tfda writes one.
func drug(key, zh, en, ingredients, category, indication string, status corpus.Status) ingest.Record {
	ings := strings.Split(ingredients, ";;")
	var text []string
	for _, l := range [][2]string{
		{"中文品名", zh}, {"英文品名", en}, {"許可證字號", key}, {"藥品類別", category},
		{"適應症", indication}, {"主成分", strings.Join(ings, "、")}, {"申請商", "台灣示範製藥股份有限公司"},
	} {
		if l[1] != "" {
			text = append(text, l[0]+"："+l[1])
		}
	}
	fields := map[string]any{"name_zh": zh, "name_en": en, "category": category, "indication": indication, "ingredients": ings}
	if status == corpus.StatusCancelled {
		text = append(text, "註銷狀態：已註銷（2015-03-01，自請註銷）")
		fields["cancel_status"] = "已註銷"
	}
	return ingest.Record{
		Dataset: corpus.DatasetDrug, Key: key, Facet: corpus.FacetLicence, Title: zh,
		URL:  "https://mcp.fda.gov.tw/im_detail_1/" + url.PathEscape(key),
		Text: strings.Join(text, "\n"), Fields: fields, Status: status,
	}
}

// pill is an appearance facet (dataset 42) as ingest/tfda writes one.
func pill(key, name, look, scoreLine, size, mark string) ingest.Record {
	text := "中文品名：" + name + "\n外觀：" + look + "，刻痕：" + scoreLine + "，尺寸：" + size + " mm，標註：" + mark
	item := map[string]any{"shape": []any{strings.Fields(look)[1]}, "score_line": scoreLine, "size": []any{size}, "mark1": mark}
	return ingest.Record{
		Dataset: corpus.DatasetDrug, Key: key, Facet: corpus.FacetAppearance, Title: name, Text: text,
		Fields: map[string]any{"name_zh": name, "items": []any{item}},
	}
}

// faq is a city FAQ record as ingest/taipei writes one.
func faq(id, question, answer, agency string, status corpus.Status) ingest.Record {
	return ingest.Record{
		Dataset: corpus.DatasetCityFAQ, Key: id, Facet: corpus.FacetMain, Title: question,
		URL:    "https://www.gov.taipei/News_Content.aspx?s=" + id,
		Text:   "問：" + question + "\n答：" + answer + "\n承辦機關：" + agency,
		Fields: map[string]any{"agency": agency}, Status: status,
	}
}

// myth is a TFDA myth-busting record (dataset 159), keyed by its title.
func myth(title, answer string) ingest.Record {
	return ingest.Record{
		Dataset: corpus.DatasetMyth, Key: title, Facet: corpus.FacetMain, Title: title,
		URL:  "https://data.fda.gov.tw/frontsite/data/DataAction.do?method=doDetail&infoId=159",
		Text: answer, Fields: map[string]any{"category": "藥品"}, Status: corpus.StatusActive,
	}
}

func batch(source string, rs ...ingest.Record) *ingest.Batch {
	for i := range rs {
		rs[i].Snapshot = snapshot
	}
	return &ingest.Batch{Source: source, Format: "retrievaltest", Files: []string{source + ".csv"},
		Snapshot: snapshot, Records: rs, Seen: len(rs), Digest: source}
}

// fillerLicences makes n licences whose names, ingredients and indications share no
// word with the hand-made documents, one in ten cancelled.
func fillerLicences(n int) []ingest.Record {
	first := []rune("泰恆佳德信和美力華祥")
	second := []rune("康福健維百立樂優速益")
	forms := []string{"錠", "膜衣錠", "膠囊", "糖漿", "乳膏"}
	strengths := []string{"5毫克", "10毫克", "20毫克", "50毫克", "100毫克", "200毫克"}
	ingredients := []string{"AMLODIPINE", "FAMOTIDINE", "CETIRIZINE", "CEPHALEXIN", "METFORMIN", "ATORVASTATIN"}
	indications := []string{"高血壓。", "胃潰瘍、十二指腸潰瘍。", "過敏性鼻炎、蕁麻疹。", "細菌感染症。", "第二型糖尿病。", "高膽固醇血症。"}
	out := make([]ingest.Record, n)
	for i := range out {
		name := string(first[i%10]) + string(second[i/10%10]) + forms[i/100%5] + strengths[i/500%6]
		status := corpus.StatusActive
		if i%10 == 3 {
			status = corpus.StatusCancelled
		}
		out[i] = drug(fmt.Sprintf("衛部藥製字第%06d號", 100000+i), name, "", ingredients[i%6], "須由醫師處方使用", indications[i%6], status)
	}
	return out
}
