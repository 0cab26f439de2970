package triage

// fold maps a Traditional character to its Simplified form, so that one lexicon
// entry matches 「藥」「药」 and a half-converted 「吃太多药」 alike. Folding towards
// Simplified is safe: each Traditional character has one Simplified form, while
// the way back is ambiguous (发 is 發 or 髮).
//
// The table covers every character whose Simplified form appears in a lexicon
// entry; TestFoldTable checks it against OpenCC's t2s and prints what is missing.
func fold(r rune) rune {
	if r < 0x3400 || r >= 1<<16 || foldable[r>>6]&(1<<(r&63)) == 0 {
		return r
	}
	return t2s[r]
}

func foldString(s string) string {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = fold(r)
	}
	return string(rs)
}

var t2s = func() map[rune]rune {
	rs := []rune(t2sPairs + extraPairs)
	m := make(map[rune]rune, len(rs)/2)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = rs[i+1]
	}
	return m
}()

// foldable is a bitmap of the BMP characters in t2s: most characters need no
// folding, and a bit test is cheaper than a map lookup.
var foldable = func() (b [1 << 10]uint64) {
	for r := range t2s {
		b[r>>6] |= 1 << (r & 63)
	}
	return b
}()

// extraPairs are folds OpenCC makes only inside phrases: 活著 is 活着, 瞭解 is 了解.
const extraPairs = "著着瞭了"

// t2sPairs holds Traditional, Simplified pairs, generated from OpenCC's
// TSCharacters by TestFoldTable.
const t2sPairs = "乾干亂乱佈布來来侷局係系倉仓個个們们側侧偵侦備备傢家傳传傷伤價价儘尽兒儿內内兩两冊册凍冻別别則则剋克剛刚剝剥劃划劇剧劑剂動动勞劳勢势匯汇區区協协厠厕厭厌參参員员唸念問问喚唤喪丧喫吃單单嗎吗嘍喽嘔呕噁恶噹当嚇吓嚥咽嚨咙嚴严囉啰國国園园圖图團团堅坚報报場场塊块壓压壞坏夠够媽妈嬤嬷嬰婴孫孙學学寧宁審审寫写寵宠寶宝將将專专尋寻對对導导島岛師师幣币幫帮幹干幾几廁厕廢废廳厅弔吊張张強强彆别彙汇後后徑径從从復复徵征悶闷惡恶愛爱態态慮虑憂忧應应戀恋戶户拋抛捲卷掛挂換换搖摇摟搂撐撑撲扑擔担據据擬拟攢攒攣挛敎教數数斷断於于旣既時时暈晕曖暧書书會会朮术東东査查棄弃業业榦干樂乐樓楼標标樣样機机檢检檯台殘残殭僵殺杀氣气決决沒没沖冲洩泄淩凌測测準准溫温溼湿滅灭滙汇滿满漬渍漲涨漿浆潔洁潰溃濕湿濱滨濾滤為为無无煙烟煩烦熱热燒烧營营爐炉爛烂爲为爺爷牀床狀状獄狱獨独現现甯宁畫画異异畵画當当痙痉痠酸瘋疯療疗癇痫癢痒癥症癱瘫癲癫發发盃杯盜盗盡尽監监眞真眾众睏困確确碼码礙碍礦矿禮礼稅税種种稱称積积穩稳窩窝箇个節节範范篩筛簡简簽签籃篮籤签糰团約约紅红細细紹绍結结絕绝絞绞給给統统絶绝綁绑經经綠绿綫线維维網网綵彩緊紧緑绿線线編编緻致縣县縮缩總总繫系纍累纔才罰罚羅罗羨羡義义聞闻職职聽听脣唇脫脱脹胀腎肾腦脑腫肿腳脚膚肤膠胶膩腻臉脸臟脏臥卧臺台舉举舘馆華华菸烟萬万葯药蒐搜蓋盖蔘参蕁荨薦荐藍蓝藝艺藥药處处虛虚號号蝦虾蟲虫衆众術术衕同衚胡衛卫衝冲裏里補补裝装裡里製制複复見见規规視视親亲覺觉覽览計计訊讯託托記记設设訴诉診诊註注証证詞词詢询試试詩诗話话該该認认語语誤误說说説说誰谁課课請请論论諮咨諾诺講讲謝谢謠谣謡谣證证識识議议護护讀读變变讓让讚赞貓猫貝贝負负貨货買买費费貼贴資资賠赔賣卖賽赛贅赘贊赞贏赢趕赶車车軌轨軟软較较輔辅輕轻輩辈輪轮輸输轉转辦办農农迴回這这週周進进遊游運运過过違违遠远選选遺遗邁迈邊边鄰邻醜丑醣糖醫医醬酱針针釦扣鈕钮鈡钟鈣钙銀银錠锭錢钱錯错鍼针鍾钟鎭镇鎮镇鏇旋鐘钟鐵铁長长閉闭開开閤合闆板關关陽阳險险隱隐隻只雙双雞鸡離离難难電电靈灵靜静鞦秋韆千韻韵響响頂顶項项順顺預预頭头顆颗題题願愿顛颠類类顧顾顯显風风颱台颳刮飆飙飲饮餓饿餘余館馆餬糊馬马駕驾駭骇髒脏體体髮发鬆松鬍胡鬥斗鬱郁鮮鲜鳴鸣鵡鹉鷄鸡鸚鹦鹼碱鹽盐麪面麫面麵面麼么麽么點点黨党齒齿齣出"
