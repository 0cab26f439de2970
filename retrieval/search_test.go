package retrieval

import (
	"context"
	"slices"
	"testing"
)

// fakeIndex is a store that finds what its func fields say.
type fakeIndex struct {
	words      func(words, misspelt []string) Vocabulary
	candidates func(legs []Leg) [][]DocRef
	docs       map[DocRef]Hit
	loaded     []DocRef
}

type fixedEmbedder struct{}

func (fixedEmbedder) EmbedQuery(context.Context, string) ([]float32, error) {
	return []float32{1, 0}, nil
}

func (x *fakeIndex) Embedder() (QueryEmbedder, string) { return fixedEmbedder{}, "test" }

func (x *fakeIndex) Words(_ context.Context, words, misspelt []string) (Vocabulary, error) {
	if x.words == nil {
		return Vocabulary{Chunks: 1000, Freq: map[string]int{}}, nil
	}
	return x.words(words, misspelt), nil
}

func (x *fakeIndex) Candidates(_ context.Context, legs []Leg, _ Filter) ([][]DocRef, error) {
	return x.candidates(legs), nil
}

func (x *fakeIndex) Load(_ context.Context, refs []DocRef, _ Filter) ([]Hit, error) {
	x.loaded = refs
	var out []Hit
	for _, r := range refs {
		if h, ok := x.docs[r]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}

func TestSearchBreaksTiesByKey(t *testing.T) {
	docs := map[DocRef]Hit{}
	for _, r := range []DocRef{{"faq", "c"}, {"faq", "a"}, {"faq", "b"}, {"drug", "a"}} {
		docs[r] = Hit{Dataset: r.Dataset, Key: r.Key, Title: "x", Status: "active"}
	}
	search := func(found func(l Leg) []DocRef) []DocRef {
		t.Helper()
		ix := &fakeIndex{docs: docs, candidates: func(legs []Leg) [][]DocRef {
			out := make([][]DocRef, len(legs))
			for i, l := range legs {
				out[i] = found(l)
			}
			return out
		}}
		hits, err := Search(t.Context(), ix, Query{Text: "zzz qqq", K: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []DocRef
		for _, h := range hits {
			got = append(got, h.ref())
		}
		return got
	}
	// One leg's order decides.
	got := search(func(l Leg) []DocRef {
		if l.Kind == LegDense {
			return []DocRef{{"faq", "c"}, {"faq", "a"}, {"faq", "b"}}
		}
		return nil
	})
	if want := []DocRef{{"faq", "c"}, {"faq", "a"}, {"faq", "b"}}; !slices.Equal(got, want) {
		t.Errorf("hits %v, want %v", got, want)
	}
	// Equal scores (the first place of two legs of equal weight): by key, then dataset.
	got = search(func(l Leg) []DocRef {
		switch l.Kind {
		case LegKey:
			return []DocRef{{"faq", "c"}, {"faq", "a"}}
		case LegTitle:
			return []DocRef{{"drug", "a"}}
		}
		return nil
	})
	if want := []DocRef{{"drug", "a"}, {"faq", "c"}, {"faq", "a"}}; !slices.Equal(got, want) {
		t.Errorf("equal scores: hits %v, want %v", got, want)
	}
}

func TestSearchLoadsTheBestCandidatesOnly(t *testing.T) {
	var refs []DocRef
	for i := range 100 {
		refs = append(refs, DocRef{"faq", string(rune('A' + i))})
	}
	ix := &fakeIndex{docs: map[DocRef]Hit{}, candidates: func(legs []Leg) [][]DocRef {
		out := make([][]DocRef, len(legs))
		out[0] = refs
		return out
	}}
	if _, err := Search(t.Context(), ix, Query{Text: "zzz", K: 5}); err != nil {
		t.Fatal(err)
	}
	if want := refs[:3*5+10]; !slices.Equal(ix.loaded, want) {
		t.Errorf("loaded %v, want the first %d", ix.loaded, len(want))
	}
}

func TestPlanCorrectsSpellingOnce(t *testing.T) {
	a := Analyze("ibuprofin 可以空腹吃嗎")
	v := Vocabulary{Chunks: 10000, Freq: map[string]int{"空腹": 30}, Near: map[string][]WordFreq{
		// Two at one edit, equally common: the first bytewise wins, whatever the order.
		"ibuprofin": {{"ibuprofen", 7}, {"ibuprofan", 7}, {"ibuprofxxxn", 900}},
	}}
	legs := Plan(&a, []float32{1}, 0.5, v, false)
	var weightedLeg, drugWords *Leg
	for i := range legs {
		switch legs[i].Kind {
		case LegWeighted:
			weightedLeg = &legs[i]
		case LegDrugWords:
			drugWords = &legs[i]
		}
		if legs[i].Limit != candidates {
			t.Errorf("leg %d: limit %d", legs[i].Kind, legs[i].Limit)
		}
	}
	if weightedLeg == nil || !slices.Contains(weightedLeg.Words, "ibuprofan") || slices.Contains(weightedLeg.Words, "ibuprofin") {
		t.Fatalf("weighted leg %+v: want the correction ibuprofan, not the misspelling", weightedLeg)
	}
	if drugWords == nil || !slices.Contains(drugWords.Words, "ibuprofan") {
		t.Errorf("drug-name leg %+v: want ibuprofan", drugWords)
	}
	for i, w := range weightedLeg.Words {
		if weightedLeg.IDF[i] <= 0 {
			t.Errorf("idf of %s = %v", w, weightedLeg.IDF[i])
		}
	}
}

func TestLicenceCoreName(t *testing.T) {
	for _, c := range []struct{ title, want string }{
		{`"瑪科隆"舒必朗錠50毫克(斯比樂)`, "舒必朗錠"},
		{`"全可利"膜衣錠`, "全可利膜衣錠"},
		{"普拿疼 加強錠", "普拿疼加強錠"},
		{"Panadol Extra 500mg", "panadolextra"},
		{"", ""},
	} {
		if got := LicenceCoreName(c.title); got != c.want {
			t.Errorf("LicenceCoreName(%q) = %q, want %q", c.title, got, c.want)
		}
	}
	if got := LicenceKeySerial("衛署藥製字第029478號"); got != "029478" {
		t.Errorf("serial %q", got)
	}
	if got := LicenceKeyPrefix("衛署藥製字第029478號"); got != "衛署藥製字第" {
		t.Errorf("prefix %q", got)
	}
}
