package bot

import (
	"slices"
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

func TestSuggestionsRules(t *testing.T) {
	q := "敬老卡搭公車要錢嗎"
	hit := func(dataset, key, title string) retrieval.Hit {
		return retrieval.Hit{Dataset: dataset, Key: key, Title: title, Confidence: 0.3}
	}
	keys := func(hs []retrieval.Hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Key)
		}
		return out
	}
	hits := []retrieval.Hit{
		hit(corpus.DatasetDrug, "licence", "敬老卡搭公車要錢嗎"), // a licence: never offered
		hit(corpus.DatasetCityFAQ, "a", "敬老卡搭公車是否免費？"),
		hit(corpus.DatasetCityFAQ, "dup", " 敬老卡搭公車是否免費？ "), // the same question again
		hit(corpus.DatasetCityFAQ, "none", "敬老卡搭公車要付多少錢？"), // found by no evidence
		hit(corpus.DatasetCityFAQ, "far", "垃圾要怎麼分類？"),      // about something else
		hit(corpus.DatasetCityFAQ, "b", "敬老卡搭公車每月有幾次免費？"),
		hit(corpus.DatasetMyth, "c", "老人搭公車刷敬老卡要錢，是真的嗎？"),
		hit(corpus.DatasetCityFAQ, "d", "敬老卡搭公車的點數怎麼算？"),
	}
	hits[3].Confidence = 0
	got := keys(suggestions(q, hits, false))
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("offered %v: want a, b and c (no licence, no repeat, no record found by no evidence or about something else, three at most)", got)
	}
	if s := suggestions(q, hits, false); s[0].Title != "敬老卡搭公車是否免費？" {
		t.Errorf("title %q: want it trimmed", s[0].Title)
	}
	if got := keys(suggestions(q, hits, true)); !slices.Equal(got, []string{"c"}) {
		t.Errorf("for a medicine question offered %v: want the myth only, never a city FAQ", got)
	}
	if got := suggestions(q, nil, false); got != nil {
		t.Errorf("with nothing found offered %v", got)
	}
}
