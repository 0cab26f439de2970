package bot

import (
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

func TestIsFollowUp(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"那它長什麼樣子？", true},
		{"副作用呢？", true},
		{"怎麼保存", true},
		{"這顆是什麼藥", true},
		{"要吃幾顆？", true},
		{"what does it look like?", true},
		{"side effects?", true},
		{"普拿疼的副作用", false},
		{"普拿疼長什麼樣子", false},
		{"愛心卡弄丟了怎麼辦", false},
		{"白色圓形藥丸 YSP", false},
		{"what are the side effects of ibuprofen", false},
		{"itching after taking a pill", false}, // "it" inside a word is not a reference
		// An aspect of a service, or whether it suits someone, and nothing of its own.
		{"要帶什麼", true},
		{"要多少錢", true},
		{"在哪裡辦", true},
		{"要多久才拿得到", true},
		{"小孩可以吃嗎", true},
		{"那老人呢", true},
		{"what about kids?", true},
		{"海葬要錢嗎", false},
		{"戒菸專線", false},
		{"孕婦可以吃普拿疼嗎", false},
		{"can kids take ibuprofen", false},
		// In English: an aspect of a service, or "it" and one word besides.
		{"Where do I apply?", true},
		{"What documents do I need?", true},
		{"Is it free?", true},
		{"When is it paid?", true},
		{"Is it true you should not wrap food in cling film?", false},
		{"Where can I top up my senior citizen EasyCard?", false},
	} {
		t.Run(tc.q, func(t *testing.T) {
			if got := isFollowUp(tc.q); got != tc.want {
				t.Errorf("isFollowUp(%q) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestAspectOf(t *testing.T) {
	for q, want := range map[string]string{
		"那它長什麼樣子？":                    "appearance",
		"副作用呢？":                       "side_effects",
		"要放冰箱嗎":                       "storage",
		"普拿疼可以跟酒一起吃嗎":                 "interactions",
		"感冒藥和降血壓藥可以併用嗎":               "interactions",
		"Can I take it with alcohol?": "interactions",
		"一天吃幾顆":                       "dose",
		"這是治什麼的":                      "indication",
		"成分是什麼":                       "ingredients",
		"許可證還有效嗎":                     "status",
		"普拿疼":                         "",
		"What is the dose":            "dose",
	} {
		if got := aspectOf(q); got != want {
			t.Errorf("aspectOf(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestIsPillQuestion(t *testing.T) {
	for q, want := range map[string]bool{
		"白色圓形，上面寫 YSP 52": true,
		"撿到一顆藥上面刻 TCP":    true,
		"黃色膠囊":            true,
		"普拿疼的成分":          false,
		"愛心卡弄丟了":          false,
	} {
		if got := isPillQuestion(q); got != want {
			t.Errorf("isPillQuestion(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestIsEnglish(t *testing.T) {
	for q, want := range map[string]bool{
		"what is Panadol for": true,
		"普拿疼":                 false,
		"Panadol 可以空腹吃嗎":      false,
		"YSP 52":              false,
		"ibuprofen":           false,
		"ibuprofen tablets":   true,
		"white round pill":    true,
		"I lost my card":      true,
		"?":                   false,
	} {
		if got := isEnglish(q); got != want {
			t.Errorf("isEnglish(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestHolderOf(t *testing.T) {
	drug := func(key string, conf float64, lic map[string]any) retrieval.Hit {
		h := retrieval.Hit{Dataset: corpus.DatasetDrug, Key: key, Title: key, Confidence: conf, Facets: map[string]any{}}
		if lic != nil {
			h.Facets[corpus.FacetLicence] = lic
		}
		return h
	}
	withIngredients := map[string]any{"ingredients": []any{"ACETAMINOPHEN 500 mg"}}
	hits := []retrieval.Hit{drug("a", 0.5, nil), drug("b", 0.3, withIngredients), drug("c", 0.5, withIngredients)}
	if got := holderOf(hits, "ingredients", false); got != 2 {
		t.Errorf("ingredients asked: holder %d, want 2 (b is less well founded)", got)
	}
	if got := holderOf(hits, "", false); got != 0 {
		t.Errorf("nothing asked: holder %d, want 0", got)
	}
	if got := holderOf(hits[:2], "ingredients", false); got != 0 {
		t.Errorf("no equal holder: %d, want 0", got)
	}
	if got := holderOf([]retrieval.Hit{drug("a", 0.5, withIngredients), hits[2]}, "ingredients", false); got != 0 {
		t.Errorf("the first holds it: %d, want 0", got)
	}
}

func TestPopulationOf(t *testing.T) {
	for q, want := range map[string]string{
		"懷孕可以吃止痛藥嗎":                              "pregnancy",
		"餵母奶可以吃感冒藥嗎":                             "pregnancy",
		"兩歲以下的小孩不能吃感冒藥嗎":                         "child",
		"Can I take ibuprofen while pregnant?":   "pregnancy",
		"Is this safe for my kids?":              "child",
		"Does acetaminophen damage the kidneys?": "",
		"普拿疼的成分是什麼":                              "",
	} {
		if got := populationOf(q); got != want {
			t.Errorf("populationOf(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestAskedName(t *testing.T) {
	for _, tt := range []struct{ q, title, want string }{
		{"斯斯感冒膠囊一天可以吃幾次", "感冒膠囊", "斯斯感冒膠囊"},
		{"請問感冒膠囊可以吃幾顆", "感冒膠囊", ""},
		{"我想買感冒膠囊", "感冒膠囊", ""},
		{"普拿疼膜衣錠可以跟酒一起吃嗎", "普拿疼膜衣錠５００毫克", ""},
		{"明大感冒膠囊", `"明大" 感冒膠囊`, ""},
		{"百服寧可以空腹吃嗎", "百服寧錠", ""},
	} {
		if got := askedName(tt.q, tt.title); got != tt.want {
			t.Errorf("askedName(%q, %q) = %q, want %q", tt.q, tt.title, got, tt.want)
		}
	}
}

func TestSharesName(t *testing.T) {
	for _, tt := range []struct {
		q, title, body string
		want           bool
	}{
		{"利他能是管制藥品嗎", "〝管制藥品廠〞嗎啡長效膜衣錠30毫克", "", false},
		{"眼藥水可以共用嗎", "拿必樂點眼液", "", false},
		{"阿斯匹靈可以每天吃嗎", "阿斯匹靈錠", "", true},
		{"ibuprofen", "〝成大〞治痛安膠囊200毫克", "主成分：IBUPROFEN", true},
		{"famotadine", "嘉胃樂膜衣錠20毫克", "主成分：FAMOTIDINE", true},
		{"tablets please", "嘉胃樂膜衣錠20毫克", "FILM COATED TABLETS", false},
	} {
		h := retrieval.Hit{Title: tt.title, Body: tt.body}
		if got := sharesName(tt.q, h); got != tt.want {
			t.Errorf("sharesName(%q, %q) = %v, want %v", tt.q, tt.title, got, tt.want)
		}
	}
}

func TestNamesBrand(t *testing.T) {
	for _, tt := range []struct {
		q, title string
		want     bool
	}{
		{"醫生開榮富力給我，這個是治什麼的", `"聯邦"榮富力膠囊`, true},
		{"我阿嬤都點溫美眼", `"溫士頓"溫美眼眼藥水`, true},
		{"請問一下，保栓通是抗凝血的藥嗎", "保栓通膜衣錠75毫克", true},
		{"普拿疼可以配咖啡嗎", "普拿疼膜衣錠500毫克", true},
		{"胃藥可以天天吃嗎", "胃藥錠", false},             // two characters: a word as often as a brand
		{"吃維他命C可以預防感冒嗎", `"長安"維他命感冒膠囊`, false}, // both words, not the brand whole
		{"榮富力", "", false},
	} {
		if got := namesBrand(tt.q, retrieval.Hit{Title: tt.title}); got != tt.want {
			t.Errorf("namesBrand(%q, %q) = %v, want %v", tt.q, tt.title, got, tt.want)
		}
	}
}

func TestFollowsConversation(t *testing.T) {
	for _, tc := range []struct {
		q, said string
		want    bool
	}{
		// Nothing of its own beyond what the conversation said.
		{"去哪裡申請", "長者預防走失手鍊服務資格 阿公失智，防走失手鍊誰可以申請", true},
		{"上課要錢嗎", "托育(保母)人員專業訓練 想當保母，專業訓練課程的資訊去哪裡看", true},
		{"要吃幾天", "利發新膠囊５００公絲 利發新膠囊是抗生素嗎", true},
		// A subject of its own.
		{"海葬要錢嗎", "如何搭乘臺北市敬老愛心車隊之計程車？ 敬老愛心車隊的計程車要怎麼叫", false},
		{"敬老卡呢", "愛心悠遊卡遺失怎麼辦？ 愛心卡掉了", false},
		{"ibuprofen 呢", "普拿疼止痛錠 普拿疼是什麼藥", false},
		// Too long to be read as a follow-up at all.
		{"家裡的水管很舊會不會吃到鉛", "家裡的水管 水管", false},
	} {
		if got := readFollowUp(tc.q).follows(tc.said); got != tc.want {
			t.Errorf("follows(%q, %q) = %v, want %v", tc.q, tc.said, got, tc.want)
		}
	}
}

func TestSubstitute(t *testing.T) {
	for q, want := range map[string]string{
		"那咖啡呢":     "咖啡",
		"咖啡呢？":     "咖啡",
		"那如果是牛奶呢？": "牛奶",
		"那麼愛心卡呢":   "愛心卡",
		"咖啡":       "", // no 呢
		"我的健保卡密碼忘記了該去哪裡重新設定呢": "", // a question of its own
		"那呢":   "",
		"那it呢": "", // no Chinese
	} {
		if got := substitute(q); got != want {
			t.Errorf("substitute(%q) = %q, want %q", q, got, want)
		}
	}
}
