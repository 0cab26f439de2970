package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMECommands keeps `civicbot --help` and the README's command list the same:
// a newcomer reads one and types what the other knows.
func TestREADMECommands(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## Commands\n\n```\n")
	block, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no ## Commands block")
	}
	help := commands(usage)
	doc := commands(block)
	if len(help) < 8 || !slices.Equal(help, doc) {
		t.Errorf("civicbot --help lists %q\nREADME.md ## Commands lists %q", help, doc)
	}
}

// commands are the distinct "civicbot NAME [SUBNAME]" of a text, sorted.
func commands(text string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`civicbot ([a-z]+)(?: ([a-z]+)\b)?`).FindAllStringSubmatch(text, -1) {
		c := m[1]
		if m[2] != "" {
			c += " " + m[2]
		}
		if c == "civicbot answers" || m[1] == "answers" {
			continue
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// TestBundledName: a first start names its rejected rows by the bundle's file names,
// not by the temporary directory they were read from.
func TestBundledName(t *testing.T) {
	in := "/tmp/civicbot-opendata-2424363297/taipei/faq.xml:365: GIP_128607318: empty news_content"
	if got, want := bundledName(in), "bundled taipei/faq.xml:365: GIP_128607318: empty news_content"; got != want {
		t.Errorf("bundledName = %q, want %q", got, want)
	}
}
