// Package fetch downloads official open-data exports over HTTP for ingest: with
// conditional requests (ETag, If-Modified-Since), a size limit and a timeout, and a
// last good copy of each export kept on disk, so that a download cut short, refused
// or too large changes nothing and the data it loaded last time still serves.
package fetch

import (
	"archive/zip"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of a Fetcher's limits.
const (
	// DefaultMaxBytes is the largest export accepted: the TFDA licence export, the
	// largest, is about 100 MB uncompressed.
	DefaultMaxBytes = 1 << 30
	// DefaultTimeout bounds one whole download.
	DefaultTimeout = 15 * time.Minute
	// headerTimeout bounds the wait for a server's first answer.
	headerTimeout = 30 * time.Second
)

// ErrTooLarge is returned when an export is larger than the Fetcher's MaxBytes.
var ErrTooLarge = errors.New("fetch: export larger than the limit")

// ErrTruncated is returned when a download ends before the export does.
var ErrTruncated = errors.New("fetch: download cut short")

// Fetcher downloads exports into Dir, one folder per URL holding the last good copy
// and the validators the server gave with it.
type Fetcher struct {
	Dir       string
	MaxBytes  int64         // 0: DefaultMaxBytes
	Timeout   time.Duration // one download, headers to last byte; 0: DefaultTimeout
	UserAgent string
	// Client, when set, is used as is (tests); otherwise one with the timeouts above.
	Client *http.Client
}

// Result is one export fetched.
type Result struct {
	URL  string
	Path string // the last good copy on disk, to give to the ingest loader
	// NotModified is set when the server answered 304: Path is the copy kept from an
	// earlier run.
	NotModified bool
	Bytes       int64
	FetchedAt   time.Time // when Path was downloaded
}

// meta is what is kept beside a copy.
type meta struct {
	URL          string    `json:"url"`
	File         string    `json:"file"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	FetchedAt    time.Time `json:"fetched_at"`
	Bytes        int64     `json:"bytes"`
	SHA256       string    `json:"sha256"`
}

// IsURL reports whether s is an http or https URL, which ingest fetches rather than
// reads from disk.
func IsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Fetch downloads rawURL unless the server says the kept copy is current. name, when
// not empty, names the file (format detection reads the name: "36_2.csv");
// otherwise the server's Content-Disposition or the URL's last segment does. On any
// error the last good copy stays as it was.
func (f *Fetcher) Fetch(ctx context.Context, rawURL, name string) (Result, error) {
	if !IsURL(rawURL) {
		return Result{}, fmt.Errorf("fetch: %q is not an http or https URL", rawURL)
	}
	dir := filepath.Join(f.Dir, folder(rawURL))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Result{}, fmt.Errorf("fetch: %w", err)
	}
	old, hasOld := readMeta(dir)
	if hasOld {
		if _, err := os.Stat(filepath.Join(dir, old.File)); err != nil {
			hasOld = false
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, DefaultTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Result{}, fmt.Errorf("fetch: %w", err)
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	if hasOld {
		if old.ETag != "" {
			req.Header.Set("If-None-Match", old.ETag)
		}
		if old.LastModified != "" {
			req.Header.Set("If-Modified-Since", old.LastModified)
		}
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return Result{}, f.kept(rawURL, old, hasOld, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && hasOld:
		return Result{URL: rawURL, Path: filepath.Join(dir, old.File), NotModified: true, Bytes: old.Bytes, FetchedAt: old.FetchedAt}, nil
	case resp.StatusCode != http.StatusOK:
		return Result{}, f.kept(rawURL, old, hasOld, fmt.Errorf("the server answered %s", resp.Status))
	}
	maxBytes := cmp.Or(f.MaxBytes, int64(DefaultMaxBytes))
	if resp.ContentLength > maxBytes {
		return Result{}, f.kept(rawURL, old, hasOld, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, maxBytes))
	}
	file := fileName(name, resp, rawURL)
	m := meta{URL: rawURL, File: file, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), FetchedAt: time.Now().UTC()}
	if err := download(dir, file, resp, maxBytes, &m); err != nil {
		return Result{}, f.kept(rawURL, old, hasOld, err)
	}
	if hasOld && old.File != file {
		os.Remove(filepath.Join(dir, old.File))
	}
	if err := writeMeta(dir, m); err != nil {
		return Result{}, fmt.Errorf("fetch: %w", err)
	}
	return Result{URL: rawURL, Path: filepath.Join(dir, file), Bytes: m.Bytes, FetchedAt: m.FetchedAt}, nil
}

// kept says what failed and that nothing changed.
func (f *Fetcher) kept(rawURL string, old meta, hasOld bool, err error) error {
	if hasOld {
		return fmt.Errorf("fetch %s: %w (the copy fetched %s is kept; the data loaded from it still serve)", rawURL, err, old.FetchedAt.Format(time.DateTime))
	}
	return fmt.Errorf("fetch %s: %w", rawURL, err)
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = headerTimeout
	return &http.Client{Transport: t}
}

// download writes the body beside the kept copy and puts it in its place only once it
// is whole: as long as announced, not over the limit, and, for a ZIP, readable to its
// central directory (which is at the end: a cut ZIP has none).
func download(dir, file string, resp *http.Response, maxBytes int64, m *meta) (err error) {
	tmp, err := os.CreateTemp(dir, ".part-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, maxBytes+1))
	switch {
	case err != nil:
		return fmt.Errorf("%w after %d bytes: %v", ErrTruncated, n, err)
	case n > maxBytes:
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		return fmt.Errorf("%w: %d of %d bytes", ErrTruncated, n, resp.ContentLength)
	case n == 0:
		return errors.New("the server sent an empty file")
	}
	if err := checkZip(tmp, n); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// The file's time is the export's: the loader dates a run by it when the records
	// and the archive do not.
	if t, err := http.ParseTime(m.LastModified); err == nil {
		os.Chtimes(tmp.Name(), t, t)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, file)); err != nil {
		return err
	}
	m.Bytes, m.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

// checkZip refuses a ZIP whose central directory cannot be read.
func checkZip(f *os.File, size int64) error {
	magic := make([]byte, 4)
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != "PK\x03\x04" {
		return nil
	}
	if _, err := zip.NewReader(f, size); err != nil {
		return fmt.Errorf("%w: the ZIP archive cannot be read: %v", ErrTruncated, err)
	}
	return nil
}

// folder is a URL's folder in the cache: stable and safe as a file name.
func folder(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return hex.EncodeToString(sum[:8])
}

// fileName chooses the local copy's name: the caller's, the server's, the URL's last
// segment, else "export"; with an extension from the content type when it has none,
// so that the loader recognises the format.
func fileName(name string, resp *http.Response, rawURL string) string {
	if name == "" {
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	if name == "" {
		if u, err := url.Parse(rawURL); err == nil {
			name = path.Base(u.Path)
		}
	}
	name = safeName(name)
	if path.Ext(name) == "" || strings.HasSuffix(name, ".do") || strings.HasSuffix(name, ".aspx") || strings.HasSuffix(name, ".php") {
		if ct, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
			switch {
			case strings.Contains(ct, "zip"):
				name += ".zip"
			case strings.Contains(ct, "json"):
				name += ".json"
			case strings.Contains(ct, "xml"):
				name += ".xml"
			case strings.Contains(ct, "csv"):
				name += ".csv"
			}
		}
	}
	return name
}

// safeName keeps a name to one path element of ordinary characters.
func safeName(name string) string {
	name = filepath.Base(filepath.Clean("/" + strings.ReplaceAll(name, `\`, "/")))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" || s == "/" || s == metaFile {
		return "export"
	}
	return s
}

// metaFile is the validators' file in a URL's folder.
const metaFile = "fetch.json"

func readMeta(dir string) (meta, bool) {
	var m meta
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil || json.Unmarshal(b, &m) != nil || m.File == "" {
		return meta{}, false
	}
	return m, true
}

// writeMeta replaces the validators at once, so that a crash leaves the old or the new.
func writeMeta(dir string, m meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".meta-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, metaFile))
}
