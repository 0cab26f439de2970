package ingest

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestLoadStream checks that a streamed batch, once read, is what Load without Stream
// returns: the same records (a later file's record of a key replacing an earlier
// one's), rejects with their lines, counts and snapshot; and that the errors Load
// reports at once (error budget, no valid records) come when the records are read.
func TestLoadStream(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	zipped := filepath.Join(dir, "export.zip")
	f, _ := os.Create(zipped)
	zw := zip.NewWriter(f)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "36_2.csv", Method: zip.Deflate, Modified: time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)})
	io.WriteString(w, "\xef\xbb\xbf"+rows(5))
	zw.Close()
	f.Close()
	cases := []struct {
		name  string
		l     Loader
		paths []string
	}{
		{"rejects within budget", Loader{}, []string{writeFile(t, dir, "b.csv", rows(150)+"broken line\n")}},
		{"zip", Loader{}, []string{zipped}},
		{"merge", Loader{Source: "mine", Snapshot: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
			[]string{writeFile(t, dir, "h1.csv", "key,title\nk1,舊\nk2,二\n"), writeFile(t, dir, "h2.csv", "key,title\nk1,新\nk3,三\n")}},
		{"broken characters", Loader{}, []string{writeFile(t, dir, "r.csv", "key,title\nk1,藥\uFFFD\n")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.l.Formats = []Format{lines}
			want, err := c.l.Load(ctx, c.paths...)
			if err != nil {
				t.Fatal(err)
			}
			c.l.Stream = true
			got, err := c.l.Load(ctx, c.paths...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !got[0].Streamed() || len(got[0].Records) != 0 || got[0].Seen != 0 {
				t.Fatalf("streamed Load parsed the files: %+v", got)
			}
			n := 0
			if err := got[0].Each(ctx, func(r Record) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if err := got[0].Collect(ctx); err != nil {
				t.Fatal(err)
			}
			if n < len(want[0].Records) || got[0].Streamed() {
				t.Errorf("Each gave %d records, want at least %d", n, len(want[0].Records))
			}
			if !reflect.DeepEqual(got[0], want[0]) {
				t.Errorf("streamed and read:\n%+v\nwant\n%+v", got[0], want[0])
			}
		})
	}
	t.Run("past budget", func(t *testing.T) {
		l := &Loader{Formats: []Format{lines}, Stream: true}
		bs, err := l.Load(ctx, writeFile(t, dir, "c.csv", rows(100)+"x\ny\nz\n"))
		if err != nil {
			t.Fatalf("Load: %v (a streamed batch is checked when read)", err)
		}
		err = bs[0].Each(ctx, func(Record) error { return nil })
		if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "c.csv:102") {
			t.Fatalf("err = %v, want budget error naming c.csv:102", err)
		}
	})
	t.Run("header only", func(t *testing.T) {
		l := &Loader{Formats: []Format{lines}, Stream: true}
		bs, err := l.Load(ctx, writeFile(t, dir, "g.csv", "key,title\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := bs[0].Each(ctx, func(Record) error { return nil }); !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "no valid records") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an error from the store ends the reading", func(t *testing.T) {
		l := &Loader{Formats: []Format{lines}, Stream: true}
		bs, err := l.Load(ctx, writeFile(t, dir, "s.csv", rows(50)))
		if err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		n := 0
		if err := bs[0].Each(ctx, func(Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Fatalf("err = %v after %d records, want stop after 1", err, n)
		}
	})
}
