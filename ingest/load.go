package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultErrorBudget is the share of malformed records a source may have before its
// run fails.
const DefaultErrorBudget = 0.01

// Batch is everything one run read for one source: the full export of that source.
type Batch struct {
	Source   string
	Format   string
	Files    []string
	Snapshot time.Time
	Records  []Record
	Rejects  []Reject
	// Seen counts records read, rejected ones included.
	Seen int
}

// Loader reads export files into batches, one per source.
type Loader struct {
	Formats []Format
	// ErrorBudget is the share of records that may be malformed (DefaultErrorBudget if 0).
	// At least one malformed record is always allowed, so that a small file with a
	// single bad row still loads; every reject is reported either way.
	ErrorBudget float64
	// Source, if set, overrides the source name (and format detection by name).
	Source string
	// Snapshot, if set, is the date of the exports; otherwise a ZIP entry's time, then
	// the newest record date, then the file's modification time.
	Snapshot time.Time
	// Progress, if set, is told how many bytes of a file have been read.
	Progress func(file string, done, total int64)
}

// ErrUnreadable marks a file that cannot be read at all; the run changes nothing.
var ErrUnreadable = errors.New("unreadable file")

// ErrBudget marks a source with more malformed records than its error budget.
var ErrBudget = errors.New("too many malformed records")

// Load reads paths (files, ZIPs or directories) and returns one batch per source, in
// the order first seen. Any error means nothing should be stored.
func (l *Loader) Load(ctx context.Context, paths ...string) ([]*Batch, error) {
	bySource := map[string]*Batch{}
	var order []string
	add := func(b *Batch) {
		if prev, ok := bySource[b.Source]; ok {
			prev.merge(b)
			return
		}
		bySource[b.Source] = b
		order = append(order, b.Source)
	}
	for _, p := range paths {
		bs, err := l.loadPath(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			add(b)
		}
	}
	out := make([]*Batch, 0, len(order))
	for _, s := range order {
		b := bySource[s]
		if err := l.check(b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// merge adds a later file of the same source; a later record of a key replaces an earlier one.
func (b *Batch) merge(o *Batch) {
	b.Files = append(b.Files, o.Files...)
	if o.Snapshot.After(b.Snapshot) {
		b.Snapshot = o.Snapshot
	}
	idx := make(map[[3]string]int, len(b.Records))
	for i, r := range b.Records {
		idx[[3]string{r.Dataset, r.Key, r.Facet}] = i
	}
	for _, r := range o.Records {
		if i, ok := idx[[3]string{r.Dataset, r.Key, r.Facet}]; ok {
			b.Records[i] = r
			continue
		}
		b.Records = append(b.Records, r)
	}
	b.Rejects = append(b.Rejects, o.Rejects...)
	b.Seen += o.Seen
}

func (l *Loader) check(b *Batch) error {
	budget := l.ErrorBudget
	if budget <= 0 {
		budget = DefaultErrorBudget
	}
	allowed := max(1, int(math.Floor(budget*float64(b.Seen))))
	if len(b.Rejects) > allowed {
		return fmt.Errorf("ingest: source %s: %w: %d of %d records rejected (budget %d, %.1f%%); first: %s",
			b.Source, ErrBudget, len(b.Rejects), b.Seen, allowed, budget*100, firstRejects(b.Rejects, 5))
	}
	if len(b.Records) == 0 {
		return fmt.Errorf("ingest: source %s (%s): %w: no valid records", b.Source, strings.Join(b.Files, ", "), ErrUnreadable)
	}
	for i := range b.Records {
		b.Records[i].Snapshot = b.Snapshot
	}
	return nil
}

func firstRejects(rs []Reject, n int) string {
	var parts []string
	for _, r := range rs[:min(n, len(rs))] {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, "; ")
}

func (l *Loader) loadPath(ctx context.Context, path string) ([]*Batch, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if fi.IsDir() {
		return l.loadDir(ctx, path, fi.ModTime())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("ingest: %s: %w", path, err)
	}
	if strings.EqualFold(filepath.Ext(path), ".zip") || (n == 4 && string(magic[:]) == "PK\x03\x04") {
		return l.loadZip(ctx, path, f, fi.Size())
	}
	b, err := l.loadStream(ctx, path, filepath.Base(path), f, fi.Size(), time.Time{})
	if err != nil {
		return nil, err
	}
	if b.Snapshot.IsZero() {
		b.Snapshot = fi.ModTime()
	}
	return []*Batch{b}, nil
}

func (l *Loader) loadZip(ctx context.Context, path string, f *os.File, size int64) ([]*Batch, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, fmt.Errorf("ingest: %s: %w: %v (truncated or not a ZIP)", path, ErrUnreadable, err)
	}
	var out []*Batch
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || strings.HasPrefix(filepath.Base(zf.Name), ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		name := path + "!" + zf.Name
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("ingest: %s: %w: %v", name, ErrUnreadable, err)
		}
		b, err := l.loadStream(ctx, name, filepath.Base(zf.Name), rc, int64(zf.UncompressedSize64), zf.Modified)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("ingest: %s: %w: the ZIP holds no files", path, ErrUnreadable)
	}
	return out, nil
}

func (l *Loader) loadDir(ctx context.Context, path string, mod time.Time) ([]*Batch, error) {
	var format *Format
	for i := range l.Formats {
		if l.Formats[i].ReadFS != nil {
			format = &l.Formats[i]
			break
		}
	}
	if format == nil {
		return nil, fmt.Errorf("ingest: %s: no format reads directories", path)
	}
	source := l.Source
	if source == "" {
		abs, _ := filepath.Abs(path)
		source = format.Name + "-" + filepath.Base(abs)
	}
	b := &Batch{Source: source, Format: format.Name, Files: []string{path}, Snapshot: l.Snapshot}
	if err := format.ReadFS(ctx, os.DirFS(path), b.emit(path)); err != nil {
		return nil, fmt.Errorf("ingest: %s: %w: %w", path, ErrUnreadable, err)
	}
	b.finishSnapshot(mod)
	return []*Batch{b}, nil
}

// loadStream detects the format of one file and reads it. zipTime is the ZIP entry's
// modification time, zero for a bare file.
func (l *Loader) loadStream(ctx context.Context, path, base string, r io.Reader, size int64, zipTime time.Time) (*Batch, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(8 << 10)
	if len(head) == 0 {
		return nil, fmt.Errorf("ingest: %s: %w: the file is empty", path, ErrUnreadable)
	}
	if err := checkUTF8(head, size <= int64(len(head))); err != nil {
		return nil, fmt.Errorf("ingest: %s: %w: %w", path, ErrUnreadable, err)
	}
	format, source, err := l.detect(base, head)
	if err != nil {
		return nil, fmt.Errorf("ingest: %s: %w", path, err)
	}
	b := &Batch{Source: source, Format: format.Name, Files: []string{path}, Snapshot: l.Snapshot}
	in := &utf8Reader{r: br}
	var src io.Reader = in
	if l.Progress != nil {
		src = &progressReader{r: in, name: path, total: size, report: l.Progress}
	}
	if err := format.Read(ctx, src, b.emit(path)); err != nil {
		if in.err != nil {
			err = in.err
		}
		return nil, fmt.Errorf("ingest: %s (%s): %w: %w", path, format.Name, ErrUnreadable, err)
	}
	if in.err != nil {
		return nil, fmt.Errorf("ingest: %s (%s): %w: %w", path, format.Name, ErrUnreadable, in.err)
	}
	if b.Snapshot.IsZero() {
		b.Snapshot = zipTime
	}
	b.finishSnapshot(time.Time{})
	return b, nil
}

func (l *Loader) detect(base string, head []byte) (Format, string, error) {
	var names []string
	for _, f := range l.Formats {
		if f.Detect == nil || f.Read == nil {
			continue
		}
		names = append(names, f.Name)
		if src, ok := f.Detect(base, head); ok {
			if l.Source != "" {
				src = l.Source
			}
			return f, src, nil
		}
	}
	return Format{}, "", fmt.Errorf("%w: format not recognised from its name or its first line (known formats: %s)", ErrUnreadable, strings.Join(names, ", "))
}

// emit collects a reader's output into the batch.
func (b *Batch) emit(file string) Emit {
	return Emit{
		Record: func(r Record) error {
			b.Seen++
			if strings.TrimSpace(r.Key) == "" {
				b.Rejects = append(b.Rejects, Reject{File: file, Line: r.Line, Reason: "empty key"})
				return nil
			}
			b.Records = append(b.Records, r)
			return nil
		},
		Reject: func(line int, reason string) {
			b.Seen++
			b.Rejects = append(b.Rejects, Reject{File: file, Line: line, Reason: reason})
		},
	}
}

// finishSnapshot dates a batch without an explicit or ZIP date by its newest record,
// then by fallback (a file's modification time).
func (b *Batch) finishSnapshot(fallback time.Time) {
	if !b.Snapshot.IsZero() {
		return
	}
	for _, r := range b.Records {
		if r.Date.After(b.Snapshot) && r.Date.Before(time.Now().Add(24*time.Hour)) {
			b.Snapshot = r.Date
		}
	}
	if b.Snapshot.IsZero() {
		b.Snapshot = fallback
	}
}

// SourceNames lists batches' sources, for messages.
func SourceNames(bs []*Batch) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Source
	}
	slices.Sort(out)
	return out
}

// checkUTF8 reports invalid UTF-8 in p; an incomplete rune at the end is allowed unless
// p is the whole file.
func checkUTF8(p []byte, whole bool) error {
	off := 0
	for off < len(p) {
		r, size := utf8.DecodeRune(p[off:])
		if r == utf8.RuneError && size <= 1 {
			if !whole && !utf8.FullRune(p[off:]) {
				return nil
			}
			return fmt.Errorf("not valid UTF-8 at byte %d (Big5 or another legacy encoding? convert the file to UTF-8)", off)
		}
		off += size
	}
	return nil
}

// utf8Reader fails the read when the stream is not UTF-8, so that a Big5 file is
// refused rather than stored as mojibake.
type utf8Reader struct {
	r    io.Reader
	tail []byte // an incomplete rune carried to the next read
	off  int64
	err  error
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	n, err := u.r.Read(p)
	if n > 0 {
		buf := append(u.tail, p[:n]...)
		i := 0
		for i < len(buf) {
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && size <= 1 {
				if err == nil && !utf8.FullRune(buf[i:]) {
					break
				}
				u.err = fmt.Errorf("not valid UTF-8 at byte %d (Big5 or another legacy encoding? convert the file to UTF-8)", u.off+int64(i))
				return 0, u.err
			}
			i += size
		}
		u.off += int64(i)
		u.tail = append(u.tail[:0], buf[i:]...)
	}
	if err == io.EOF && len(u.tail) > 0 {
		u.err = fmt.Errorf("not valid UTF-8 at byte %d (the file ends inside a character)", u.off)
		return n, u.err
	}
	return n, err
}

type progressReader struct {
	r      io.Reader
	name   string
	done   int64
	total  int64
	last   int64
	report func(string, int64, int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.done-p.last >= 1<<20 || err == io.EOF {
		p.last = p.done
		p.report(p.name, p.done, p.total)
	}
	return n, err
}
