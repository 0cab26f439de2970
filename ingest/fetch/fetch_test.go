package fetch

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// export is a file an httptest server serves with validators, counting requests.
type export struct {
	body         []byte
	etag         string
	lastModified time.Time
	gets, full   atomic.Int32
}

func (e *export) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.gets.Add(1)
	w.Header().Set("ETag", e.etag)
	w.Header().Set("Content-Type", "text/csv")
	// http.ServeContent answers If-None-Match / If-Modified-Since with 304.
	http.ServeContent(w, r, "", e.lastModified, &countingReader{Reader: bytes.NewReader(e.body), full: &e.full})
}

type countingReader struct {
	*bytes.Reader
	full *atomic.Int32
	once bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if !c.once {
		c.once = true
		c.full.Add(1)
	}
	return c.Reader.Read(p)
}

func TestFetchThenNotModified(t *testing.T) {
	e := &export{body: []byte("key,title\n1,one\n"), etag: `"v1"`, lastModified: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(e)
	defer srv.Close()
	f := &Fetcher{Dir: t.TempDir()}
	ctx := context.Background()

	r, err := f.Fetch(ctx, srv.URL+"/opendata/36_2.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.NotModified || filepath.Base(r.Path) != "36_2.csv" || r.Bytes != int64(len(e.body)) {
		t.Fatalf("first fetch = %+v, want a new 36_2.csv of %d bytes", r, len(e.body))
	}
	if got, _ := os.ReadFile(r.Path); !bytes.Equal(got, e.body) {
		t.Fatalf("copy = %q, want %q", got, e.body)
	}
	// The file carries the export's date, which the loader uses as the snapshot.
	if st, _ := os.Stat(r.Path); !st.ModTime().Equal(e.lastModified) {
		t.Errorf("copy's time = %v, want the Last-Modified %v", st.ModTime(), e.lastModified)
	}

	r2, err := f.Fetch(ctx, srv.URL+"/opendata/36_2.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if !r2.NotModified || r2.Path != r.Path {
		t.Fatalf("second fetch = %+v, want 304 and the kept copy %s", r2, r.Path)
	}
	if n := e.full.Load(); n != 1 {
		t.Errorf("the body was sent %d times, want once (the second request is conditional)", n)
	}

	// A new version replaces the copy.
	e.body, e.etag, e.lastModified = []byte("key,title\n1,one\n2,two\n"), `"v2"`, e.lastModified.Add(24*time.Hour)
	r3, err := f.Fetch(ctx, srv.URL+"/opendata/36_2.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(r3.Path); r3.NotModified || !bytes.Equal(got, e.body) {
		t.Fatalf("after a change: %+v holding %q, want the new body", r3, got)
	}
}

// A download that fails in any way leaves the last good copy as it was.
func TestFailedDownloadKeepsLastGoodCopy(t *testing.T) {
	good := []byte("key,title\n1,one\n2,two\n")
	var mode atomic.Value
	mode.Store("ok")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case "ok":
			w.Header().Set("ETag", fmt.Sprintf(`"%d"`, time.Now().UnixNano()))
			w.Write(good)
		case "truncated":
			// Announces the whole length, sends half, and hangs up.
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			w.Write(bytes.Repeat([]byte("x"), 500))
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case "huge":
			w.Write(bytes.Repeat([]byte("y"), 4096))
		case "gone":
			http.Error(w, "not here", http.StatusNotFound)
		case "empty":
			w.WriteHeader(http.StatusOK)
		case "cutzip":
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			fw, _ := zw.Create("36_2.csv")
			fw.Write(bytes.Repeat(good, 50))
			zw.Close()
			// Chunked (no length): only the archive itself shows it is cut.
			w.Write(buf.Bytes()[:buf.Len()/2])
		}
	}))
	defer srv.Close()
	f := &Fetcher{Dir: t.TempDir(), MaxBytes: 1024}
	ctx := context.Background()
	first, err := f.Fetch(ctx, srv.URL+"/36_2.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode string
		want error
	}{
		{"truncated", ErrTruncated},
		{"huge", ErrTooLarge},
		{"gone", nil},
		{"empty", nil},
		{"cutzip", ErrTruncated},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			mode.Store(tc.mode)
			_, err := f.Fetch(ctx, srv.URL+"/36_2.csv", "")
			if err == nil {
				t.Fatal("fetch succeeded, want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "is kept") {
				t.Errorf("err = %v, want it to say the last good copy is kept", err)
			}
			if got, _ := os.ReadFile(first.Path); !bytes.Equal(got, good) {
				t.Errorf("the kept copy = %.40q, want the last good one", got)
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(first.Path), ".part-*"))
			if len(left) > 0 {
				t.Errorf("partial downloads left behind: %v", left)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("key,"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	f := &Fetcher{Dir: t.TempDir(), Timeout: 50 * time.Millisecond}
	_, err := f.Fetch(context.Background(), srv.URL+"/slow.csv", "")
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("err = %v, want a download cut short by the deadline", err)
	}
}

func TestFileNames(t *testing.T) {
	for _, tc := range []struct {
		name, disposition, contentType, url, want string
	}{
		{"36_2.csv", "", "", "http://x/a.do", "36_2.csv"},
		{"", `attachment; filename="42_5.json"`, "application/json", "http://x/export.do?id=42", "42_5.json"},
		{"", "", "application/zip", "http://x/opendata/exportDataList.do?id=36", "exportDataList.do.zip"},
		{"", "", "text/xml", "http://x/faq", "faq.xml"},
		{"", `attachment; filename="../../etc/passwd"`, "", "http://x/", "passwd"},
		{"", "", "", "http://x/", "export"},
		{"..", "", "", "http://x/", "export"},
		{"fetch.json", "", "", "http://x/", "export"},
	} {
		resp := &http.Response{Header: http.Header{}}
		resp.Header.Set("Content-Disposition", tc.disposition)
		resp.Header.Set("Content-Type", tc.contentType)
		if got := fileName(tc.name, resp, tc.url); got != tc.want {
			t.Errorf("fileName(%q, %q, %q, %q) = %q, want %q", tc.name, tc.disposition, tc.contentType, tc.url, got, tc.want)
		}
	}
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://data.fda.gov.tw/x.zip": true,
		"http://127.0.0.1:8080/a.csv":   true,
		"ftp://x/a.csv":                 false,
		"file:///etc/passwd":            false,
		"ingest/opendata/tfda/159.csv":  false,
		"https:///nohost":               false,
	} {
		if got := IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}
