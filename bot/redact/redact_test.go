package redact_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot/redact"
)

type redactCase struct {
	name  string
	in    string
	want  string
	kinds []redact.Kind
}

// positiveCases are messages with personal data, in the forms citizens type it.
func positiveCases(tb testing.TB) []redactCase {
	tb.Helper()
	const (
		nid  = redact.NationalID
		rid  = redact.ResidentID
		mob  = redact.Mobile
		tel  = redact.Phone
		mail = redact.Email
		nhi  = redact.NHICard
		card = redact.CreditCard
	)
	female := validID(tb, "F22222222")
	resNew := validID(tb, "A80000001")
	resNew9 := validID(tb, "Y91234567")
	resOld := validID(tb, "AB1234567")
	resOldD := validID(tb, "kd0000012")
	return []redactCase{
		// National IDs.
		{"id and nhi zh-TW", "我的身分證是A123456789，健保卡 0000 1234 5678", "我的身分證是***，健保卡 ***", []redact.Kind{nid, nhi}},
		{"id zh-CN", "我的身份证号码是 A123456789", "我的身份证号码是 ***", []redact.Kind{nid}},
		{"id en", "My ID number is A123456789.", "My ID number is ***.", []redact.Kind{nid}},
		{"id lower case", "id: a123456789", "id: ***", []redact.Kind{nid}},
		{"id full-width", "身分證字號：Ａ１２３４５６７８９。", "身分證字號：***。", []redact.Kind{nid}},
		{"id female", "妻子的身分證 " + female + " 可以代領嗎", "妻子的身分證 *** 可以代領嗎", []redact.Kind{nid}},
		{"id with hyphens", "ID A123-456-789 ok", "ID *** ok", []redact.Kind{nid}},
		{"id with a space after the letter", "身分證 A 123456789", "身分證 ***", []redact.Kind{nid}},
		{"id after digits", "編號12A123456789", "編號12***", []redact.Kind{nid}},
		{"id before letters", "A123456789abc", "***abc", []redact.Kind{nid}},
		{"id in parentheses", "（A123456789）", "（***）", []redact.Kind{nid}},
		{"two ids", "A123456789、" + female, "***、***", []redact.Kind{nid}},
		// Resident certificates.
		{"resident 2021 format", "居留證號碼 " + resNew, "居留證號碼 ***", []redact.Kind{rid}},
		{"resident 2021 format 9", "ARC " + resNew9 + ", thanks", "ARC ***, thanks", []redact.Kind{rid}},
		{"resident old format", "舊式居留證" + resOld + "還能用嗎", "舊式居留證***還能用嗎", []redact.Kind{rid}},
		{"resident old format lower case", "arc " + resOldD, "arc ***", []redact.Kind{rid}},
		// Mobile numbers.
		{"mobile en", "call me at 0912-345-678", "call me at ***", []redact.Kind{mob}},
		{"mobile zh", "手機0912345678", "手機***", []redact.Kind{mob}},
		{"mobile spaces", "0912 345 678 謝謝", "*** 謝謝", []redact.Kind{mob}},
		{"mobile dots", "0912.345.678", "***", []redact.Kind{mob}},
		{"mobile 4-6", "0912-345678", "***", []redact.Kind{mob}},
		{"mobile intl", "+886 912 345 678", "***", []redact.Kind{mob}},
		{"mobile intl hyphens", "Tel: +886-912-345-678.", "Tel: ***.", []redact.Kind{mob}},
		{"mobile 886 no plus", "886-912-345-678", "***", []redact.Kind{mob}},
		{"mobile intl trunk zero", "+886 (0)912 345 678", "***", []redact.Kind{mob}},
		{"mobile brackets", "(0912)345-678", "***", []redact.Kind{mob}},
		{"mobile in brackets", "手機(0912345678)", "手機(***)", []redact.Kind{mob}},
		{"mobile full-width", "電話：０９１２－３４５－６７８", "電話：***", []redact.Kind{mob}},
		{"mobile ideographic spaces", "０９１２　３４５　６７８", "***", []redact.Kind{mob}},
		{"mobile zero-width space", "0912\u200b345678", "***", []redact.Kind{mob}},
		{"mobile after a date", "2026-11-28 0912345678", "2026-11-28 ***", []redact.Kind{mob}},
		{"two mobiles", "0912345678 0922333444", "*** ***", []redact.Kind{mob}},
		// Landlines.
		{"landline brackets", "(02)2345-6789", "***", []redact.Kind{tel}},
		{"landline brackets space", "市話 (02) 2345-6789", "市話 ***", []redact.Kind{tel}},
		{"landline hyphen", "02-23456789", "***", []redact.Kind{tel}},
		{"landline bare", "家裡0223456789", "家裡***", []redact.Kind{tel}},
		{"landline kaohsiung", "07-123-4567", "***", []redact.Kind{tel}},
		{"landline taichung spaces", "04 2222 3333", "***", []redact.Kind{tel}},
		{"landline intl", "+886-2-2345-6789", "***", []redact.Kind{tel}},
		{"landline intl brackets", "+886 (2) 2345 6789", "***", []redact.Kind{tel}},
		{"landline miaoli", "037-123456", "***", []redact.Kind{tel}},
		{"landline nantou", "049-2345678", "***", []redact.Kind{tel}},
		{"landline matsu", "0836-22381", "***", []redact.Kind{tel}},
		{"landline taitung", "(089)123456", "***", []redact.Kind{tel}},
		{"landline extension hash", "(02)2345-6789#123", "***", []redact.Kind{tel}},
		{"landline extension zh", "02-2345-6789 分機 123，找陳小姐", "***，找陳小姐", []redact.Kind{tel}},
		{"landline extension zh no space", "02-2345-6789分機123", "***", []redact.Kind{tel}},
		{"landline extension en", "Phone 02-2345-6789 ext. 12 please", "Phone *** please", []redact.Kind{tel}},
		{"landline full-width brackets", "（０２）２３４５－６７８９", "***", []redact.Kind{tel}},
		{"landline and mobile", "電話(02)2345-6789或0912-345-678", "電話***或***", []redact.Kind{mob, tel}},
		// E-mail addresses.
		{"email zh", "email: chen.ming@example.com.tw", "email: ***", []redact.Kind{mail}},
		{"email end of sentence", "Write to Chen.Ming+civic@gov.taipei.", "Write to ***.", []redact.Kind{mail}},
		{"email in Chinese", "請寄到chen_ming@example.com謝謝", "請寄到***謝謝", []redact.Kind{mail}},
		{"email full-width", "ｃｈｅｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "***", []redact.Kind{mail}},
		{"email with digits", "0912345678@gmail.com", "***", []redact.Kind{mail}},
		{"email after a failed one", "1@2.3@example.com", "1@***", []redact.Kind{mail}},
		// NHI cards.
		{"nhi grouped", "健保卡號：0000-1234-5678", "健保卡號：***", []redact.Kind{nhi}},
		{"nhi en", "NHI card 0000 1234 5678.", "NHI card ***.", []redact.Kind{nhi}},
		{"nhi bare", "卡號000012345678", "卡號***", []redact.Kind{nhi}},
		{"nhi full-width", "健保卡　０００１２３４５６７８９", "健保卡　***", []redact.Kind{nhi}},
		// Payment cards.
		{"card visa spaces", "信用卡 4111 1111 1111 1111", "信用卡 ***", []redact.Kind{card}},
		{"card visa hyphens", "card 4111-1111-1111-1111 exp 12/28", "card *** exp 12/28", []redact.Kind{card}},
		{"card mastercard bare", "5555555555554444", "***", []redact.Kind{card}},
		{"card amex", "Amex 3782 822463 10005", "Amex ***", []redact.Kind{card}},
		{"card diners", "3056 930902 5904", "***", []redact.Kind{card}},
		{"card 19 digits", "4111 1111 1111 1111 003", "***", []redact.Kind{card}},
		{"card after letters", "x4111111111111111", "x***", []redact.Kind{card}},
		// Several kinds, reported in a fixed order.
		{"all kinds", "4111111111111111 000012345678 a@b.tw 02-2345-6789 0912345678 " + resNew + " A123456789",
			"*** *** *** *** *** *** ***", []redact.Kind{nid, rid, mob, tel, mail, nhi, card}},
		{"invalid utf-8 around", "\xff0912345678\xfe", "\xff***\xfe", []redact.Kind{mob}},
	}
}

// negativeCases are messages without personal data, many of them what medication
// questions are made of.
func negativeCases(tb testing.TB) []redactCase {
	tb.Helper()
	ean := validEAN13(tb, "471008841012")
	return []redactCase{
		{name: "empty", in: ""},
		{name: "no digits", in: "普拿疼可以和咖啡一起吃嗎？"},
		{name: "licence 衛署藥製字", in: "衛署藥製字第019424號"},
		{name: "licence 內衛藥製字", in: "內衛藥製字第000373號"},
		{name: "licence 衛部藥輸字", in: "衛部藥輸字第026895號是什麼藥"},
		{name: "licence full-width", in: "衛署藥製字第０１９４２４號"},
		{name: "imprint YSP", in: "藥上面寫 YSP 52"},
		{name: "imprint TCP", in: "白色圓形 TCP 20"},
		{name: "dose mg", in: "500mg"},
		{name: "dose per day", in: "每日3次，每次1顆"},
		{name: "dose thousands", in: "1,000 毫克"},
		{name: "dose decimal", in: "0.5 mg/kg"},
		{name: "date iso", in: "2026-11-28"},
		{name: "date roc", in: "115年1月3日"},
		{name: "date roc slashes", in: "115/01/03 看診"},
		{name: "date day first", in: "02-03-2026"},
		{name: "time", in: "2026-11-28 08:30"},
		{name: "ean-13", in: "條碼 " + ean},
		{name: "short numbers", in: "第 12 號診間，3 樓，12345"},
		{name: "help line 119", in: "請撥119"},
		{name: "help lines", in: "110、113、119、165、1925、1999"},
		{name: "help lines with spaces", in: "打 1925 或 1999 都可以"},
		{name: "poison centre", in: "毒藥物諮詢中心 (02) 2871-7121"},
		{name: "poison centre no space", in: "(02)2875-7525"},
		{name: "poison centre intl", in: "+886-2-2871-7121"},
		{name: "poison centre extension", in: "(02)2871-7121 分機 8"},
		{name: "toll-free", in: "0800-024-995"},
		{name: "toll-free spaces", in: "免付費 0800 000 123"},
		{name: "toll-free 0809", in: "0809-090-111"},
		{name: "version", in: "app v1.2.3"},
		{name: "ip address", in: "192.168.100.200"},
		{name: "price", in: "NT$1,234,567"},
		{name: "short phone-like", in: "02-2345"},
		{name: "id wrong check digit", in: "A123456788"},
		{name: "id bad second digit", in: "A323456789"},
		{name: "id after a letter", in: "XA123456789"},
		{name: "id before a digit", in: "A1234567890"},
		{name: "resident 2021 wrong check digit", in: wrongCheck(validID(tb, "A80000001"))},
		{name: "resident old wrong check digit", in: wrongCheck(validID(tb, "AB1234567"))},
		{name: "card wrong luhn", in: "4111111111111112"},
		{name: "card bad grouping", in: "4111 11 1111 1111 11"},
		{name: "13 digits", in: "1234567890123"},
		{name: "20 digits", in: "12345678901234567890"},
		{name: "mobile too long", in: "09123456789"},
		{name: "mobile after a letter", in: "code AB0912345678"},
		{name: "mobile before letters", in: "0912345678ab"},
		{name: "bare at sign", in: "@0912 line id"},
		{name: "email without dot", in: "chen@localhost"},
		{name: "email numeric domain", in: "x@1.2"},
		{name: "mask", in: redact.Mask},
		{name: "masks", in: "我的身分證是***，手機 ***"},
	}
}

func TestRedact(t *testing.T) {
	for _, tt := range positiveCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, kinds := redact.Redact(tt.in)
			if got != tt.want || !slices.Equal(kinds, tt.kinds) {
				t.Errorf("Redact(%q) = %q, %v; want %q, %v", tt.in, got, kinds, tt.want, tt.kinds)
			}
		})
	}
}

func TestRedactLeavesAlone(t *testing.T) {
	for _, tt := range negativeCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, kinds := redact.Redact(tt.in)
			if got != tt.in || kinds != nil {
				t.Errorf("Redact(%q) = %q, %v; want it unchanged, nil", tt.in, got, kinds)
			}
		})
	}
}

func TestRedactIdempotent(t *testing.T) {
	for _, tt := range slices.Concat(positiveCases(t), negativeCases(t)) {
		t.Run(tt.name, func(t *testing.T) {
			once, _ := redact.Redact(tt.in)
			twice, kinds := redact.Redact(once)
			if twice != once || kinds != nil {
				t.Errorf("Redact(%q) = %q, %v; want it unchanged, nil", once, twice, kinds)
			}
		})
	}
}

func TestRedactLongInput(t *testing.T) {
	// A run of digit groups with no end, and many items in a row.
	digits := strings.Repeat("1 ", 1<<18)
	if got, kinds := redact.Redact(digits); got != digits || kinds != nil {
		t.Errorf("Redact(1 1 1 ...) changed the text, found %v", kinds)
	}
	in := strings.Repeat("手機 0912-345-678，", 1<<14)
	got, kinds := redact.Redact(in)
	if want := strings.Repeat("手機 ***，", 1<<14); got != want || !slices.Equal(kinds, []redact.Kind{redact.Mobile}) {
		t.Errorf("Redact(手機 0912-345-678，...) = %.40q..., %v", got, kinds)
	}
	ats := strings.Repeat("a@", 1<<18)
	if got, _ := redact.Redact(ats); got != ats {
		t.Errorf("Redact(a@a@...) changed the text")
	}
}

func TestRedactEveryLetter(t *testing.T) {
	// The letter table is irregular; the test's own table checks every entry.
	for _, l := range idLetters {
		for _, prefix := range []string{string(l) + "12345678", string(l) + "B1234567", strings.ToLower(string(l)) + "91234567"} {
			id := validID(t, prefix)
			if got, _ := redact.Redact(id); got != redact.Mask {
				t.Errorf("Redact(%q) = %q, want %q", id, got, redact.Mask)
			}
			if got, _ := redact.Redact(wrongCheck(id)); got != wrongCheck(id) {
				t.Errorf("Redact(%q) = %q, want it unchanged", wrongCheck(id), got)
			}
		}
	}
}

func TestValidID(t *testing.T) {
	// The example every Taiwanese form uses, and the check digits of a few more
	// worked by hand.
	for prefix, want := range map[string]string{
		"A12345678": "A123456789",
		"F22222222": "F222222222", // 1·1 + 5·9 + 2·8 + 2·(7+6+5+4+3+2+1) = 118
		"Z11111111": "Z111111114", // Z is 33: 3·1 + 3·9 + 1·8 + 1·28 = 66
		"AB1234567": "AB12345677", // B counts as 1: 1 + 1·8 + 84 = 93
		"A80000001": "A800000014", // 1 + 8·8 + 1·1 = 66
	} {
		if got := validID(t, prefix); got != want {
			t.Errorf("validID(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, tt := range slices.Concat(positiveCases(f), negativeCases(f)) {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 128 {
			// Long inputs are TestRedactLongInput's. Here they only reach new
			// hit-count buckets of the scanning loops, and minimising each such
			// "interesting" input takes the fuzzer's whole time budget.
			t.Skip()
		}
		out, kinds := redact.Redact(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("Redact(%q) = %q, not valid UTF-8", in, out)
		}
		if kinds == nil && out != in {
			t.Fatalf("Redact(%q) = %q with no kinds", in, out)
		}
		if again, k := redact.Redact(out); again != out || k != nil {
			t.Fatalf("Redact(%q) = %q; redacting again gives %q, %v", in, out, again, k)
		}
		if n := leftoverCard(out); n != "" {
			t.Fatalf("Redact(%q) = %q, leaves card number %s", in, out, n)
		}
		if id := leftoverID(out); id != "" {
			t.Fatalf("Redact(%q) = %q, leaves ID %s", in, out, id)
		}
	})
}

func BenchmarkRedact(b *testing.B) {
	msgs := []string{
		"普拿疼和感冒糖漿可以一起吃嗎？一天最多可以吃幾次？",
		"我的身分證是A123456789，健保卡 0000 1234 5678，手機0912-345-678",
		"衛署藥製字第019424號的藥，上面寫 YSP 52，每日3次，每次500mg，可以空腹吃嗎",
		"Please email chen.ming@example.com.tw or call (02)2345-6789 ext. 12 about my refill.",
	}
	var n int64
	for _, m := range msgs {
		n += int64(len(m))
	}
	b.SetBytes(n)
	for b.Loop() {
		for _, m := range msgs {
			redact.Redact(m)
		}
	}
}

// idLetters lists the letters of an ID in the order of the numbers they stand
// for, from 10 (A) to 35 (O).
const idLetters = "ABCDEFGHJKLMNPQRSTUVXYWZIO"

// idSum returns the weighted sum of the first nine characters of an ID (a letter,
// 1, 2, 8, 9 or A-D, seven digits), or false when they cannot start one.
func idSum(c string) (int, bool) {
	if len(c) < 9 {
		return 0, false
	}
	code := strings.IndexByte(idLetters, upper(c[0])) + 10
	if code < 10 {
		return 0, false
	}
	sum := code/10 + code%10*9
	switch second := c[1]; {
	case second == '1' || second == '2' || second == '8' || second == '9':
		sum += int(second-'0') * 8
	case upper(second) >= 'A' && upper(second) <= 'D':
		sum += (strings.IndexByte(idLetters, upper(second)) + 10) % 10 * 8
	default:
		return 0, false
	}
	for k, w := 2, 7; k < 9; k, w = k+1, w-1 {
		if c[k] < '0' || c[k] > '9' {
			return 0, false
		}
		sum += int(c[k]-'0') * w
	}
	return sum, true
}

// validID returns the ID made of the nine characters prefix and the check digit
// that makes it valid.
func validID(tb testing.TB, prefix string) string {
	tb.Helper()
	sum, ok := idSum(prefix)
	if !ok || len(prefix) != 9 {
		tb.Fatalf("validID(%q): not the start of an ID", prefix)
	}
	return prefix + string(rune('0'+(10-sum%10)%10))
}

// wrongCheck returns id with a check digit that does not match.
func wrongCheck(id string) string {
	return id[:9] + string(rune('0'+(id[9]-'0'+1)%10))
}

// validEAN13 returns the EAN-13 barcode made of the twelve digits prefix and its
// check digit.
func validEAN13(tb testing.TB, prefix string) string {
	tb.Helper()
	if len(prefix) != 12 {
		tb.Fatalf("validEAN13(%q): want 12 digits", prefix)
	}
	sum := 0
	for i := range 12 {
		sum += int(prefix[i]-'0') * (1 + 2*(i%2))
	}
	return prefix + string(rune('0'+(10-sum%10)%10))
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// foldRunes returns s as runes with full-width ASCII made ASCII, as a citizen's
// phone may type it.
func foldRunes(s string) []rune {
	rs := []rune(s)
	for i, r := range rs {
		if r >= 0xFF01 && r <= 0xFF5E {
			rs[i] = r - 0xFEE0
		}
	}
	return rs
}

func isDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// leftoverCard returns a Luhn-valid run of 14-19 digits in s, "" when there is none.
func leftoverCard(s string) string {
	rs := foldRunes(s)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
		if n := j - i; n >= 14 && n <= 19 {
			sum := 0
			for k := range n {
				v := int(rs[j-1-k] - '0')
				if k%2 == 1 {
					if v *= 2; v > 9 {
						v -= 9
					}
				}
				sum += v
			}
			if sum%10 == 0 {
				return string(rs[i:j])
			}
		}
		i = max(j, i+1)
	}
	return ""
}

// leftoverID returns a valid national ID or resident certificate number in s that
// stands as a word (no letter before it, no digit after it), "" when there is none.
func leftoverID(s string) string {
	rs := foldRunes(s)
	for i := 0; i+10 <= len(rs); i++ {
		if !isLetter(rs[i]) || i > 0 && isLetter(rs[i-1]) || i+10 < len(rs) && isDigit(rs[i+10]) {
			continue
		}
		c := string(rs[i : i+10])
		if len(c) != 10 || !isDigit(rs[i+9]) {
			continue
		}
		if sum, ok := idSum(c); ok && (sum+int(c[9]-'0'))%10 == 0 {
			return c
		}
	}
	return ""
}
