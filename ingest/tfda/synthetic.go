package tfda

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteSynthetic writes a made-up dataset-36 export of the given number of rows in the
// official layout (UTF-8 with a BOM, the 28 columns, every field quoted, CRLF), so that
// readers and stores can be exercised at full size: the bundled 36_sample.csv is an
// extract with most columns empty. About one row in twelve repeats a licence with other
// packaging, as in the real file (72,000 rows, 66,000 licences); about 18% of licences
// are cancelled. The same seed gives the same bytes.
func WriteSynthetic(w io.Writer, rows int, seed int64) error {
	if rows < 0 {
		return errors.New("tfda: synthetic: rows must not be negative")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF")
	writeCSVRow(bw, licenceColumns)

	g := &synth{rng: rand.New(rand.NewPCG(uint64(seed), 0x36a7f0d1c3b2e95d))}
	repeats := rows / 12
	unique := rows - repeats
	keys := g.keys(unique)
	row := make([]string, len(licenceColumns))
	for i, key := range keys {
		g.licence(key, row)
		writeCSVRow(bw, row)
		// Selection sampling: exactly `repeats` licences get a second row.
		if g.rng.IntN(unique-i) < repeats {
			repeats--
			row[lPackages] = g.otherPackages(row[lPackages])
			if row[lPackagesBarcodes] != "" {
				row[lPackagesBarcodes] = g.barcodes()
			}
			writeCSVRow(bw, row)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tfda: synthetic: %w", err)
	}
	return nil
}

// WriteSyntheticIngredients writes a made-up dataset-43 export (詳細處方成分) that
// goes with WriteSynthetic's export of the same rows and seed: one to four ingredient
// rows for each of its licences, the rows of a licence together, in the official layout.
func WriteSyntheticIngredients(w io.Writer, rows int, seed int64) error {
	if rows < 0 {
		return errors.New("tfda: synthetic: rows must not be negative")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF")
	writeCSVRow(bw, ingredientsTable.cols)
	g := &synth{rng: rand.New(rand.NewPCG(uint64(seed), 0x36a7f0d1c3b2e95d))}
	keys := g.keys(rows - rows/12) // the licences of WriteSynthetic's export
	units := []string{"MG", "MG", "MG", "G", "MCG", "ML", "IU"}
	row := make([]string, len(ingredientsTable.cols))
	for _, key := range keys {
		for i := range 1 + g.rng.IntN(4) {
			in := ingredients[g.rng.IntN(len(ingredients))]
			amount := strconv.Itoa(5 * (1 + g.rng.IntN(100)))
			unit := g.pick(units)
			row[inKey], row[inLabel], row[inName] = key, "", in.name
			if i == 0 {
				row[inLabel] = g.pick([]string{"每錠含有", "每膠囊含有", "每毫升含有", "每公克含有"})
			}
			row[inCode] = fmt.Sprintf("%06d%04d", g.rng.IntN(1000000), g.rng.IntN(10000))
			row[inAmountDesc], row[inAmount], row[inUnit] = "", amount, unit
			if g.chance(0.2) {
				row[inAmountDesc] = amount + " " + unit
			}
			writeCSVRow(bw, row)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tfda: synthetic: %w", err)
	}
	return nil
}

// writeCSVRow quotes every field as the official export does, except an empty last
// field, which the export leaves bare ("...","",).
func writeCSVRow(w *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			w.WriteByte(',')
		}
		if f == "" && i == len(fields)-1 && i > 0 {
			break
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteString("\r\n")
}

type synth struct {
	rng *rand.Rand
}

func (g *synth) pick(ss []string) string { return ss[g.rng.IntN(len(ss))] }

func (g *synth) chance(p float64) bool { return g.rng.Float64() < p }

// prefix is a licence number pattern: era (內衛 before 1971, 衛署 to 2013, 衛部
// since), kind (藥 drugs, 成 OTC 成藥, 菌疫 vaccines) and origin (製 made here, 輸
// imported, 陸輸 from mainland China).
type prefix struct {
	text   string
	weight int
	from   int // issue years
	to     int
	cancel float64 // share cancelled
}

var prefixes = []prefix{
	{"衛署藥製字", 25, 1971, 2013, 0.18},
	{"衛署藥輸字", 18, 1971, 2013, 0.18},
	{"衛部藥製字", 12, 2013, 2026, 0.04},
	{"衛部藥輸字", 10, 2013, 2026, 0.04},
	{"內衛藥製字", 6, 1962, 1971, 0.45},
	{"內衛藥輸字", 3, 1962, 1971, 0.45},
	{"衛署成製字", 6, 1971, 2013, 0.18},
	{"內衛成製字", 5, 1962, 1971, 0.45},
	{"衛部成製字", 2, 2013, 2026, 0.04},
	{"衛署菌疫輸字", 1, 1971, 2013, 0.18},
	{"衛部菌疫輸字", 1, 2013, 2026, 0.04},
	{"衛署藥陸輸字", 1, 2005, 2013, 0.18},
	{"衛部藥陸輸字", 1, 2013, 2026, 0.04},
}

// keys makes n distinct licence numbers, sorted as the export is.
func (g *synth) keys(n int) []string {
	total := 0
	for _, p := range prefixes {
		total += p.weight
	}
	next := make([]int, len(prefixes))
	keys := make([]string, 0, n)
	for range n {
		w := g.rng.IntN(total)
		i := 0
		for w >= prefixes[i].weight {
			w -= prefixes[i].weight
			i++
		}
		next[i] += 1 + g.rng.IntN(3)
		keys = append(keys, fmt.Sprintf("%s第%06d號", prefixes[i].text, next[i]))
	}
	slices.Sort(keys)
	return keys
}

func prefixOf(key string) prefix {
	for _, p := range prefixes {
		if strings.HasPrefix(key, p.text) {
			return p
		}
	}
	return prefixes[0]
}

// form is a dosage form with the words names use for it.
type form struct {
	name   string   // 劑型
	zh     []string // in 中文品名
	en     []string // in 英文品名
	units  []string // strengths
	amount []string
	usage  []string // 用法用量
}

var forms = []form{
	{"錠劑", []string{"錠", "膜衣錠", "糖衣錠", "持續性藥效錠"}, []string{"TABLETS", "FILM-COATED TABLETS", "SUGAR COATED TABLETS", "EXTENDED-RELEASE TABLETS"}, []string{"毫克", "公絲"}, []string{"5", "10", "20", "25", "40", "50", "100", "200", "250", "400", "500", "800", "0.5"}, oralUsage},
	{"膜衣錠", []string{"膜衣錠"}, []string{"FILM-COATED TABLETS", "F.C. TABLETS"}, []string{"毫克"}, []string{"10", "20", "40", "80", "150", "300"}, oralUsage},
	{"膠囊劑", []string{"膠囊"}, []string{"CAPSULES"}, []string{"毫克", "公絲"}, []string{"20", "50", "100", "200", "250", "500"}, oralUsage},
	{"軟膏劑", []string{"軟膏", "眼用軟膏"}, []string{"OINTMENT", "EYE OINTMENT"}, []string{"毫克/公克"}, []string{"1", "10", "50"}, []string{"一日數次，適量塗抹患部。"}},
	{"乳膏劑", []string{"乳膏"}, []string{"CREAM"}, []string{"毫克/公克"}, []string{"1", "10", "50"}, []string{"一日數次，適量塗抹患部。"}},
	{"注射劑", []string{"注射液", "注射劑", "凍晶注射劑"}, []string{"INJECTION", "FOR INJECTION"}, []string{"毫克/毫升", "毫克"}, []string{"1", "2", "5", "10", "250", "500"}, []string{"依醫師指示使用。", "本藥限由醫師使用"}},
	{"口服液劑", []string{"內服液", "口服液"}, []string{"ORAL SOLUTION"}, []string{"毫克/毫升"}, []string{"1", "5", "20"}, []string{"成人每次1包（10毫升），一日3次。", "依醫師指示使用。"}},
	{"糖漿劑", []string{"糖漿"}, []string{"SYRUP"}, []string{"毫克/毫升"}, []string{"1", "2", "5"}, []string{"成人每次1包（10毫升），一日3次。", "依醫師指示使用。"}},
	{"顆粒劑", []string{"顆粒"}, []string{"GRANULES"}, []string{"毫克/公克"}, []string{"100", "200"}, []string{"成人每次1包，一日3次。", "依醫師指示使用。"}},
	{"散劑", []string{"散", "胃散"}, []string{"POWDER"}, nil, nil, []string{"成人每次1包，一日3次。", "依醫師指示使用。"}},
	{"點眼液劑", []string{"點眼液", "眼藥水"}, []string{"EYE DROPS", "OPHTHALMIC SOLUTION"}, []string{"毫克/毫升"}, []string{"0.5", "1", "5"}, []string{"每次1~2滴，一日3~4次點眼。"}},
	{"外用液劑", []string{"外用液", "液"}, []string{"SOLUTION", "LOTION"}, nil, nil, []string{"一日數次，適量塗抹患部。"}},
	{"貼片劑", []string{"貼片", "貼布"}, []string{"PATCHES", "PLASTER"}, nil, nil, []string{"一日數次，適量塗抹患部。", "一日1~2次，貼於患部。"}},
	{"栓劑", []string{"栓劑", "塞劑"}, []string{"SUPPOSITORIES"}, []string{"毫克"}, []string{"100", "125", "500"}, []string{"依醫師指示使用。", "本藥限由醫師使用"}},
}

var oralUsage = []string{"成人每次１錠，每日３次，飯後服用。", "成人每次1~2錠，一日3次。", "本藥須由醫師處方使用"}

// ingredient pairs an active ingredient with what it is licensed for.
var ingredients = []struct{ name, indication string }{
	{"ACETAMINOPHEN", "解熱、鎮痛。"},
	{"IBUPROFEN", "緩解輕度至中度疼痛、發燒、類風濕性關節炎及骨關節炎之症狀。"},
	{"ASPIRIN", "解熱、鎮痛、消炎。"},
	{"FAMOTIDINE", "胃潰瘍、十二指腸潰瘍、吻合部潰瘍、逆流性食道炎。"},
	{"ACYCLOVIR", "單純疱疹病毒引起之皮膚及粘膜感染、帶狀疱疹。"},
	{"HYDROCORTISONE", "濕疹、皮膚炎、皮膚搔癢。"},
	{"CEPHALEXIN", "葡萄球菌、鏈球菌、肺炎雙球菌等具有感受性細菌引起之感染症。"},
	{"NAPHAZOLINE HCL", "緩解眼睛充血、眼睛癢。"},
	{"ALUMINUM HYDROXIDE", "胃酸過多、胃灼熱、胃部不適。"},
	{"MAGNESIUM OXIDE", "制酸、緩瀉。"},
	{"ALLOPURINOL", "痛風、高尿酸血症。"},
	{"IRBESARTAN", "治療原發性高血壓。"},
	{"PRAVASTATIN SODIUM", "高膽固醇血症。"},
	{"FELODIPINE", "高血壓、狹心症。"},
	{"METOPROLOL TARTRATE", "高血壓、狹心症、心律不整。"},
	{"XYLOMETAZOLINE HCL", "緩解鼻塞。"},
	{"TETRYZOLINE HCL", "緩解眼睛充血。"},
	{"SALICYLAMIDE", "解熱、鎮痛。"},
	{"METFORMIN HCL", "控制糖尿病。"},
	{"AMLODIPINE BESYLATE", "高血壓、慢性穩定型心絞痛。"},
	{"LORATADINE", "緩解過敏性鼻炎及慢性蕁麻疹之症狀。"},
	{"CHLORPHENIRAMINE MALEATE", "緩解感冒之各種症狀（流鼻水、鼻塞、打噴嚏）。"},
	{"DEXTROMETHORPHAN HBR", "鎮咳。"},
	{"CAFFEINE ANHYDROUS", "解熱、鎮痛（輔助）。"},
	{"SODIUM BICARBONATE", "制酸劑。"},
	{"MENTHOL", "頭痛、肌肉痛、蚊蟲咬傷之止癢。"},
	{"METHYL SALICYLATE", "肩膀酸痛、肌肉痛、關節痛。"},
	{"OMEPRAZOLE", "胃潰瘍、十二指腸潰瘍、逆流性食道炎。"},
	{"ZOLPIDEM TARTRATE", "失眠症之短期治療。"},
	{"ALPRAZOLAM", "焦慮狀態。"},
	{"INFLUENZA VACCINE", "預防流行性感冒。"},
	{"INSULIN GLARGINE", "治療需要胰島素之糖尿病。"},
}

// controlled are the ingredients that are 管制藥品.
var controlled = map[string]string{"ZOLPIDEM TARTRATE": "第四級管制藥品", "ALPRAZOLAM": "第四級管制藥品"}

var (
	syllablesZH = strings.Fields("安 克 疹 樂 舒 寧 康 必 利 威 泰 普 拿 速 益 欣 諾 保 得 敏 適 達 美 加 斯 平 立 倍 佳 喜 優 祥 新 順 和 健 爾 妥 瑞 信 鎮 痛 咳 胃 明 視 膚 捷 恩 博 力 沛 福 恆 定 宜 眠 靜 清 潤 爽 捷 暢")
	syllablesEN = strings.Fields("AN KE ZEN LO SHU NING KANG BI LI WEI TAI PU NA SU YI SIN NO BAO DE MIN SHI DA MEI JIA SI PING LI BEI JIA SHI YOU SIANG SIN SHUN HE JIAN ER TUO RUI SIN")
	// makers: the tag as names carry it in Chinese, and in English.
	makers = []struct{ zh, en string }{
		{"福元", "F.Y."}, {"金葫蘆", "JIN HWU RO"}, {"杜拜廠", "DUBAI"}, {"永信", "YUNG SHIN"}, {"生達", "STANDARD"},
		{"中美", "CHUNG MEI"}, {"優生", "U-LIAN"}, {"人生", "JEN SHENG"}, {"井田", "CHINTEH"}, {"信東", "SINTONG"},
		{"應元", "YING YUAN"}, {"晟德", "SYNGEN"}, {"黃氏", "HUANG'S"}, {"羅得", "ROTEX"}, {"健喬", "SINPHAR"},
		{"五洲", "WU CHOU"}, {"南光", "NANG KUANG"}, {"政德", "GENTLE"}, {"十全", "SHIH CHUAN"}, {"汎生", "PANBIOTIC"},
	}
	// quotes are the marks maker tags come in.
	quotes   = [][2]string{{`"`, `"`}, {"〝", "〞"}, {"“", "”"}, {"”", "”"}, {"「", "」"}}
	packages = []string{"盒裝", "瓶裝", "鋁箔盒裝", "塑膠瓶裝", "罐裝", "管裝", "安瓿", "小瓶裝", "鋁箔片裝", "袋裝", "PTP鋁箔盒裝", "玻璃瓶裝"}
	cities   = []string{"台北市", "新北市", "桃園市", "台中市", "台南市", "高雄市", "新竹縣", "彰化縣", "屏東縣", "宜蘭縣"}
	areas    = []string{"中山區", "大安區", "新莊區", "板橋區", "龜山區", "大甲區", "新營區", "仁武區", "湖口鄉", "和美鎮", "西屯區", "永康區"}
	roads    = []string{"中山路", "中正路", "民生東路", "工業區五路", "幼四路", "新工路", "建國北路", "復興路", "仁愛路二段", "文化一路"}
	firms    = []string{"製藥股份有限公司", "化學製藥股份有限公司", "藥品工業股份有限公司", "生技股份有限公司", "藥廠股份有限公司"}
	agents   = []string{"股份有限公司", "貿易有限公司", "藥品股份有限公司", "醫藥股份有限公司"}
	foreign  = []struct{ country, place string }{
		{"US", "NEW JERSEY, U.S.A."}, {"DE", "BERLIN, GERMANY"}, {"JP", "OSAKA, JAPAN"}, {"CH", "BASEL, SWITZERLAND"},
		{"GB", "KENT, UNITED KINGDOM"}, {"FR", "LYON, FRANCE"}, {"IT", "MILANO, ITALY"}, {"BE", "PUURS, BELGIUM"},
		{"IN", "GUJARAT, INDIA"}, {"KR", "SEOUL, KOREA"}, {"ES", "BARCELONA, SPAIN"}, {"IE", "CORK, IRELAND"},
	}
	foreignFirms = []string{"GMBH", "LTD.", "S.A.", "INC.", "S.P.A.", "PHARMA AG", "PHARMACEUTICALS LTD.", "CO., LTD."}
)

// licence fills row with one licence.
func (g *synth) licence(key string, row []string) {
	for i := range row {
		row[i] = ""
	}
	p := prefixOf(key)
	imported := strings.Contains(p.text, "輸")
	otc := strings.Contains(p.text, "成")
	vaccine := strings.Contains(p.text, "菌疫")

	issued := g.date(p.from, p.to)
	row[lKey] = key
	row[lIssued] = slashDate(issued)
	row[lLicenceType] = "製　劑"
	switch {
	case vaccine:
		row[lLicenceType] = "菌　疫"
	case g.chance(0.01):
		row[lLicenceType] = "體外試劑"
	}
	if g.chance(0.15) {
		row[lOldLicence] = fmt.Sprintf("%08d", g.rng.IntN(20000000))
	}
	if g.chance(0.97) {
		row[lCustomsDoc] = fmt.Sprintf("DHY0%08d%02d", g.rng.IntN(100000000), g.rng.IntN(100))
	}

	end := time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC)
	changed := issued.AddDate(0, 0, g.rng.IntN(int(end.Sub(issued).Hours()/24)+1))
	if g.chance(p.cancel) {
		cancelled := changed
		row[lCancelStatus] = "已註銷"
		row[lCancelReason] = g.pick([]string{"自請註銷", "未展延而逾期者", "自行鍵入", "逾期未申請展延", "許可證移轉"})
		if g.chance(0.12) {
			row[lCancelStatus] = "已廢止"
			row[lCancelReason] = g.pick([]string{"公告廢止", "依法廢止", "安全疑慮廢止"})
		}
		row[lCancelledOn] = slashDate(cancelled)
		valid := cancelled.AddDate(0, -g.rng.IntN(24), 0)
		if valid.Before(issued) {
			valid = issued.AddDate(5, 0, 0)
		}
		row[lValidUntil] = slashDate(valid)
	} else {
		valid := issued
		for !valid.After(end) {
			valid = valid.AddDate(5, 0, 0)
		}
		row[lValidUntil] = slashDate(valid)
	}
	row[lChangedOn] = slashDate(changed)

	f := forms[g.rng.IntN(len(forms))]
	if vaccine {
		f = forms[5]
	}
	n := 1 + g.rng.IntN(3)
	if g.chance(0.5) {
		n = 1
	}
	var names []string
	var indication string
	if vaccine {
		names, indication = []string{"INFLUENZA VACCINE"}, "預防流行性感冒。"
	} else {
		for range n {
			in := ingredients[g.rng.IntN(len(ingredients)-2)] // no vaccine, no insulin
			if !slices.Contains(names, in.name) {
				names = append(names, in.name)
			}
			if indication == "" {
				indication = in.indication
			}
		}
	}
	row[lIngredients] = strings.Join(names, ";;")
	if g.chance(0.05) {
		row[lIngredients] = "" // as in the export, some licences list none
	}
	row[lIndication] = indication
	row[lDosageForm] = f.name
	row[lNameZH], row[lNameEN] = g.names(f)
	row[lPackages] = g.packageList()

	switch {
	case otc:
		row[lCategory] = g.pick([]string{"成藥", "成藥", "乙類成藥"})
	case g.chance(0.22):
		row[lCategory] = "醫師藥師藥劑生指示藥品"
	case g.chance(0.04):
		row[lCategory] = "限由醫師使用"
	default:
		row[lCategory] = "須由醫師處方使用"
	}
	if lvl, ok := controlled[names[0]]; ok && !otc {
		row[lCategory] = "須由醫師處方使用"
		row[lControlled] = lvl
	}

	applicant := g.firm()
	row[lApplicant] = applicant
	row[lApplicantAddress] = g.address()
	row[lApplicantID] = fmt.Sprintf("%08d", g.rng.IntN(100000000))
	if imported {
		fo := foreign[g.rng.IntN(len(foreign))]
		if strings.Contains(p.text, "陸輸") {
			fo.country, fo.place = "CN", "JIANGSU, CHINA"
		}
		row[lApplicant] = g.pick(syllablesZH) + g.pick(syllablesZH) + g.pick(agents)
		row[lManufacturer] = g.pick(syllablesEN) + g.pick(syllablesEN) + " " + g.pick(foreignFirms)
		row[lManufacturerAddress] = fmt.Sprintf("%d %s STREET, %s", 1+g.rng.IntN(300), g.pick(syllablesEN), fo.place)
		row[lManufacturerCountry] = fo.country
	} else {
		row[lManufacturer] = applicant
		if g.chance(0.3) {
			row[lManufacturer] = g.firm()
			row[lProcess] = g.pick([]string{"委託製造", "分包裝", "受託製造"})
		}
		row[lManufacturerAddress] = g.address()
		row[lManufacturerCountry] = "TW"
	}
	if g.chance(0.1) {
		row[lManufacturerCompanyAddress] = g.address()
	}
	if g.chance(0.25) {
		row[lUsage] = g.pick(f.usage)
	}
	if g.chance(0.2) {
		row[lPackagesBarcodes] = g.barcodes()
	}
}

// names builds a 中文品名 with a maker tag in one of the export's quote styles and
// often full-width digits ("福元"蘇打錠500毫克, 〝金葫蘆〞消化固胃散, 普拿錠“杜拜廠”),
// and its 英文品名.
func (g *synth) names(f form) (zh, en string) {
	var b strings.Builder
	k := 2 + g.rng.IntN(2)
	var stemEN strings.Builder
	for range k {
		i := g.rng.IntN(len(syllablesZH))
		b.WriteString(syllablesZH[i])
		stemEN.WriteString(syllablesEN[i%len(syllablesEN)])
	}
	fi := g.rng.IntN(len(f.zh))
	b.WriteString(f.zh[fi])
	en = stemEN.String() + " " + f.en[min(fi, len(f.en)-1)]
	if len(f.units) > 0 && g.chance(0.7) {
		amount, unit := g.pick(f.amount), g.pick(f.units)
		s := amount + unit
		if g.chance(0.4) {
			s = fullWidth(s)
		}
		b.WriteString(s)
		en += " " + amount + "MG"
	}
	zh = b.String()
	if g.chance(0.75) {
		m := makers[g.rng.IntN(len(makers))]
		q := quotes[g.rng.IntN(len(quotes))]
		tag := q[0] + m.zh + q[1]
		if g.chance(0.7) {
			zh = tag + zh
		} else {
			zh += tag
		}
		en += ` "` + m.en + `"`
	}
	if g.chance(0.1) {
		zh += "（" + g.pick(syllablesZH) + g.pick(syllablesZH) + g.pick(syllablesZH) + "）"
	}
	return zh, en
}

func (g *synth) packageList() string {
	n := 1 + g.rng.IntN(3)
	var ps []string
	for range n {
		p := g.pick(packages)
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return strings.Join(ps, ";;")
}

// otherPackages returns packaging unlike old, for a licence's repeated row.
func (g *synth) otherPackages(old string) string {
	for {
		if p := g.packageList(); p != old {
			return p
		}
	}
}

func (g *synth) barcodes() string {
	n := 1 + g.rng.IntN(2)
	var cs []string
	for range n {
		cs = append(cs, ean13("471"+fmt.Sprintf("%09d", g.rng.IntN(1000000000))))
	}
	return strings.Join(cs, ";;")
}

// ean13 appends the check digit to 12 digits.
func ean13(d string) string {
	sum := 0
	for i, c := range d {
		n := int(c - '0')
		if i%2 == 1 {
			n *= 3
		}
		sum += n
	}
	return d + strconv.Itoa((10-sum%10)%10)
}

func (g *synth) firm() string {
	return g.pick(syllablesZH) + g.pick(syllablesZH) + g.pick(firms)
}

func (g *synth) address() string {
	no := fullWidth(strconv.Itoa(1 + g.rng.IntN(300)))
	return g.pick(cities) + g.pick(areas) + g.pick(roads) + no + "號"
}

func (g *synth) date(fromYear, toYear int) time.Time {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(toYear, 9, 1, 0, 0, 0, 0, time.UTC)
	days := int(end.Sub(start).Hours() / 24)
	return start.AddDate(0, 0, g.rng.IntN(days))
}

func slashDate(t time.Time) string { return t.Format("2006/01/02") }

// fullWidth turns ASCII digits and their punctuation into full-width forms
// ("500毫克" → "５００毫克").
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r - '0' + '０'
		case r == '.':
			return '．'
		case r == '/':
			return '／'
		}
		return r
	}, s)
}
