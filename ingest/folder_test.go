package ingest_test

import (
	"archive/zip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/pages"
	"github.com/civicbot/civicbot/ingest/tfda"
)

func folderLoader() *ingest.Loader {
	return &ingest.Loader{Formats: append(tfda.Formats(), pages.Format())}
}

// bundled returns a bundled TFDA export.
func bundled(t *testing.T, name string) []byte {
	t.Helper()
	data, err := fs.ReadFile(opendata.FS, "tfda/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func put(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// putZip writes a ZIP holding the given entries, in order (name, content, ...).
func putZip(t *testing.T, path string, entries ...string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFolderOfExports(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	myth := put(t, filepath.Join(dir, "159.csv"), bundled(t, "159.csv"))
	put(t, filepath.Join(dir, "README.md"), []byte("# 2026-10 exports\n"))
	put(t, filepath.Join(dir, ".DS_Store"), []byte("\x00\x00\x00\x01Bud1"))
	put(t, filepath.Join(dir, "__MACOSX", "._159.csv"), []byte("\x00\x05\x16\x07"))
	article := putZip(t, filepath.Join(dir, "sub", "190.zip"), "190.csv", string(bundled(t, "190.csv")), "README.md", "# 食藥好文網\n")
	licences := putZip(t, filepath.Join(dir, "sub", "deeper", "36.zip"), "36_sample.csv", string(bundled(t, "36_sample.csv")))

	got, err := folderLoader().Load(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := folderLoader().Load(ctx, myth, article, licences)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(got) != len(want) {
		t.Fatalf("got %d batches, want 3 as from the files one by one (%d)", len(got), len(want))
	}
	for i, b := range got {
		w := want[i]
		if b.Source != w.Source || b.Format != w.Format || b.Digest != w.Digest ||
			len(b.Records) != len(w.Records) || b.Seen != w.Seen || len(b.Rejects) != len(w.Rejects) ||
			strings.Join(b.Files, " ") != strings.Join(w.Files, " ") {
			t.Errorf("batch %d: got %s (%s) %v, %d records of %d, digest %s; want %s (%s) %v, %d of %d, digest %s",
				i, b.Source, b.Format, b.Files, len(b.Records), b.Seen, b.Digest, w.Source, w.Format, w.Files, len(w.Records), w.Seen, w.Digest)
		}
		if b.Format == "pages" || len(b.Records) == 0 {
			t.Errorf("batch %d: %s with %d records; README files are not data", i, b.Format, len(b.Records))
		}
	}

	// The ZIP's export reads as the bare file does.
	bare, err := folderLoader().Load(ctx, put(t, filepath.Join(t.TempDir(), "190.csv"), bundled(t, "190.csv")))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range got {
		if b.Source == bare[0].Source && len(b.Records) != len(bare[0].Records) {
			t.Errorf("%s from the ZIP in a folder: %d records, bare file %d", b.Source, len(b.Records), len(bare[0].Records))
		}
	}
}

func TestLoadFolderOfExportsUnknownFile(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, "159.csv"), bundled(t, "159.csv"))
	unknown := put(t, filepath.Join(dir, "more", "download.dat"), []byte("something else\n"))
	put(t, filepath.Join(dir, "LICENSE"), []byte("Open Government Data License\n"))

	_, err := folderLoader().Load(context.Background(), dir)
	if !errors.Is(err, ingest.ErrUnreadable) || !strings.Contains(err.Error(), unknown) {
		t.Fatalf("err = %v, want an unrecognised-format error naming %s", err, unknown)
	}
}

func TestLoadFolderOfPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	put(t, filepath.Join(dir, "index.html"), []byte("<html><head><title>首頁</title></head><body><main><p>歡迎光臨本署網站。</p></main></body></html>"))
	put(t, filepath.Join(dir, "guide", "apply.md"), []byte("---\ntitle: 申請方式\n---\n\n請攜帶身分證件臨櫃辦理。\n"))
	put(t, filepath.Join(dir, "README.md"), []byte("# 說明\n\n本資料夾是網站內容。\n"))
	put(t, filepath.Join(dir, "css", "site.css"), []byte("body { margin: 0 }\n"))
	// An attachment that holds no export does not make the folder one of exports.
	putZip(t, filepath.Join(dir, "files", "forms.zip"), "form.odt", "PK-not-really")

	bs, err := folderLoader().Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Source != "pages-site" || bs[0].Format != "pages" || len(bs[0].Records) != 3 {
		for _, b := range bs {
			t.Logf("batch %s (%s): %d records, rejects %v", b.Source, b.Format, len(b.Records), b.Rejects)
		}
		t.Fatalf("got %d batches, want one pages-site batch of 3 pages", len(bs))
	}
}
