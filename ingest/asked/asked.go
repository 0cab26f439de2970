// Package asked holds questions citizens ask the bundled records in their own words, and
// adds them to the records they were written for.
//
// Citizens ask in their own words («老人卡是不是每半年要去弄一下») while the records are
// written in the agencies' («敬老、愛心悠遊卡有使用期限嗎»): the words that would find a
// record are often in none of its own. For each record of the bundled city FAQ, myths
// and articles, a file here (named after the dataset) holds questions a citizen would
// type to get its answer, written from the record alone, its title and text (document
// expansion, as doc2query does): two in everyday Chinese (the need asked plainly, a
// situation then the question), one in English, and the words a citizen would type in a
// search box. They were written by a language model, from the records and never from an
// evaluation question (testdata/eval/README.md).
//
// Add gives them to the record whose key and title they were written for: the questions
// as its asked field (corpus.Main.Asked), which search's and the answer's question match
// compare with the citizen's, and the questions and the search-box words as a labelled
// line of its searchable text (corpus.AskedLabel), which every leg of the search reads.
// The search-box words are not a question: a few words alone («低收 喪葬費 減免») hold
// much of many questions that share one of them. Answers never quote either. A record
// edited since (another title) gets none: questions written for an old question could be
// wrong for the new one.
package asked

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
)

//go:embed *.jsonl
var files embed.FS

// Entry is one line of a file: the questions written for a record.
type Entry struct {
	Key   string   `json:"key"`
	Title string   `json:"title"` // the record's title they were written for
	ZH    []string `json:"zh"`    // questions in Chinese
	EN    string   `json:"en"`    // a question in English
	Query string   `json:"query"` // search-box words
}

// Questions are the entry's questions, Chinese then English, without the empty ones.
func (e Entry) Questions() []string {
	var out []string
	for _, q := range append(e.ZH, e.EN) {
		if q = oneLine(q); q != "" {
			out = append(out, q)
		}
	}
	return out
}

type recordKey struct{ dataset, key string }

// table reads the embedded files once.
var table = sync.OnceValues(func() (map[recordKey]Entry, error) {
	out := map[recordKey]Entry{}
	names, err := fs.Glob(files, "*.jsonl")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		entries, err := Read(name, b)
		if err != nil {
			return nil, err
		}
		dataset := strings.TrimSuffix(path.Base(name), ".jsonl")
		for _, e := range entries {
			out[recordKey{dataset, e.Key}] = e
		}
	}
	return out, nil
})

// Read parses one file (name is for errors): JSON Lines of Entry.
func Read(name string, b []byte) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if e.Key == "" || e.Title == "" {
			return nil, fmt.Errorf("%s:%d: no key or no title", name, n)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Bundled returns every entry of the embedded files, by dataset.
func Bundled() (map[string][]Entry, error) {
	t, err := table()
	if err != nil {
		return nil, err
	}
	out := map[string][]Entry{}
	for k, e := range t {
		out[k.dataset] = append(out[k.dataset], e)
	}
	return out, nil
}

// For returns the questions written for the record of dataset and key whose title is
// title (white space aside); nil when none were, or when the record's title is not the
// one they were written for.
func For(dataset, key, title string) []string {
	e, ok := entryFor(dataset, key, title)
	if !ok {
		return nil
	}
	return e.Questions()
}

// Add adds the questions written for r, if any: its asked field, and a last line of its
// text labelled corpus.AskedLabel.
func Add(r *ingest.Record) {
	e, ok := entryFor(r.Dataset, r.Key, r.Title)
	qs := e.Questions()
	if !ok || len(qs) == 0 {
		return
	}
	if r.Fields == nil {
		r.Fields = map[string]any{}
	}
	r.Fields["asked"] = qs
	line := qs
	if q := oneLine(e.Query); q != "" {
		line = append(slices.Clone(qs), q)
	}
	r.Text = strings.TrimRight(r.Text, "\n") + "\n" + corpus.AskedLabel + "：" + strings.Join(line, "／")
}

// entryFor returns the entry written for the record of dataset and key whose title is
// title; ok is false when there is none.
func entryFor(dataset, key, title string) (e Entry, ok bool) {
	t, err := table()
	if err != nil {
		panic(err) // the embedded files are checked by the package's tests
	}
	e, ok = t[recordKey{dataset, key}]
	if !ok || !sameTitle(e.Title, title) {
		return Entry{}, false
	}
	return e, true
}

// sameTitle reports whether a and b are one title, white space aside: a character the
// export's encoding lost (U+FFFD) in one matches any character in the other, since the
// loader repairs some of them after the reader has read the record.
func sameTitle(a, b string) bool {
	ra, rb := []rune(oneLine(a)), []rune(oneLine(b))
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if ra[i] != rb[i] && ra[i] != utf8.RuneError && rb[i] != utf8.RuneError {
			return false
		}
	}
	return true
}

// oneLine trims s and collapses every run of white space to one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
