package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// static holds the widget and the demo page.
//
//go:embed static
var static embed.FS

// demoCSP lets the demo page load only from this server: its scripts are files (no
// inline script), the widget's Shadow DOM styles are inline. The one exception is
// the TFDA's pill photos, shown from their own host: a photo of a pill is public
// data, and proxying it would make this server fetch addresses found in documents.
// A page whose policy blocks them gets a link to the photo instead.
const demoCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https://mcp.fda.gov.tw; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is a static file served from memory, with its gzipped form and validators
// computed once.
type asset struct {
	body, gz     []byte // gz is nil when gzip does not make it smaller
	etag, etagGz string
	header       http.Header
}

func loadAssets() (widget, demo *asset, err error) {
	widget, err = newAsset(static, "static/widget.js", http.Header{
		"Content-Type":  {"application/javascript; charset=utf-8"},
		"Cache-Control": {"public, max-age=300"},
		// Any agency's page may load the script; the API decides who may call it.
		"Cross-Origin-Resource-Policy": {"cross-origin"},
	})
	if err != nil {
		return nil, nil, err
	}
	demo, err = newAsset(static, "static/index.html", http.Header{
		"Content-Type":            {"text/html; charset=utf-8"},
		"Cache-Control":           {"no-cache"},
		"Content-Security-Policy": {demoCSP},
		"Referrer-Policy":         {"no-referrer"},
		"X-Frame-Options":         {"DENY"},
	})
	return widget, demo, err
}

func newAsset(fsys fs.FS, name string, header http.Header) (*asset, error) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	a := &asset{body: body, etag: `"` + tag + `"`, etagGz: `"` + tag + `-gzip"`, header: header}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("web: gzip %s: %w", name, err)
	}
	if buf.Len() < len(body) {
		a.gz = buf.Bytes()
	}
	return a, nil
}

func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range a.header {
		h.Set(k, v[0])
	}
	body, etag := a.body, a.etag
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = a.gz, a.etagGz
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if noneMatch(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (s *Server) handleWidget(w http.ResponseWriter, r *http.Request) { s.widget.serve(w, r) }
func (s *Server) handleDemo(w http.ResponseWriter, r *http.Request)   { s.demo.serve(w, r) }

// acceptsGzip reads Accept-Encoding: gzip, unless given a q of 0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// noneMatch says whether If-None-Match names etag (weakly, as RFC 9110 wants for GET).
func noneMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
