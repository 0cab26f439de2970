package tfda

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

// Columns of datasets 36 and 37, in export order; the last two are the older 29-column
// layout's, which ends 用法用量, 包裝, 國際條碼 instead of 包裝與國際條碼.
const (
	lKey = iota
	lCancelStatus
	lCancelledOn
	lCancelReason
	lValidUntil
	lIssued
	lLicenceType
	lOldLicence
	lCustomsDoc
	lNameZH
	lNameEN
	lIndication
	lDosageForm
	lPackages
	lCategory
	lControlled
	lIngredients
	lApplicant
	lApplicantAddress
	lApplicantID
	lManufacturer
	lManufacturerAddress
	lManufacturerCompanyAddress
	lManufacturerCountry
	lProcess
	lChangedOn
	lUsage
	lPackagesBarcodes
	lPackages2
	lBarcodes
	lColumns
)

// licenceColumns are the 28 columns of datasets 36 and 37, in the order of the export.
var licenceColumns = []string{
	"許可證字號", "註銷狀態", "註銷日期", "註銷理由", "有效日期", "發證日期", "許可證種類", "舊證字號",
	"通關簽審文件編號", "中文品名", "英文品名", "適應症", "劑型", "包裝", "藥品類別", "管制藥品分類級別",
	"主成分略述", "申請商名稱", "申請商地址", "申請商統一編號", "製造商名稱", "製造廠廠址", "製造廠公司地址",
	"製造廠國別", "製程", "異動日期", "用法用量", "包裝與國際條碼",
}

var licenceTable = &table{
	cols:     append(licenceColumns[:len(licenceColumns):len(licenceColumns)], "包裝#2", "國際條碼"),
	required: []string{"許可證字號", "註銷狀態", "中文品名"},
	key:      lKey,
}

// licence is the merged rows of one licence. A licence is held until the end of the
// export (a later row may add to it), so it is held compactly: the values in one string
// rather than 28 that would each keep the whole CSV row alive.
type licence struct {
	line int
	// vals holds the values of the columns that are not lists, in column order, each
	// followed by a NUL (a character no export's text holds, nor PostgreSQL stores).
	vals        string
	packages    []string
	ingredients []string
	barcodes    []string
}

// values returns the licence's values by column (list columns empty).
func (l *licence) values() [lColumns]string {
	var v [lColumns]string
	rest := l.vals
	for i := 0; i < lColumns && rest != ""; i++ {
		v[i], rest, _ = strings.Cut(rest, "\x00")
	}
	return v
}

// merge fills what is still empty from a later row of the same licence; list values
// add up.
func (l *licence) merge(vals []string) {
	v := l.values()
	for i := range lColumns {
		switch i {
		case lPackages, lPackages2:
			l.packages = unionCopy(l.packages, splitMulti(vals[i]))
		case lIngredients:
			l.ingredients = unionCopy(l.ingredients, splitMulti(vals[i]))
		case lPackagesBarcodes, lBarcodes:
			l.barcodes = unionCopy(l.barcodes, splitMulti(vals[i]))
		default:
			if v[i] == "" {
				v[i] = strings.ReplaceAll(strings.TrimSpace(vals[i]), "\x00", "")
			}
		}
	}
	n := 0
	for _, s := range v {
		n += len(s) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range v {
		b.WriteString(s)
		b.WriteByte(0)
	}
	l.vals = b.String()
}

// unionCopy is union, with copies of the values added, so that they do not keep the
// row they were read from.
func unionCopy(dst, src []string) []string {
	for _, v := range src {
		if !slices.Contains(dst, v) {
			dst = append(dst, strings.Clone(v))
		}
	}
	return dst
}

func readLicences(ctx context.Context, r io.Reader, emit ingest.Emit) error {
	if emit.Again != nil {
		// A licence given is the same as the one-pass reading below makes.
		return readTwice(ctx, r, emit, licenceTable, lKey,
			func(line int) *licence { return &licence{line: line} }, (*licence).merge,
			func(l *licence) int { return l.line },
			func(_ string, l *licence) error { return emit.Record(l.record()) })
	}
	byKey := map[string]*licence{}
	var order []*licence
	err := licenceTable.scan(ctx, r, emit, func(line int, vals []string) error {
		l := byKey[vals[lKey]]
		if l == nil {
			l = &licence{line: line}
			byKey[vals[lKey]] = l
			order = append(order, l)
		}
		l.merge(vals)
		return nil
	})
	if err != nil {
		return err
	}
	for i, l := range order {
		if i%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := emit.Record(l.record()); err != nil {
			return err
		}
	}
	return nil
}

// readTwice reads an export of t that can be read again in two passes, so as not to
// hold it whole: the first counts the rows of every licence (by a hash of its key, column
// key), the second merges each licence's rows (start makes what a licence's first row
// begins, add merges a row into it) and hands it to done at its last row. Only licences
// whose rows are still to come are held; they come in the order of their last rows.
// Rejects are reported by the second pass.
func readTwice[T any](ctx context.Context, r io.Reader, emit ingest.Emit, t *table, key int, start func(line int) T, add func(T, []string), lineOf func(T) int, done func(key string, v T) error) error {
	rows := map[uint64]int32{}
	quiet := ingest.Emit{Record: func(ingest.Record) error { return nil }, Reject: func(int, string) {}}
	if err := t.scan(ctx, r, quiet, func(line int, vals []string) error {
		rows[keyHash(vals[key])]++
		return nil
	}); err != nil {
		return err
	}
	again, err := emit.Again()
	if err != nil {
		return err
	}
	defer again.Close()
	byKey := map[string]T{}
	err = t.scan(ctx, again, emit, func(line int, vals []string) error {
		k := vals[key]
		v, ok := byKey[k]
		if !ok {
			v, k = start(line), strings.Clone(k)
			byKey[k] = v
		}
		add(v, vals)
		h := keyHash(k)
		if rows[h]--; rows[h] > 0 {
			return nil
		} else if rows[h] < 0 {
			// Given already: the export changed between the passes.
			return fmt.Errorf("line %d: %w: licence %s has more rows than the first pass counted", line, ingest.ErrChanged, k)
		}
		delete(byKey, k)
		return done(k, v)
	})
	if err != nil {
		return err
	}
	// Two keys of one hash leave licences waiting: they are complete now.
	for _, k := range leftOver(byKey, lineOf) {
		if err := done(k, byKey[k]); err != nil {
			return err
		}
	}
	return nil
}

// leftOver returns the keys of what a two-pass reading still holds at its end, in the
// order of their first rows.
func leftOver[T any](byKey map[string]T, line func(T) int) []string {
	keys := slices.Collect(maps.Keys(byKey))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(line(byKey[a]), line(byKey[b])) })
	return keys
}

func keyHash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

func (l *licence) record() ingest.Record {
	vals := l.values()
	v := &vals
	key := v[lKey]
	f := make(map[string]any, 16)
	for _, c := range []struct {
		name string
		i    int
	}{
		{"name_zh", lNameZH}, {"name_en", lNameEN}, {"indication", lIndication},
		{"dosage_form", lDosageForm}, {"category", lCategory}, {"controlled_level", lControlled},
		{"applicant", lApplicant}, {"applicant_address", lApplicantAddress},
		{"manufacturer", lManufacturer}, {"manufacturer_address", lManufacturerAddress},
		{"manufacturer_country", lManufacturerCountry}, {"process", lProcess},
		{"cancel_status", lCancelStatus}, {"cancel_reason", lCancelReason},
		{"old_licence", lOldLicence}, {"usage", lUsage},
	} {
		setNonEmpty(f, c.name, v[c.i])
	}
	// "製　劑" is padded with a full-width space in the export.
	setNonEmpty(f, "licence_type", strings.Join(strings.Fields(v[lLicenceType]), ""))
	validUntil, cancelledOn := isoDate(v[lValidUntil]), isoDate(v[lCancelledOn])
	setNonEmpty(f, "issued", isoDate(v[lIssued]))
	setNonEmpty(f, "valid_until", validUntil)
	setNonEmpty(f, "cancelled_on", cancelledOn)
	setNonEmpty(f, "changed_on", isoDate(v[lChangedOn]))
	setNonEmpty(f, "packages", l.packages)
	setNonEmpty(f, "ingredients", l.ingredients)
	setNonEmpty(f, "barcodes", l.barcodes)

	status := corpus.StatusActive
	if v[lCancelStatus] != "" {
		status = corpus.StatusCancelled
	}
	title := v[lNameZH]
	if title == "" {
		title = v[lNameEN]
	}

	var t lines
	t.b.Grow(512)
	t.add("中文品名", v[lNameZH])
	t.add("英文品名", v[lNameEN])
	t.add("許可證字號", key)
	t.add("藥品類別", v[lCategory])
	t.add("管制藥品", v[lControlled])
	t.add("適應症", v[lIndication])
	t.add("劑型", v[lDosageForm])
	t.add("主成分", strings.Join(l.ingredients, "、"))
	t.add("用法用量", v[lUsage])
	t.add("申請商", v[lApplicant])
	maker := v[lManufacturer]
	if maker != "" && v[lManufacturerCountry] != "" {
		maker += "（" + v[lManufacturerCountry] + "）"
	}
	t.add("製造廠", maker)
	t.add("有效日期", validUntil)
	if s := v[lCancelStatus]; s != "" {
		var why []string
		if cancelledOn != "" {
			why = append(why, cancelledOn)
		}
		if v[lCancelReason] != "" {
			why = append(why, v[lCancelReason])
		}
		if len(why) > 0 {
			s += "（" + strings.Join(why, "，") + "）"
		}
		t.add("註銷狀態", s)
	}

	return ingest.Record{
		Dataset: corpus.DatasetDrug,
		Key:     key,
		Facet:   corpus.FacetLicence,
		Title:   title,
		URL:     licenceURL(key),
		Text:    t.String(),
		Fields:  f,
		Status:  status,
		Date:    latest(v[lChangedOn], v[lIssued], v[lCancelledOn]),
		Line:    l.line,
	}
}
