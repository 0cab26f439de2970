package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/tfda"
)

// readLicences counts what the licence reader makes of a generated file.
func readLicences(tb testing.TB, r io.Reader) (records, rejects int) {
	tb.Helper()
	for _, f := range tfda.Formats() {
		if f.Name != "tfda-licences" {
			continue
		}
		err := f.Read(context.Background(), r, ingest.Emit{
			Record: func(ingest.Record) error { records++; return nil },
			Reject: func(int, string) { rejects++ },
		})
		if err != nil {
			tb.Fatal(err)
		}
		return records, rejects
	}
	tb.Fatal("no licence format")
	return 0, 0
}

func TestRunWritesCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "36.csv")
	if err := run(context.Background(), []string{"tfdagen", "-rows", "600", "-seed", "4", "-o", path}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFF\"許可證字號\"")) {
		t.Errorf("starts %q", data[:20])
	}
	if n, rej := readLicences(t, bytes.NewReader(data)); n != 550 || rej != 0 {
		t.Errorf("%d licences, %d rejects; want 550, 0", n, rej)
	}

	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"tfdagen", "-rows", "600", "-seed", "4"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), data) {
		t.Error("standard output differs from the file written with the same seed")
	}
}

func TestRunWritesZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "36.zip")
	if err := run(context.Background(), []string{"tfdagen", "-zip", "-rows", "240", "-o", path}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "36_2.csv" {
		t.Fatalf("entries %v", zr.File)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if n, rej := readLicences(t, rc); n != 220 || rej != 0 {
		t.Errorf("%d licences, %d rejects; want 220, 0", n, rej)
	}

	// The loader takes the ZIP as it takes the official one.
	batches, err := (&ingest.Loader{Formats: tfda.Formats()}).Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 1 || batches[0].Source != "tfda-36" || len(batches[0].Records) != 220 {
		t.Errorf("batches %+v", batches)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"tfdagen", "-rows", "-5"},
		{"tfdagen", "-rows", "many"},
		{"tfdagen", "extra"},
		{"tfdagen", "-nope"},
		{"tfdagen", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "x.csv")},
	} {
		var stderr bytes.Buffer
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("%v: no error", strings.Join(args, " "))
		}
	}
}

func TestRunWritesIngredients(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"tfdagen", "-dataset", "43", "-rows", "600", "-seed", "4"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(stdout.Bytes(), []byte("\uFEFF\"許可證字號\",\"處方標示\"")) {
		t.Errorf("starts %q", stdout.Bytes()[:40])
	}
	if err := run(context.Background(), []string{"tfdagen", "-dataset", "38"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "-dataset") {
		t.Errorf("-dataset 38: err = %v", err)
	}
}
