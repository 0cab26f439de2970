// Command glossarygen writes the dictionary's English of retrieval/lexicons
// (cedictwords.tsv, cedictphrases.tsv) from CC-CEDICT and the bundled open data: for
// each English word or phrase of a sense, the Chinese words of that sense that the
// bundled data uses, commonest first.
//
//	go run ./retrieval/internal/glossarygen -cedict cedict_ts.u8 -out retrieval/lexicons
//
// CC-CEDICT (https://cc-cedict.org, CC BY-SA 4.0) is read in its published text format:
// "traditional simplified [pin1 yin1] /sense/sense/" a line. The tables keep only what
// the data can match: Chinese words of two to four characters that the bundled records
// use at least twice. English that names nothing a question asks about is left out:
// function words (englishstop.tsv, englishfiller.tsv), proper nouns (a sense that
// starts with a capital), words that the bundled licences use in their English names
// (a dictionary sense «calcium» would otherwise read a drug's name as everyday
// English), and what the hand-made glossary already says.
package main

import (
	"bufio"
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/lexicon"
)

// Entry is one line of CC-CEDICT.
type Entry struct {
	Traditional string
	Pinyin      string
	Senses      []string
}

var line = regexp.MustCompile(`^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$`)

// Read parses CC-CEDICT's text format; comment lines (#) and lines that are not entries
// are skipped.
func Read(r io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		out = append(out, Entry{Traditional: m[1], Pinyin: m[3], Senses: strings.Split(m[4], "/")})
	}
	return out, sc.Err()
}

var (
	parenthesis = regexp.MustCompile(`\([^)]*\)`)
	english     = regexp.MustCompile(`^[a-z]+(?: [a-z]+){0,2}$`)
	article     = regexp.MustCompile(`^(?:to|a|an|the) `)
)

// Keys returns the English keys of a sense: each of its ;-separated parts, without
// what is in parentheses, lower case, without a leading «to», «a», «an» or «the»; one
// to three words of letters. A part that starts with a capital is a proper noun, and
// cross-references, variants, measure words and abbreviations are not meanings.
func Keys(sense string) []string {
	var out []string
	for _, part := range strings.Split(sense, ";") {
		p := strings.TrimSpace(parenthesis.ReplaceAllString(part, ""))
		if p == "" || unicode.IsUpper([]rune(p)[0]) || strings.ContainsAny(p, "[|") {
			continue
		}
		p = strings.ToLower(p)
		if strings.Contains(p, "variant of") || strings.HasPrefix(p, "cl:") || strings.Contains(p, "abbr") {
			continue
		}
		p = strings.TrimSpace(article.ReplaceAllString(p, ""))
		if english.MatchString(p) {
			out = append(out, p)
		}
	}
	return out
}

func main() {
	cedict := flag.String("cedict", "", "CC-CEDICT in its text format (cedict_ts.u8)")
	out := flag.String("out", "retrieval/lexicons", "the lexicons folder to write to and read the glossary from")
	flag.Parse()
	if *cedict == "" {
		log.Fatal("glossarygen: -cedict FILE is required")
	}
	f, err := os.Open(*cedict)
	if err != nil {
		log.Fatal(err)
	}
	entries, err := Read(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	uses, names, err := bundled()
	if err != nil {
		log.Fatal(err)
	}
	skip := map[string]bool{"sb": true, "sth": true, "something": true, "somebody": true, "oneself": true, "one": true}
	for _, name := range []string{"englishstop.tsv", "englishfiller.tsv"} {
		for _, w := range lexicon.Words(lines(filepath.Join(*out, name))) {
			skip[w] = true
		}
	}
	hand := map[string]bool{}
	for _, name := range []string{"glossary.tsv", "glossaryphrases.tsv"} {
		for _, l := range lines(filepath.Join(*out, name)) {
			hand[l.Fields[0]] = true
		}
	}
	zh := map[string]map[string]bool{}
	for _, e := range entries {
		n := len([]rune(e.Traditional))
		if n < 2 || n > 4 || !allHan(e.Traditional) || uses[e.Traditional] < 2 {
			continue
		}
		for _, s := range e.Senses {
			for _, k := range Keys(s) {
				words := strings.Fields(k)
				if hand[k] || !slices.ContainsFunc(words, func(w string) bool { return !skip[w] }) {
					continue
				}
				if len(words) == 1 && (names[k] || len(k) < 3) {
					continue
				}
				if zh[k] == nil {
					zh[k] = map[string]bool{}
				}
				zh[k][e.Traditional] = true
			}
		}
	}
	var wordLines, phraseLines []string
	for _, k := range slices.Sorted(maps.Keys(zh)) {
		ws := slices.SortedFunc(maps.Keys(zh[k]), func(a, b string) int { return cmp.Or(cmp.Compare(uses[b], uses[a]), cmp.Compare(a, b)) })
		l := k + "\t" + strings.Join(ws[:min(len(ws), 3)], "\t")
		if strings.Contains(k, " ") {
			phraseLines = append(phraseLines, l)
		} else {
			wordLines = append(wordLines, l)
		}
	}
	const head = "# Generated by retrieval/internal/glossarygen from CC-CEDICT (https://cc-cedict.org, MDBG,\n# CC BY-SA 4.0) and the bundled open data: do not edit; see its package comment.\n"
	write(filepath.Join(*out, "cedictwords.tsv"), head+"# English words of a sense, then up to three of its Chinese words that the data uses,\n# commonest first.\n", wordLines)
	write(filepath.Join(*out, "cedictphrases.tsv"), head+"# English phrases of a sense (two or three words), then up to three of its Chinese words\n# that the data uses, commonest first.\n", phraseLines)
	sounds := Sounds(entries)
	var soundLines []string
	for _, syl := range slices.Sorted(maps.Keys(sounds)) {
		// Only the characters the bundled data writes: a word meant is a word of the
		// data, and search asks the store about fewer sound-alikes.
		var used []rune
		for _, r := range slices.Sorted(maps.Keys(sounds[syl])) {
			if uses[string(r)] > 0 {
				used = append(used, r)
			}
		}
		if len(used) > 0 {
			soundLines = append(soundLines, syl+"\t"+string(used))
		}
	}
	write(filepath.Join(*out, "cedictsounds.tsv"), head+"# The readings of the characters the bundled data writes, with their tone (Taiwan's too,\n# where CC-CEDICT notes it): a syllable, then every such character read so.\n", soundLines)
	fmt.Fprintf(os.Stderr, "glossarygen: %d words, %d phrases, %d syllables from %d entries\n", len(wordLines), len(phraseLines), len(soundLines), len(entries))
}

var (
	syllable = regexp.MustCompile(`^[a-z:]+[1-5]$`)
	taiwanPr = regexp.MustCompile(`Taiwan pr\. \[([a-z:]+[1-5])\]`)
)

// Sounds returns, for each syllable with its tone («zhi2»), the traditional characters
// read so: the reading of each one-character entry, and the Taiwan pronunciation its
// senses note («質» is zhi4, and zhi2 in Taiwan). Surnames' readings count too: a
// character sounds as it sounds.
func Sounds(entries []Entry) map[string]map[rune]bool {
	out := map[string]map[rune]bool{}
	add := func(syl string, r rune) {
		if out[syl] == nil {
			out[syl] = map[rune]bool{}
		}
		out[syl][r] = true
	}
	for _, e := range entries {
		rs := []rune(e.Traditional)
		if len(rs) != 1 || !unicode.Is(unicode.Han, rs[0]) {
			continue
		}
		if p := strings.ToLower(e.Pinyin); syllable.MatchString(p) {
			add(p, rs[0])
		}
		for _, s := range e.Senses {
			for _, m := range taiwanPr.FindAllStringSubmatch(s, -1) {
				add(m[1], rs[0])
			}
		}
	}
	return out
}

// bundled counts, in the bundled records' titles and text, every run of one to four
// Han characters, and collects the Latin words of the licences' and pills' records.
func bundled() (uses map[string]int, names map[string]bool, err error) {
	batches, err := opendata.Load(context.Background(), append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
	if err != nil {
		return nil, nil, err
	}
	uses, names = map[string]int{}, map[string]bool{}
	for _, b := range batches {
		for _, r := range b.Records {
			text := r.Title + "\n" + r.Text
			if r.Dataset == corpus.DatasetDrug {
				for _, w := range strings.FieldsFunc(strings.ToLower(text), func(c rune) bool { return c < 'a' || c > 'z' }) {
					names[w] = true
				}
			}
			for _, run := range strings.FieldsFunc(text, func(c rune) bool { return !unicode.Is(unicode.Han, c) }) {
				rs := []rune(run)
				for n := 1; n <= 4; n++ {
					for i := 0; i+n <= len(rs); i++ {
						uses[string(rs[i:i+n])]++
					}
				}
			}
		}
	}
	return uses, names, nil
}

func allHan(s string) bool {
	for _, c := range s {
		if !unicode.Is(unicode.Han, c) {
			return false
		}
	}
	return true
}

// lines reads a lexicon of the folder (package lexicon's format).
func lines(path string) []lexicon.Line {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	ls, err := lexicon.Parse(filepath.Base(path), string(b), 1)
	if err != nil {
		log.Fatal(err)
	}
	return ls
}

func write(path, head string, ls []string) {
	if err := os.WriteFile(path, []byte(head+strings.Join(ls, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
}
