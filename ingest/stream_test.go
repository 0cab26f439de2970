package ingest

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
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

// twice is the lines format read as the licence reader reads a streamed export: a
// first pass over the stream, then the records from a second opening (emit.Again).
// between, if set, runs between the passes; start, before the first.
func twice(start, between func()) Format {
	f := lines
	f.Read = func(ctx context.Context, r io.Reader, emit Emit) error {
		if start != nil {
			start()
		}
		if emit.Again == nil {
			return lines.Read(ctx, r, emit)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
		if between != nil {
			between()
		}
		again, err := emit.Again()
		if err != nil {
			return err
		}
		defer again.Close()
		return lines.Read(ctx, again, emit)
	}
	return f
}

// TestReadChangedFile checks that a file whose bytes change between the plan (which
// hashes them) and the reading, or during it, fails the reading with ErrChanged
// naming the file, whether the change is in place (same size) or a replacement, and
// whether it comes before the reading, while the records are read or between the
// passes of a reader that reads the file twice; and that a file replaced by a rename
// while it is read once is read as planned (the open file is the old one).
func TestReadChangedFile(t *testing.T) {
	ctx := context.Background()
	// Larger than the buffers between the file and the format, so that a change to
	// its end made while the first records are read is seen by the reading.
	const n = 60000
	content := rows(n)
	// The same size, another last title.
	changed := content[:len(content)-2] + "8\n"
	inPlace := func(path string) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte("8\n"), int64(len(content)-2)); err != nil {
			t.Fatal(err)
		}
	}
	replace := func(path, with string) {
		tmp := path + ".new"
		if err := os.WriteFile(tmp, []byte(with), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		// change runs on the file: "before" Each, at the "first" record, "between"
		// the two passes of the twice format, or at its "start" (Load without Stream).
		when, how string
		stream    bool
		wantErr   bool
	}{
		{"modified before the reading", "before", "in place", true, true},
		{"replaced before the reading", "before", "rename", true, true},
		{"modified while read", "first", "in place", true, true},
		{"replaced while read once", "first", "rename", true, false},
		{"replaced between two passes", "between", "rename", true, true},
		{"modified between two passes", "between", "in place", true, true},
		{"modified after the plan, without Stream", "start", "in place", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "a.csv", content)
			change := func() {
				if c.how == "rename" {
					replace(path, changed)
				} else {
					inPlace(path)
				}
			}
			hook := func(when string) func() {
				if c.when != when {
					return nil
				}
				return change
			}
			l := &Loader{Formats: []Format{twice(hook("start"), hook("between"))}, Stream: c.stream}
			bs, err := l.Load(ctx, path)
			if !c.stream {
				if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "a.csv") {
					t.Fatalf("Load: err = %v, want ErrChanged naming a.csv", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.when == "before" {
				change()
			}
			got, last := 0, ""
			err = bs[0].Each(ctx, func(r Record) error {
				if got == 0 && c.when == "first" {
					change()
				}
				got++
				last = r.Title
				return nil
			})
			if !c.wantErr {
				if err != nil || got != n || last != fmt.Sprintf("標題%d", n-1) {
					t.Fatalf("err = %v after %d records, last %q: want the %d records planned", err, got, last, n)
				}
				return
			}
			if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "a.csv") {
				t.Fatalf("err = %v after %d records, want ErrChanged naming a.csv", err, got)
			}
		})
	}
}
