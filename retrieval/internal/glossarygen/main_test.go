package main

import (
	"slices"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	in := "# CC-CEDICT\n#! date=2026-01-04\n" +
		"圖書館 图书馆 [tu2 shu1 guan3] /library/\n" +
		"not an entry\n" +
		"罰款 罚款 [fa2 kuan3] /to fine; to impose a financial penalty/fine (monetary)/\n"
	got, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Traditional != "圖書館" || !slices.Equal(got[1].Senses, []string{"to fine; to impose a financial penalty", "fine (monetary)"}) {
		t.Errorf("read %+v", got)
	}
}

func TestKeys(t *testing.T) {
	for _, c := range []struct {
		sense string
		want  []string
	}{
		{"to fine; to impose a financial penalty", []string{"fine"}},
		{"fine (monetary)", []string{"fine"}},
		{"a sweet potato", []string{"sweet potato"}},
		{"Taipei, capital of Taiwan", nil},          // a proper noun
		{"variant of 罰款|罚款[fa2 kuan3]", nil},        // a cross-reference
		{"CL:張|张[zhang1]", nil},                     // a measure word
		{"abbr. for 國民年金", nil},                     // an abbreviation
		{"to take something apart completely", nil}, // more than three words
		{"free of charge; gratis", []string{"free of charge", "gratis"}},
		{"e-mail", nil}, // not only letters
	} {
		if got := Keys(c.sense); !slices.Equal(got, c.want) {
			t.Errorf("Keys(%q) = %q, want %q", c.sense, got, c.want)
		}
	}
}
