package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
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
	// Digest identifies the bytes of the source's files; an unchanged digest means an
	// unchanged export.
	Digest string
	// Unchanged is set when the files are those of the last successful run: they were
	// not parsed, and Records is empty.
	Unchanged bool
	// Text counts the broken characters (U+FFFD) in the records' titles and texts, and
	// those repaired (see RepairText).
	Text TextRepair
	// stream, if set, reads the records from the files (see Each); Records is empty.
	stream func(ctx context.Context, fn func(Record) error) error
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
	// Unchanged, if set, reports whether a source's files are byte for byte those of
	// its last successful run; such a source is not parsed.
	Unchanged func(source, digest string) bool
	// Stream makes Load plan the files (formats, digests) without parsing them: the
	// batches it returns read their records when a store asks for them (Batch.Each),
	// and their rejects, counts and snapshot are known only then.
	Stream bool
}

// ErrUnreadable marks a file that cannot be read at all; the run changes nothing.
var ErrUnreadable = errors.New("unreadable file")

// ErrBudget marks a source with more malformed records than its error budget.
var ErrBudget = errors.New("too many malformed records")

// ErrChanged marks a file whose bytes, as read, are not those planned (Load hashed
// them first): it was modified or replaced during the run. The run fails and changes
// nothing; the next run reads the file as it is then.
var ErrChanged = errors.New("file changed during the ingest")

// unit is one file to read: a bare file, a ZIP entry or a directory.
type unit struct {
	name    string // shown in messages: a path, or path!entry for a ZIP entry
	base    string // file name for detection
	size    int64
	modTime time.Time // a ZIP entry's time, or a directory's
	zipped  bool
	zipPath string // the ZIP holding a ZIP entry, reopened when a streamed batch is read
	open    func() (io.ReadCloser, error)
	dir     string // set for a directory
	format  Format
	source  string
	digest  string
	hashed  int64 // the bytes digest is of
}

// Load reads paths (files, ZIPs, folders of exports or folders of pages) and returns
// one batch per source, in the order first seen. Any error means nothing should be
// stored.
func (l *Loader) Load(ctx context.Context, paths ...string) ([]*Batch, error) {
	var units []*unit
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, p := range paths {
		us, c, err := l.plan(p)
		if c != nil {
			closers = append(closers, c)
		}
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	bySource := map[string][]*unit{}
	var order []string
	for _, u := range units {
		if _, ok := bySource[u.source]; !ok {
			order = append(order, u.source)
		}
		bySource[u.source] = append(bySource[u.source], u)
	}
	out := make([]*Batch, 0, len(order))
	for _, src := range order {
		us := bySource[src]
		h := sha256.New()
		var files []string
		for _, u := range us {
			fmt.Fprintf(h, "%s\x00%s\x00", u.format.Name, u.digest)
			files = append(files, u.name)
		}
		digest := hex.EncodeToString(h.Sum(nil)[:16])
		if l.Unchanged != nil && l.Snapshot.IsZero() && l.Unchanged(src, digest) {
			out = append(out, &Batch{Source: src, Format: us[0].format.Name, Files: files, Digest: digest, Unchanged: true})
			continue
		}
		if l.Stream {
			// The ZIPs planned are closed when Load returns: their entries are
			// opened again when the batch is read.
			for _, u := range us {
				if u.zipPath != "" {
					u.open = reopenEntry(u.zipPath, strings.TrimPrefix(u.name, u.zipPath+"!"))
				}
			}
			b := &Batch{Source: src, Format: us[0].format.Name, Files: files, Digest: digest}
			b.stream = l.streamUnits(b, us)
			out = append(out, b)
			continue
		}
		var b *Batch
		for _, u := range us {
			ub, err := l.read(ctx, u)
			if err != nil {
				return nil, err
			}
			if b == nil {
				b = ub
			} else {
				b.merge(ub)
			}
		}
		b.Digest = digest
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
	b.Text.Add(o.Text)
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

// plan lists the units of a path, detects their formats and hashes their bytes. The
// returned closer, if any, must be closed after the units are read.
func (l *Loader) plan(path string) ([]*unit, io.Closer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: %w", err)
	}
	if fi.IsDir() {
		return l.planFolder(path, fi.ModTime())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: %w", err)
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	f.Close()
	if isZip(path, magic[:n]) {
		return l.planZip(path)
	}
	u := &unit{name: path, base: filepath.Base(path), size: fi.Size(), modTime: fi.ModTime(),
		open: func() (io.ReadCloser, error) { return os.Open(path) }}
	return []*unit{u}, nil, l.detectUnit(u)
}

func (l *Loader) planZip(path string) ([]*unit, io.Closer, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: %s: %w: %v (truncated or not a ZIP)", path, ErrUnreadable, err)
	}
	var out []*unit
	for _, zf := range zr.File {
		if zipSkipped(zf) {
			continue
		}
		u := &unit{name: path + "!" + zf.Name, base: filepath.Base(zf.Name), size: int64(zf.UncompressedSize64),
			modTime: zf.Modified, zipped: true, zipPath: path, open: zf.Open}
		if isNotes(u.base) && !l.isData(u.base, u.open) {
			continue
		}
		if err := l.detectUnit(u); err != nil {
			return nil, zr, err
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, zr, fmt.Errorf("ingest: %s: %w: the ZIP holds no files", path, ErrUnreadable)
	}
	return out, zr, nil
}

// zipSkipped reports whether a ZIP entry is left out: a folder, a hidden file or what
// macOS adds under __MACOSX.
func zipSkipped(zf *zip.File) bool {
	return zf.FileInfo().IsDir() || strings.HasPrefix(filepath.Base(zf.Name), ".") || strings.HasPrefix(zf.Name, "__MACOSX/")
}

// planFolder plans a directory. A folder holding exports (at any depth, a file or a ZIP
// entry that a format reading files rather than folders recognises) is planned file by
// file, each as if it were named on the command line; notes (README, LICENSE, Markdown,
// text) that no such format recognises are skipped. Any other folder is a folder of pages.
func (l *Loader) planFolder(path string, mod time.Time) ([]*unit, io.Closer, error) {
	files, err := folderFiles(path)
	if err != nil {
		return nil, nil, err
	}
	kinds := make([]fileKind, len(files))
	exports := false
	for i, p := range files {
		kinds[i] = l.kindOf(p)
		exports = exports || kinds[i] != kindOther
	}
	if !exports {
		u, err := l.planDir(path, mod)
		return []*unit{u}, nil, err
	}
	var units []*unit
	var closers multiCloser
	for i, p := range files {
		if kinds[i] == kindOther && isNotes(filepath.Base(p)) {
			continue
		}
		us, c, err := l.plan(p)
		if c != nil {
			closers = append(closers, c)
		}
		if err != nil {
			return nil, closers.orNil(), err
		}
		units = append(units, us...)
	}
	return units, closers.orNil(), nil
}

// folderFiles lists the regular files under root (following links to files, not to
// folders), in lexical order, leaving out hidden files and folders and the __MACOSX
// folder that macOS adds to ZIPs.
func folderFiles(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "__MACOSX") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		} else if d.Type()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				out = append(out, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return out, nil
}

// fileKind is what a file in a folder looks like before it is planned.
type fileKind int

const (
	kindOther fileKind = iota // a page, a note, or a file no format recognises
	kindData                  // recognised by a format that reads files, not folders
)

// kindOf sniffs a file in a folder. Unreadable files are kindOther: plan reports them
// if the folder turns out to hold exports.
func (l *Loader) kindOf(path string) fileKind {
	f, err := os.Open(path)
	if err != nil {
		return kindOther
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	f.Close()
	if isZip(path, magic[:n]) {
		return l.zipKind(path)
	}
	if l.isData(filepath.Base(path), func() (io.ReadCloser, error) { return os.Open(path) }) {
		return kindData
	}
	return kindOther
}

// zipKind is kindData for a ZIP holding an export, or one that cannot be read (so that
// plan reports it), and kindOther for an attachment among pages.
func (l *Loader) zipKind(path string) fileKind {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return kindData
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if !zipSkipped(zf) && l.isData(filepath.Base(zf.Name), zf.Open) {
			return kindData
		}
	}
	return kindOther
}

// isData reports whether a format that reads files (not folders) recognises a file
// from its name and first bytes.
func (l *Loader) isData(base string, open func() (io.ReadCloser, error)) bool {
	rc, err := open()
	if err != nil {
		return false
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 8<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(8 << 10)
	f, _, err := l.detect(base, head)
	return err == nil && f.ReadFS == nil
}

func isZip(path string, magic []byte) bool {
	return strings.EqualFold(filepath.Ext(path), ".zip") || string(magic) == "PK\x03\x04"
}

// isNotes reports whether a file name is that of notes kept beside exports rather
// than data: README, LICENSE, Markdown and plain text.
func isNotes(base string) bool {
	upper := strings.ToUpper(base)
	for _, prefix := range []string{"README", "LICENSE", "LICENCE"} {
		if strings.HasPrefix(upper, prefix) {
			return true
		}
	}
	switch strings.ToLower(filepath.Ext(base)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// multiCloser closes the ZIPs of a folder of exports.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func (m multiCloser) orNil() io.Closer {
	if len(m) == 0 {
		return nil
	}
	return m
}

func (l *Loader) planDir(path string, mod time.Time) (*unit, error) {
	for _, f := range l.Formats {
		if f.ReadFS == nil {
			continue
		}
		source := l.Source
		if source == "" {
			abs, _ := filepath.Abs(path)
			source = f.Name + "-" + filepath.Base(abs)
		}
		// A folder of pages is small: it is always read, and its digest is its path.
		return &unit{name: path, dir: path, modTime: mod, format: f, source: source, digest: "dir:" + path + ":" + mod.String()}, nil
	}
	return nil, fmt.Errorf("ingest: %s: no format reads directories", path)
}

// detectUnit reads the start of a unit to find its format, and all of it to hash it.
func (l *Loader) detectUnit(u *unit) error {
	rc, err := u.open()
	if err != nil {
		return fmt.Errorf("ingest: %s: %w: %v", u.name, ErrUnreadable, err)
	}
	defer rc.Close()
	h := sha256.New()
	cw := &countWriter{w: h}
	br := bufio.NewReaderSize(io.TeeReader(rc, cw), 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(8 << 10)
	if len(head) == 0 {
		return fmt.Errorf("ingest: %s: %w: the file is empty", u.name, ErrUnreadable)
	}
	if err := checkUTF8(head, u.size <= int64(len(head))); err != nil {
		return fmt.Errorf("ingest: %s: %w: %w", u.name, ErrUnreadable, err)
	}
	if u.format, u.source, err = l.detect(u.base, head); err != nil {
		return fmt.Errorf("ingest: %s: %w", u.name, err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fmt.Errorf("ingest: %s: %w: %v", u.name, ErrUnreadable, err)
	}
	u.digest = hex.EncodeToString(h.Sum(nil))
	u.hashed = cw.n
	return nil
}

// read parses one unit.
func (l *Loader) read(ctx context.Context, u *unit) (*Batch, error) {
	b := &Batch{Source: u.source, Format: u.format.Name, Files: []string{u.name}, Snapshot: l.Snapshot}
	if err := l.parse(ctx, u, b.emit(u.name)); err != nil {
		return nil, err
	}
	if b.Snapshot.IsZero() && u.zipped && u.dir == "" {
		b.Snapshot = u.modTime
	}
	b.finishSnapshot(u.modTime)
	return b, nil
}

// parse reads one unit into emit. The bytes read (of every opening of the unit) are
// hashed as they are read; once the format has read them without error, what it left
// unread is hashed too, and a digest or size other than the plan's fails the reading
// (ErrChanged): the records it gave came from another file than the one whose digest
// the store will record.
func (l *Loader) parse(ctx context.Context, u *unit, emit Emit) (err error) {
	if u.dir != "" {
		if err := u.format.ReadFS(ctx, os.DirFS(u.dir), emit); err != nil {
			return fmt.Errorf("ingest: %s: %w: %w", u.name, ErrUnreadable, err)
		}
		return nil
	}
	var opened []*verified
	defer func() {
		for _, v := range opened {
			v.rc.Close()
		}
	}()
	open := func() (*verified, *utf8Reader, error) {
		rc, err := u.open()
		if err != nil {
			return nil, nil, err
		}
		v := &verified{rc: rc, h: sha256.New()}
		opened = append(opened, v)
		br := bufio.NewReaderSize(v, 64<<10)
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
			br.Discard(3)
		}
		return v, &utf8Reader{r: br}, nil
	}
	if l.Stream {
		emit.Again = func() (io.ReadCloser, error) {
			_, in, err := open()
			if err != nil {
				return nil, err
			}
			// Closed, after its check, when the unit's reading ends.
			return io.NopCloser(in), nil
		}
	}
	_, in, err := open()
	if err != nil {
		return fmt.Errorf("ingest: %s: %w: %v", u.name, ErrUnreadable, err)
	}
	var src io.Reader = in
	if l.Progress != nil {
		src = &progressReader{r: in, name: u.name, total: u.size, report: l.Progress}
	}
	if err := u.format.Read(ctx, src, emit); err != nil {
		if in.err != nil {
			err = in.err
		}
		if errors.Is(err, ErrChanged) {
			return fmt.Errorf("ingest: %s (%s): %w; nothing was stored: run the ingest again once the file is complete", u.name, u.format.Name, err)
		}
		return fmt.Errorf("ingest: %s (%s): %w: %w", u.name, u.format.Name, ErrUnreadable, err)
	}
	if in.err != nil {
		return fmt.Errorf("ingest: %s (%s): %w: %w", u.name, u.format.Name, ErrUnreadable, in.err)
	}
	for _, v := range opened {
		if err := v.check(u); err != nil {
			return err
		}
	}
	return nil
}

// countWriter counts the bytes written to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.w.Write(p)
}

// verified hashes what is read from a unit.
type verified struct {
	rc io.ReadCloser
	h  hash.Hash
	n  int64
}

func (v *verified) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	return n, err
}

// check reads what the format left unread, and compares the bytes with the plan's.
func (v *verified) check(u *unit) error {
	if _, err := io.Copy(io.Discard, v); err != nil {
		return fmt.Errorf("ingest: %s: %w: %v", u.name, ErrUnreadable, err)
	}
	got := hex.EncodeToString(v.h.Sum(nil))
	if got == u.digest && v.n == u.hashed {
		return nil
	}
	return fmt.Errorf("ingest: %s: %w: %d bytes read, sha256 %.12s…, but %d bytes, sha256 %.12s… when the run began; nothing was stored: run the ingest again once the file is complete",
		u.name, ErrChanged, v.n, got, u.hashed, u.digest)
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
			b.Text.Add(repairRecord(&r))
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
