package bot

import (
	"embed"
	"fmt"

	"github.com/civicbot/civicbot/lexicon"
)

// The word lists of the bot's reading of a question live in lexicons/*.tsv (see package
// lexicon for the format); this file reads and checks them when the program starts.
//
//go:embed lexicons/*.tsv
var lexiconFiles embed.FS

// lexLines parses an embedded list, panicking with the file and line on a bad one.
func lexLines(name string, minFields int) []lexicon.Line {
	b, err := lexiconFiles.ReadFile("lexicons/" + name)
	if err != nil {
		panic(fmt.Sprintf("bot: %v", err))
	}
	return lexicon.MustParse(name, string(b), minFields)
}

// namedWords is one line of a list of named word groups: an aspect, a population.
type namedWords struct {
	name  string
	words []string
}

// namedGroups reads a list of named groups, in order, checking that every name the code
// refers to is there, and that no name or word is listed twice.
func namedGroups(file string, known ...string) []namedWords {
	var out []namedWords
	names, words := map[string]bool{}, map[string]bool{}
	for _, l := range lexLines(file, 2) {
		if names[l.Fields[0]] {
			panic(l.Errorf("%q is listed twice", l.Fields[0]))
		}
		names[l.Fields[0]] = true
		for _, w := range l.Fields[1:] {
			if words[w] {
				panic(l.Errorf("%q is listed twice", w))
			}
			words[w] = true
		}
		out = append(out, namedWords{l.Fields[0], l.Fields[1:]})
	}
	for _, k := range known {
		if !names[k] {
			panic(fmt.Sprintf("lexicon: %s: no %q, which the code refers to", file, k))
		}
	}
	return out
}

var (
	// aspects are the aspects a question can ask about (aspects.tsv), in order.
	aspects = namedGroups("aspects.tsv", "appearance", "side_effects", "interactions", "storage", "dose", "indication", "ingredients", "status", "contact")
	// populations are the people the licence data's general wording is not enough for
	// (populations.tsv), in order.
	populations = namedGroups("populations.tsv", "pregnancy", "child", "elderly")
	// englishFollowUps are how an English follow-up asks an aspect of a service, and
	// the pronouns that stand for its topic (englishfollowups.tsv).
	englishFollowUps = namedGroups("englishfollowups.tsv", "pointer")
	// anaphora refer back to the last topic (anaphora.tsv).
	anaphora = lexicon.Words(lexLines("anaphora.tsv", 1))
	// baseFillerWords name nothing of a question's own (fillerwords.tsv).
	baseFillerWords = lexicon.Words(lexLines("fillerwords.tsv", 1))
)

// LexiconVersion fingerprints the bot's word lists, for the start-up log.
func LexiconVersion() string {
	entries, err := lexiconFiles.ReadDir("lexicons")
	if err != nil {
		panic(fmt.Sprintf("bot: %v", err))
	}
	files := []lexicon.File{{Name: "followupwords.txt", Data: followUpWordsFile}, {Name: "dosageforms.txt", Data: dosageFormsFile}}
	for _, e := range entries {
		b, _ := lexiconFiles.ReadFile("lexicons/" + e.Name())
		files = append(files, lexicon.File{Name: e.Name(), Data: string(b)})
	}
	return lexicon.Hash(files...)
}
