package bot

import (
	"context"
	_ "embed"
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

// statement is a clause of a TFDA record (a myth, an article) that states a fact of a
// medicine the licences found do not list: quoted with its record as a source.
type statement struct {
	quote string
	from  retrieval.Hit
}

// maxStatementRunes bounds a quoted statement: a longer sentence is quoted by its
// clause that names the medicine.
const maxStatementRunes = 90

// ingredientsStated looks for a medicine myth or article that states the ingredients of
// the name the question shares with the licence found (its longest common run of
// Chinese characters): 「乙醯胺酚常見於普拿疼、泰諾(Tylenol)等藥品之成分」 for a question on
// 普拿疼's ingredients, whose licences in the data list none. nil when none does.
func (e *Engine) ingredientsStated(ctx context.Context, t *turn, q string, top retrieval.Hit) (*statement, error) {
	name := sharedHan(q, retrieval.WithoutMaker(top.Title))
	if utf8.RuneCountInString(name) < 2 {
		return nil, nil
	}
	for _, n := range []string{name, withoutForm(name)} {
		if utf8.RuneCountInString(n) < 2 {
			continue
		}
		st, err := e.statementOf(ctx, n, aspectWords("ingredients"))
		if st != nil || err != nil {
			return st, err
		}
		if n == withoutForm(name) {
			break
		}
	}
	return nil, nil
}

//go:embed dosageforms.txt
var dosageFormsFile string

var dosageForms = dataWords(dosageFormsFile)

// withoutForm is a name without the dosage form that ends it (「普拿疼膜衣錠」 → 「普拿疼」).
func withoutForm(name string) string {
	best := name
	for _, f := range dosageForms {
		if n := strings.TrimSuffix(name, f); n != name && len(n) < len(best) {
			best = n
		}
	}
	return best
}

// statementOf finds the first clause of a medicine myth or article that names name and
// holds one of words.
func (e *Engine) statementOf(ctx context.Context, name string, words []string) (*statement, error) {
	var hits []retrieval.Hit
	err := e.storeCall(ctx, "search statements", func(ctx context.Context) (err error) {
		hits, err = e.searcher.Search(ctx, retrieval.Query{Text: name + " " + words[0], K: 5, Datasets: []string{corpus.DatasetMyth, corpus.DatasetArticle}})
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		var full retrieval.Hit
		err := e.storeCall(ctx, "get statement", func(ctx context.Context) (err error) {
			full, err = e.store.Get(ctx, h.Dataset, h.Key)
			return err
		})
		switch {
		case errors.Is(err, retrieval.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		if s := statingClause(full.Body, name, words); s != "" {
			return &statement{quote: s, from: full}, nil
		}
	}
	return nil, nil
}

// enumeration is the number of a point that starts a sentence: 「(1)」「2.」.
var enumeration = regexp.MustCompile(`^[（(]?[0-9０-９一二三四五六七八九十]+[)）.、]\s*`)

// statingClause returns the first sentence of body (or, for a long one, its clause)
// that names name and holds one of words, "" if none.
func statingClause(body, name string, words []string) string {
	holds := func(s string) bool {
		if !strings.Contains(s, name) {
			return false
		}
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	for _, sentence := range strings.FieldsFunc(body, func(r rune) bool { return strings.ContainsRune("。！？!?；;\n", r) }) {
		sentence = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(sentence), "解答："), "答："))
		sentence = strings.TrimSpace(enumeration.ReplaceAllString(sentence, ""))
		if !holds(sentence) {
			continue
		}
		if utf8.RuneCountInString(sentence) <= maxStatementRunes {
			return sentence
		}
		for _, clause := range strings.FieldsFunc(sentence, func(r rune) bool { return strings.ContainsRune("，,：:", r) }) {
			if clause = strings.TrimSpace(clause); holds(clause) && utf8.RuneCountInString(clause) <= maxStatementRunes {
				return clause
			}
		}
	}
	return ""
}

// sharedHan is the longest run of Chinese characters in both a and b.
func sharedHan(a, b string) string {
	ra, rb := []rune(a), []rune(b)
	bestLen, bestEnd := 0, 0
	prev := make([]int, len(rb)+1)
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		for j := 1; j <= len(rb); j++ {
			if ra[i-1] == rb[j-1] && unicode.Is(unicode.Han, ra[i-1]) {
				cur[j] = prev[j-1] + 1
				if cur[j] > bestLen {
					bestLen, bestEnd = cur[j], i
				}
			}
		}
		prev = cur
	}
	return string(ra[bestEnd-bestLen : bestEnd])
}

// aspectWords are the Chinese words that ask for an aspect.
func aspectWords(name string) []string {
	var out []string
	for _, a := range aspects {
		if a.name != name {
			continue
		}
		for _, w := range a.words {
			if !isASCII(w) {
				out = append(out, w)
			}
		}
	}
	return out
}
