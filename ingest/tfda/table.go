package tfda

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/civicbot/civicbot/ingest"
)

// table describes the columns a reader takes from an export. Row values reach the
// reader in the order of cols, "" where a column is missing or null.
type table struct {
	cols     []string
	required []string // the file is unreadable without them
	anyOf    []string // and without at least one of these, when set
	key      int      // index in cols of the natural key; a row without it is rejected
}

// checkCtxEvery is how many rows pass between looks at the context.
const checkCtxEvery = 1024

// scan streams r, CSV or JSON, and hands every well-formed row to fn with its line (CSV,
// 1-based, the header is line 1) or record number (JSON, 1-based). The values slice is
// reused between calls; its strings may be kept.
func (t *table) scan(ctx context.Context, r io.Reader, emit ingest.Emit, fn func(line int, vals []string) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if p, _ := br.Peek(3); bytes.Equal(p, bom) {
		br.Discard(3)
	}
	// '{' is no table either, but the JSON reader says so best.
	if first, ok := firstByte(br); ok && (first == '[' || first == '{') {
		return t.scanJSON(ctx, br, emit, fn)
	}
	return t.scanCSV(ctx, br, emit, fn)
}

// firstByte peeks at the first byte that is not white space, without consuming
// anything, so that CSV line numbers stay right.
func firstByte(br *bufio.Reader) (byte, bool) {
	for n := 64; ; n *= 4 {
		p, err := br.Peek(n)
		if i := bytes.IndexFunc(p, func(r rune) bool { return !unicode.IsSpace(r) }); i >= 0 {
			return p[i], true
		}
		if err != nil || n >= br.Size() {
			return 0, false
		}
	}
}

func reject(emit ingest.Emit, line int, reason string) {
	if emit.Reject != nil {
		emit.Reject(line, reason)
	}
}

// bind maps the header's names to the table's columns. A name that repeats (包裝 in the
// older 29-column licence layout) is bound as "包裝#2" the second time.
func (t *table) bind(names []string) ([]int, error) {
	pos := make(map[string]int, len(names))
	for i, n := range names {
		n = columnName(n)
		if _, dup := pos[n]; dup {
			for k := 2; ; k++ {
				alt := n + "#" + strconv.Itoa(k)
				if _, ok := pos[alt]; !ok {
					n = alt
					break
				}
			}
		}
		pos[n] = i
	}
	var missing []string
	for _, c := range t.required {
		if _, ok := pos[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(t.anyOf) > 0 {
		found := false
		for _, c := range t.anyOf {
			if _, ok := pos[c]; ok {
				found = true
			}
		}
		if !found {
			missing = append(missing, strings.Join(t.anyOf, " or "))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing required column(s) %s (found: %s)", strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	idx := make([]int, len(t.cols))
	for i, c := range t.cols {
		idx[i] = -1
		if p, ok := pos[c]; ok {
			idx[i] = p
		}
	}
	return idx, nil
}

func (t *table) scanCSV(ctx context.Context, br *bufio.Reader, emit ingest.Emit, fn func(int, []string) error) error {
	// br is large enough for csv.NewReader to use it as is, so that after a parse error
	// br tells whether anything is left.
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return errors.New("empty file: no header line")
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	header = append([]string(nil), header...)
	idx, err := t.bind(header)
	if err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	vals := make([]string, len(t.cols))
	for n := 0; ; n++ {
		if n%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			if _, perr := br.Peek(1); perr == io.EOF && errors.Is(pe.Err, csv.ErrQuote) {
				// A quote left open swallowed the rest of the file: nothing after
				// line StartLine can be trusted.
				return fmt.Errorf("line %d: a quoted field is not closed before the end of the file (truncated or broken quoting): %w", pe.StartLine, err)
			}
			reject(emit, pe.StartLine, fmt.Sprintf("broken quoting at line %d, column %d: %v", pe.Line, pe.Column, pe.Err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			reject(emit, line, fmt.Sprintf("%d fields, the header has %d", len(rec), len(header)))
			continue
		}
		for i, j := range idx {
			vals[i] = ""
			if j >= 0 {
				vals[i] = rec[j]
			}
		}
		if err := t.row(emit, line, vals, fn); err != nil {
			return err
		}
	}
}

func (t *table) scanJSON(ctx context.Context, br *bufio.Reader, emit ingest.Emit, fn func(int, []string) error) error {
	dec := json.NewDecoder(br)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("not a JSON array of records (it starts with %v)", tok)
	}
	vals := make([]string, len(t.cols))
	checked := false
	n := 0
	for dec.More() {
		n++
		if n%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			reject(emit, n, fmt.Sprintf("a JSON %s, want an object", jsonKind(v)))
			continue
		}
		if !checked {
			if err := t.checkKeys(obj); err != nil {
				return fmt.Errorf("record %d: %w", n, err)
			}
			checked = true
		}
		bad := ""
		for i, c := range t.cols {
			switch x := obj[c].(type) {
			case nil:
				vals[i] = ""
			case string:
				vals[i] = x
			case json.Number:
				vals[i] = string(x)
			case bool:
				vals[i] = strconv.FormatBool(x)
			default:
				vals[i] = ""
				if bad == "" {
					bad = fmt.Sprintf("%s is a JSON %s, want text", c, jsonKind(x))
				}
			}
		}
		if bad != "" {
			reject(emit, n, bad)
			continue
		}
		if err := t.row(emit, n, vals, fn); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("after record %d: the array is not closed (truncated?): %w", n, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("after record %d: data after the end of the array", n)
	}
	return nil
}

// checkKeys is the JSON counterpart of a header check, made on the first object: later
// objects may leave out a key, which reads as empty.
func (t *table) checkKeys(obj map[string]any) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	_, err := t.bind(keys)
	return err
}

// row rejects a row without its key and hands the others on.
func (t *table) row(emit ingest.Emit, line int, vals []string, fn func(int, []string) error) error {
	vals[t.key] = strings.TrimSpace(vals[t.key])
	if vals[t.key] == "" {
		reject(emit, line, "empty "+t.cols[t.key])
		return nil
	}
	return fn(line, vals)
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
