package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The official exports by URL: downloaded with conditional requests into the data
// folder, loaded by the same sync; a 304 costs neither a download nor a parse, and a
// download cut short fails its source alone, whose data stay as they were.
func TestIngestByURL(t *testing.T) {
	files := map[string][]byte{}
	for _, p := range []string{"../../ingest/opendata/tfda/159.csv", "../../ingest/opendata/taipei/faq.xml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files["/"+filepath.Base(p)] = b
	}
	var cut atomic.Bool
	var bodies atomic.Int32
	modified := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if cut.Load() && r.URL.Path == "/faq.xml" {
			w.Header().Set("Content-Length", "999999")
			w.Write(b[:len(b)/2])
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == "" {
			bodies.Add(1)
		}
		http.ServeContent(w, r, "", modified, bytes.NewReader(b))
	}))
	defer srv.Close()

	env := map[string]string{"CIVICBOT_DATA_DIR": t.TempDir()}
	list := filepath.Join(t.TempDir(), "exports")
	os.WriteFile(list, []byte("# the exports\n159.csv "+srv.URL+"/159.csv\n"+srv.URL+"/faq.xml  # city FAQ\n"), 0o644)

	out, errOut, err := civicbot(t, env, "ingest", "--urls", list)
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}
	first := parseSummary(t, out)
	if first[0] < 1000 || first[1] != first[0] {
		t.Fatalf("first ingest by URL: %v\n%s", first, errOut)
	}
	if n := bodies.Load(); n != 2 {
		t.Errorf("%d full downloads, want 2", n)
	}

	out, errOut, err = civicbot(t, env, "ingest", "--urls", list)
	if err != nil {
		t.Fatalf("second ingest: %v\n%s", err, errOut)
	}
	if got := parseSummary(t, out); got[3] != first[0] || got[1]+got[2]+got[4] != 0 {
		t.Errorf("second ingest changed data: %v", got)
	}
	if strings.Count(errOut, "not modified") != 2 || bodies.Load() != 2 {
		t.Errorf("second ingest downloaded again (%d bodies):\n%s", bodies.Load(), errOut)
	}

	cut.Store(true)
	out, errOut, err = civicbot(t, env, "ingest", srv.URL+"/159.csv", srv.URL+"/faq.xml", srv.URL+"/missing.csv")
	if err == nil || !strings.Contains(err.Error(), "2 of 3 downloads failed") || !strings.Contains(err.Error(), "cut short") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a cut and a missing download: err %v\n%s", err, errOut)
	}
	// The download that arrived was synced; the city FAQ keeps the data of its last run.
	if got := parseSummary(t, out); got[4] != 0 {
		t.Errorf("a failed download removed documents: %v", got)
	}
	out, errOut, err = civicbot(t, env, "search", "--json", "身心障礙手冊")
	if err != nil || !strings.Contains(out, "taipei_faq") {
		t.Errorf("after the failed download the city FAQ is gone: %v\n%s%s", err, out, errOut)
	}

	cut.Store(false)
	_, _, err = civicbot(t, env, "ingest", "ftp://example.invalid/x.csv")
	if err == nil {
		t.Error("an ftp URL was accepted as a path")
	}
	os.WriteFile(list, []byte("a b c\n"), 0o644)
	if _, _, err := civicbot(t, env, "ingest", "--urls", list); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("a malformed --urls line: %v, want the line named", err)
	}
}
